"""seed reference data

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 12:28:05.047911+00:00

Data revision: rendered from seeds.yaml by `schemactl seed --revision` (generator/seeds/revision.py).
Do not edit it: tests re-render it and compare. It changes rows, never the schema.
Upgrade:
- machines: insert 3 (haas-vf2, dmg-dmu50, mazak-qt-250)
- materials: insert 5 (al-6061-t6, steel-1.2379, stainless-1.4301, ti-6al-4v, pom-c)
- tools: insert 2 (em-6-carbide-4f, drill-10-hss)
Rollback: the downgrade sets changed values back and deletes the inserted rows by natural key, except
rows other rows still reference (those stay, like rows users added); rows users added are
never touched.
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The seed state after this revision (seeds.yaml, canonical form). `schemactl seed --check`
# compares seeds.yaml with the latest one; the next data revision is rendered from the difference.
SEEDS = {'machines': {'key': ['code'],
              'json': ['meta'],
              'arrays': [],
              'references': {},
              'updated_at': True,
              'referenced_by': [['cam_runs', 'machine_id', 'id']],
              'rows': [{'code': 'haas-vf2',
                        'name': 'Haas VF-2',
                        'kind': 'mill_3axis',
                        'controller': 'Haas NGC',
                        'axes': 3,
                        'meta': {'travels_mm': {'x': 762, 'y': 406, 'z': 508},
                                 'table_mm': {'length': 914, 'width': 356},
                                 'max_table_load_kg': 1361,
                                 'spindle': {'taper': 'CAT40', 'max_rpm': 8100, 'power_kw': 22.4},
                                 'rapid_m_min': 25.4,
                                 'tool_changer_slots': 20}},
                       {'code': 'dmg-dmu50',
                        'name': 'DMG MORI DMU 50',
                        'kind': 'mill_5axis',
                        'controller': 'Heidenhain TNC 640',
                        'axes': 5,
                        'meta': {'travels_mm': {'x': 650, 'y': 520, 'z': 475},
                                 'rotary_axes': {'b': {'min_deg': -35, 'max_deg': 110},
                                                 'c': {'min_deg': 0,
                                                       'max_deg': 360,
                                                       'continuous': True}},
                                 'table_diameter_mm': 630,
                                 'max_table_load_kg': 300,
                                 'spindle': {'taper': 'SK40', 'max_rpm': 15000, 'power_kw': 21.0},
                                 'rapid_m_min': 42,
                                 'tool_changer_slots': 30}},
                       {'code': 'mazak-qt-250',
                        'name': 'Mazak QUICK TURN 250',
                        'kind': 'lathe',
                        'controller': 'Mazatrol SmoothG',
                        'axes': 2,
                        'meta': {'max_turning_diameter_mm': 380,
                                 'max_turning_length_mm': 541,
                                 'bar_capacity_mm': 76,
                                 'chuck_size_in': 10,
                                 'spindle': {'max_rpm': 4000, 'power_kw': 26.0},
                                 'turret_stations': 12}}]},
 'materials': {'key': ['code'],
               'json': ['properties'],
               'arrays': [],
               'references': {},
               'updated_at': True,
               'referenced_by': [],
               'rows': [{'code': 'al-6061-t6',
                         'name': 'Aluminium 6061-T6',
                         'category': 'aluminium',
                         'iso_group': 'N',
                         'properties': {'standard': 'EN AW-6061 (AlMg1SiCu)',
                                        'condition': 'T6',
                                        'density_g_cm3': 2.7,
                                        'hardness': {'scale': 'HB', 'value': 95},
                                        'tensile_strength_mpa': 310,
                                        'vc_m_min': {'carbide': 500, 'hss': 120}}},
                        {'code': 'steel-1.2379',
                         'name': 'Tool steel 1.2379 (D2), annealed',
                         'category': 'steel',
                         'iso_group': 'P',
                         'properties': {'standard': 'EN 1.2379 (X153CrMoV12), AISI D2',
                                        'condition': 'soft annealed',
                                        'density_g_cm3': 7.7,
                                        'hardness': {'scale': 'HB', 'value': 250},
                                        'vc_m_min': {'carbide': 120, 'hss': 15}}},
                        {'code': 'stainless-1.4301',
                         'name': 'Stainless steel 1.4301 (304)',
                         'category': 'stainless_steel',
                         'iso_group': 'M',
                         'properties': {'standard': 'EN 1.4301 (X5CrNi18-10), AISI 304',
                                        'condition': 'solution annealed',
                                        'density_g_cm3': 7.9,
                                        'hardness': {'scale': 'HB', 'value': 215},
                                        'tensile_strength_mpa': 620,
                                        'vc_m_min': {'carbide': 150, 'hss': 18}}},
                        {'code': 'ti-6al-4v',
                         'name': 'Titanium Ti-6Al-4V (Grade 5)',
                         'category': 'titanium',
                         'iso_group': 'S',
                         'properties': {'standard': 'ASTM B348 Grade 5 (3.7165)',
                                        'condition': 'annealed',
                                        'density_g_cm3': 4.43,
                                        'hardness': {'scale': 'HRC', 'value': 36},
                                        'tensile_strength_mpa': 950,
                                        'vc_m_min': {'carbide': 50, 'hss': 10}}},
                        {'code': 'pom-c',
                         'name': 'POM-C (acetal copolymer)',
                         'category': 'plastic',
                         'iso_group': None,
                         'properties': {'standard': 'POM-C (polyoxymethylene copolymer)',
                                        'density_g_cm3': 1.41,
                                        'hardness': {'scale': 'Shore D', 'value': 81},
                                        'max_service_temp_c': 100,
                                        'vc_m_min': {'carbide': 400, 'hss': 200},
                                        'notes': 'sharp uncoated tools, no coolant or air blast '
                                                 'only'}}]},
 'tools': {'key': ['code'],
           'json': ['meta'],
           'arrays': [],
           'references': {},
           'updated_at': True,
           'referenced_by': [],
           'rows': [{'code': 'em-6-carbide-4f',
                     'name': '6mm Carbide Endmill (4F)',
                     'type': 'endmill',
                     'material': 'carbide',
                     'diameter_mm': 6,
                     'flutes': 4,
                     'flute_length_mm': 13,
                     'overall_length_mm': 57,
                     'coating': 'AlTiN',
                     'meta': {'shank_mm': 6,
                              'helix_deg': 35,
                              'corner_radius_mm': 0,
                              'max_axial_depth_mm': 9,
                              'feeds_speeds': {'aluminium': {'vc_m_min': 300,
                                                             'fz_mm': 0.045,
                                                             'slotting_ap_mm': 3},
                                               'steel': {'vc_m_min': 110,
                                                         'fz_mm': 0.03,
                                                         'slotting_ap_mm': 3},
                                               'stainless_steel': {'vc_m_min': 80,
                                                                   'fz_mm': 0.025,
                                                                   'slotting_ap_mm': 1.5},
                                               'hardened_steel': {'vc_m_min': 60,
                                                                  'fz_mm': 0.015,
                                                                  'slotting_ap_mm': 0.6},
                                               'titanium': {'vc_m_min': 45,
                                                            'fz_mm': 0.02,
                                                            'slotting_ap_mm': 1.5},
                                               'plastic': {'vc_m_min': 250,
                                                           'fz_mm': 0.05,
                                                           'slotting_ap_mm': 6}}}},
                    {'code': 'drill-10-hss',
                     'name': '10mm Drill HSS',
                     'type': 'drill',
                     'material': 'hss',
                     'diameter_mm': 10,
                     'flutes': 2,
                     'flute_length_mm': 87,
                     'overall_length_mm': 133,
                     'coating': 'TiN',
                     'meta': {'standard': 'DIN 338 type N (jobber length)',
                              'point_angle_deg': 118,
                              'shank_mm': 10,
                              'peck_depth_mm': 10,
                              'feeds_speeds': {'aluminium': {'vc_m_min': 60, 'f_mm_rev': 0.2},
                                               'steel': {'vc_m_min': 25, 'f_mm_rev': 0.15},
                                               'stainless_steel': {'vc_m_min': 12, 'f_mm_rev': 0.1},
                                               'plastic': {'vc_m_min': 40, 'f_mm_rev': 0.2}},
                              'not_recommended': ['hardened_steel', 'titanium']}}]}}

UPGRADE = [
    """
INSERT INTO machines AS t (code, name, kind, controller, axes, meta)
VALUES
    ('haas-vf2', 'Haas VF-2', 'mill_3axis', 'Haas NGC', 3, '{"max_table_load_kg": 1361, "rapid_m_min": 25.4, "spindle": {"max_rpm": 8100, "power_kw": 22.4, "taper": "CAT40"}, "table_mm": {"length": 914, "width": 356}, "tool_changer_slots": 20, "travels_mm": {"x": 762, "y": 406, "z": 508}}'),
    ('dmg-dmu50', 'DMG MORI DMU 50', 'mill_5axis', 'Heidenhain TNC 640', 5, '{"max_table_load_kg": 300, "rapid_m_min": 42, "rotary_axes": {"b": {"max_deg": 110, "min_deg": -35}, "c": {"continuous": true, "max_deg": 360, "min_deg": 0}}, "spindle": {"max_rpm": 15000, "power_kw": 21.0, "taper": "SK40"}, "table_diameter_mm": 630, "tool_changer_slots": 30, "travels_mm": {"x": 650, "y": 520, "z": 475}}'),
    ('mazak-qt-250', 'Mazak QUICK TURN 250', 'lathe', 'Mazatrol SmoothG', 2, '{"bar_capacity_mm": 76, "chuck_size_in": 10, "max_turning_diameter_mm": 380, "max_turning_length_mm": 541, "spindle": {"max_rpm": 4000, "power_kw": 26.0}, "turret_stations": 12}')
ON CONFLICT (code) DO NOTHING
""",
    """
INSERT INTO materials AS t (code, name, category, iso_group, properties)
VALUES
    ('al-6061-t6', 'Aluminium 6061-T6', 'aluminium', 'N', '{"condition": "T6", "density_g_cm3": 2.7, "hardness": {"scale": "HB", "value": 95}, "standard": "EN AW-6061 (AlMg1SiCu)", "tensile_strength_mpa": 310, "vc_m_min": {"carbide": 500, "hss": 120}}'),
    ('steel-1.2379', 'Tool steel 1.2379 (D2), annealed', 'steel', 'P', '{"condition": "soft annealed", "density_g_cm3": 7.7, "hardness": {"scale": "HB", "value": 250}, "standard": "EN 1.2379 (X153CrMoV12), AISI D2", "vc_m_min": {"carbide": 120, "hss": 15}}'),
    ('stainless-1.4301', 'Stainless steel 1.4301 (304)', 'stainless_steel', 'M', '{"condition": "solution annealed", "density_g_cm3": 7.9, "hardness": {"scale": "HB", "value": 215}, "standard": "EN 1.4301 (X5CrNi18-10), AISI 304", "tensile_strength_mpa": 620, "vc_m_min": {"carbide": 150, "hss": 18}}'),
    ('ti-6al-4v', 'Titanium Ti-6Al-4V (Grade 5)', 'titanium', 'S', '{"condition": "annealed", "density_g_cm3": 4.43, "hardness": {"scale": "HRC", "value": 36}, "standard": "ASTM B348 Grade 5 (3.7165)", "tensile_strength_mpa": 950, "vc_m_min": {"carbide": 50, "hss": 10}}'),
    ('pom-c', 'POM-C (acetal copolymer)', 'plastic', NULL, '{"density_g_cm3": 1.41, "hardness": {"scale": "Shore D", "value": 81}, "max_service_temp_c": 100, "notes": "sharp uncoated tools, no coolant or air blast only", "standard": "POM-C (polyoxymethylene copolymer)", "vc_m_min": {"carbide": 400, "hss": 200}}')
ON CONFLICT (code) DO NOTHING
""",
    """
INSERT INTO tools AS t (code, name, type, material, diameter_mm, flutes, flute_length_mm, overall_length_mm, coating, meta)
VALUES
    ('em-6-carbide-4f', '6mm Carbide Endmill (4F)', 'endmill', 'carbide', 6, 4, 13, 57, 'AlTiN', '{"corner_radius_mm": 0, "feeds_speeds": {"aluminium": {"fz_mm": 0.045, "slotting_ap_mm": 3, "vc_m_min": 300}, "hardened_steel": {"fz_mm": 0.015, "slotting_ap_mm": 0.6, "vc_m_min": 60}, "plastic": {"fz_mm": 0.05, "slotting_ap_mm": 6, "vc_m_min": 250}, "stainless_steel": {"fz_mm": 0.025, "slotting_ap_mm": 1.5, "vc_m_min": 80}, "steel": {"fz_mm": 0.03, "slotting_ap_mm": 3, "vc_m_min": 110}, "titanium": {"fz_mm": 0.02, "slotting_ap_mm": 1.5, "vc_m_min": 45}}, "helix_deg": 35, "max_axial_depth_mm": 9, "shank_mm": 6}'),
    ('drill-10-hss', '10mm Drill HSS', 'drill', 'hss', 10, 2, 87, 133, 'TiN', '{"feeds_speeds": {"aluminium": {"f_mm_rev": 0.2, "vc_m_min": 60}, "plastic": {"f_mm_rev": 0.2, "vc_m_min": 40}, "stainless_steel": {"f_mm_rev": 0.1, "vc_m_min": 12}, "steel": {"f_mm_rev": 0.15, "vc_m_min": 25}}, "not_recommended": ["hardened_steel", "titanium"], "peck_depth_mm": 10, "point_angle_deg": 118, "shank_mm": 10, "standard": "DIN 338 type N (jobber length)"}')
ON CONFLICT (code) DO NOTHING
""",
]

DOWNGRADE = [
    """
DELETE FROM tools AS t
WHERE t.code IN ('em-6-carbide-4f', 'drill-10-hss')
""",
    """
DELETE FROM materials AS t
WHERE t.code IN ('al-6061-t6', 'steel-1.2379', 'stainless-1.4301', 'ti-6al-4v', 'pom-c')
""",
    """
DELETE FROM machines AS t
WHERE t.code IN ('haas-vf2', 'dmg-dmu50', 'mazak-qt-250')
    AND NOT EXISTS (SELECT 1 FROM cam_runs AS r WHERE r.machine_id = t.id)
""",
]


def upgrade() -> None:
    _run(UPGRADE)


def downgrade() -> None:
    _run(DOWNGRADE)


def _run(statements: list[str]) -> None:
    """Run SQL text as it is: no bind-parameter parsing, so ':' and '%' in the data stay intact."""
    context = op.get_context()
    for statement in statements:
        if context.as_sql:  # offline mode (alembic upgrade --sql): print it
            context.impl.static_output(statement.strip() + ";\n")
        else:
            op.get_bind().exec_driver_sql(statement, execution_options={"no_parameters": True})
