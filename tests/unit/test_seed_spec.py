"""seeds.yaml: loading and checking it against the spec, the SQL text, and the data revisions.

The invalid-seeds corpus lives under tests/fixtures/invalid_seeds/<case>/ (schema.yaml,
seeds.yaml, expected.txt): each case is run as `schemactl validate` from its folder and must
print exactly expected.txt and exit 1. To add a case: write the files, run the CLI from the
folder, read every line, save them. No database here: tests/acceptance/test_seed.py runs seeds.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from checkout import project_copy
from project_facts import FACTS

from generator.errors import SpecError
from generator.seeds.apply import insert_sql, literal, quote_text, upsert_statements
from generator.seeds.revision import (
    data_revisions,
    diff_states,
    pending_changes,
    render_revision,
    rerender,
    revision_statements,
    seed_state,
    seeds_from_state,
)
from generator.seeds.spec import load_seeds, parse_seeds
from generator.spec import Spec, load_spec, parse_spec

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "invalid_seeds"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "seeds.yaml").is_file())
BASE_SPEC = (FIXTURES / "unknown_table" / "schema.yaml").read_text()  # the corpus's small spec


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(REPO / "schema.yaml")


@pytest.fixture(scope="module")
def small_spec() -> Spec:
    return parse_spec(BASE_SPEC)


# ------------------------------------------------------------------ the invalid-seeds corpus


def test_the_corpus_is_complete() -> None:
    assert len(CASES) >= 10
    for case in CASES:
        folder = FIXTURES / case
        assert (folder / "schema.yaml").is_file(), f"{case}: schema.yaml is missing"
        assert (folder / "expected.txt").read_text().strip(), f"{case}: expected.txt is empty"


def case_copy(case: str, tmp_path: Path) -> Path:
    """A copy of a corpus case to run in: its spec is valid, so validate would write the spec
    cache (.schemactl/cache) into the case's folder."""
    return Path(shutil.copytree(FIXTURES / case, tmp_path / case))


@pytest.mark.parametrize("case", CASES)
def test_invalid_seeds(case: str, run_cli, tmp_path: Path) -> None:
    folder = FIXTURES / case
    result = run_cli("validate", cwd=case_copy(case, tmp_path))

    expected = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert result.stdout.splitlines() == expected
    assert result.code == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr
    n = len(expected)
    assert f"{n} problem{'s' if n != 1 else ''} in schema.yaml, seeds.yaml" in result.stderr


def test_every_line_is_seeds_yaml_line_column_message() -> None:
    pattern = re.compile(r"^seeds\.yaml:[1-9][0-9]*:[1-9][0-9]*: \S.*$")
    for case in CASES:
        for line in (FIXTURES / case / "expected.txt").read_text().splitlines():
            assert pattern.match(line), f"{case}: {line!r}"


def test_the_required_kinds_of_mistake_are_covered() -> None:
    required = {
        "unknown_table", "unknown_column", "wrong_type", "bad_enum_value", "missing_not_null_column",
        "duplicate_natural_key", "key_not_unique_in_schema", "yaml_duplicate_key",
        "reference_to_missing_seeded_row", "unknown_top_level_key",
    }
    assert required <= set(CASES)


def test_json_report_of_an_invalid_case(run_cli, tmp_path: Path) -> None:
    import json

    result = run_cli("validate", "--format", "json", cwd=case_copy("bad_enum_value", tmp_path))
    assert result.code == 1
    report = json.loads(result.stdout)
    assert report["status"] == "invalid"
    assert report["files"] == ["schema.yaml", "seeds.yaml"]
    assert report["problems"] == [
        {"file": "seeds.yaml", "line": 19, "column": 15,
         "message": "tools[0].type: value 'end_mill' is not a value of enum tool_type (endmill, drill, tap)"},
    ]


# ------------------------------------------------------------------ the repository's seeds.yaml


def test_the_repository_seeds_are_valid(spec: Spec) -> None:
    seeds = load_seeds(REPO / "seeds.yaml", spec)
    assert list(seeds.tables) == ["machines", "materials", "tools"]
    assert seeds.row_count == FACTS.seed_rows
    tools = {row["name"]: row for row in seeds.tables["tools"].rows}
    assert set(tools) == {"6mm Carbide Endmill (4F)", "10mm Drill HSS"}
    endmill, drill = tools["6mm Carbide Endmill (4F)"], tools["10mm Drill HSS"]
    assert (endmill["type"], endmill["material"], endmill["diameter_mm"], endmill["flutes"]) == ("endmill", "carbide", 6, 4)
    assert (drill["type"], drill["material"], drill["diameter_mm"], drill["flutes"]) == ("drill", "hss", 10, 2)
    assert endmill["coating"] and drill["coating"]
    for tool in (endmill, drill):  # feeds and speeds for the common material categories
        categories = set(tool["meta"]["feeds_speeds"])
        assert {"aluminium", "steel", "stainless_steel"} <= categories
        assert categories <= set(spec.enums["material_category"].values)
    kinds = {row["kind"] for row in seeds.tables["machines"].rows}
    assert {"mill_3axis", "mill_5axis", "lathe"} <= kinds


def test_validate_counts_the_seed_rows(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project_copy())
    result = run_cli("validate")
    assert result.code == 0
    assert f"; {FACTS.seed_rows} seed rows (" in result.stderr


# ------------------------------------------------------------------ checks, one by one


SMALL_SEEDS = """\
version: 1
tables:
  tools:
    key: [code]
    rows:
      - {code: em-6, name: Endmill, type: endmill, material: carbide, diameter_mm: 6, default_material_id: al-6061}
      - {code: drill-10, name: Drill, type: drill, material: hss, diameter_mm: 10, default_material_id: {code: pom-c}}
  materials:
    key: [code]
    rows:
      - {code: al-6061, name: Aluminium, category: aluminium}
      - {code: pom-c, name: "now()", category: plastic, properties: "just a JSON string"}
"""


def test_tables_come_in_foreign_key_order_and_references_are_natural_keys(small_spec: Spec) -> None:
    seeds = parse_seeds(SMALL_SEEDS, small_spec)
    assert list(seeds.tables) == ["materials", "tools"]
    tools = seeds.tables["tools"]
    assert [r["default_material_id"] for r in tools.rows] == [{"code": "al-6061"}, {"code": "pom-c"}]
    ref = tools.references["default_material_id"]
    assert (ref.table, ref.target, ref.key) == ("materials", "id", ("code",))
    materials = seeds.tables["materials"]
    assert materials.referenced_by == (("tools", "default_material_id", "id"),)
    assert materials.rows[1]["name"] == "now()"  # text that looks like a call is just text


def _problems(text: str, spec: Spec) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_seeds(text, spec)
    return [str(p) for p in info.value.problems]


def test_a_two_table_cycle_is_refused() -> None:
    spec = parse_spec(BASE_SPEC.replace(
        '      properties: {type: jsonb, nullable: false, default: {}, comment: "Physical data."}\n',
        '      properties: {type: jsonb, nullable: false, default: {}, comment: "Physical data."}\n'
        '      best_tool_id: {type: uuid, references: {table: tools}, comment: "Best tool."}\n',
    ))
    text = SMALL_SEEDS.replace("category: aluminium}", "category: aluminium, best_tool_id: em-6}")
    assert _problems(text, spec) == [
        "seeds.yaml:3:3: tools: seeded rows reference each other in a cycle (tools.default_material_id -> "
        "materials, materials.best_tool_id -> tools); seeds cannot order them: leave "
        "tools.default_material_id out of seeds.yaml and set it in a data revision written by hand"
    ]


COMPOSITE_SPEC = """\
version: 1
tables:
  grades:
    comment: Material grades per standard.
    columns:
      id: {type: uuid, primary_key: true, default: gen_random_uuid(), comment: "Primary key."}
      standard: {type: text, nullable: false, comment: "Standard."}
      grade: {type: text, nullable: false, comment: "Grade."}
      tags: {type: "text[]", comment: "Tags."}
    indexes:
      - {columns: [standard, grade], unique: true}
      - {columns: [grade], unique: true, where: "standard = 'EN'"}
  stocks:
    comment: Stock items.
    columns:
      id: {type: uuid, primary_key: true, default: gen_random_uuid(), comment: "Primary key."}
      sku: {type: text, nullable: false, unique: true, comment: "SKU."}
      grade_id: {type: uuid, nullable: false, references: {table: grades}, comment: "Grade."}
"""


def test_a_unique_index_is_a_natural_key_and_a_partial_one_is_not() -> None:
    spec = parse_spec(COMPOSITE_SPEC)
    ok = """\
version: 1
tables:
  grades:
    key: [grade, standard]
    rows: [{standard: EN, grade: "1.2379", tags: [tool steel, "cold work"]}]
  stocks:
    key: [sku]
    rows: [{sku: bar-20, grade_id: {standard: EN, grade: "1.2379"}}]
"""
    seeds = parse_seeds(ok, spec)
    assert seeds.tables["grades"].array_columns == frozenset({"tags"})
    assert seeds.tables["stocks"].rows[0]["grade_id"] == {"grade": "1.2379", "standard": "EN"}
    partial = ok.replace("key: [grade, standard]", "key: [grade]")
    assert _problems(partial, spec) == [
        "seeds.yaml:4:10: grades.key: (grade) is not unique in schema.yaml; the upsert needs a unique "
        "constraint or unique index on exactly these columns (unique keys of grades: (id), (standard, grade))"
    ]
    scalar = ok.replace('grade_id: {standard: EN, grade: "1.2379"}', 'grade_id: "1.2379"')
    assert _problems(scalar, spec) == [
        "seeds.yaml:8:36: stocks[0].grade_id: grades has a composite natural key; write the reference "
        "as a mapping of (grade, standard)"
    ]
    bad_array = ok.replace('tags: [tool steel, "cold work"]', "tags: tool steel")
    assert _problems(bad_array, spec) == ["seeds.yaml:5:50: grades[0].tags: a value of array type text[] must be a list"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{code: x1, name: X, category: steel, properties: .nan}",
         "materials[0].properties: nan is not JSON (PostgreSQL refuses NaN and infinity in jsonb)"),
        ("{code: x1, name: X, category: steel, iso_group: 7}",
         "materials[0].iso_group: value 7 does not fit type char(1): quote it as a string"),
        ("{code: x1, name: X, category: [steel]}", "materials[0].category: a list does not fit type material_category"),
        ("{code: null, name: X, category: steel}", "materials[0].code: the natural key must not be null"),
        ("{name: X, category: steel}", "materials[0]: missing natural key column 'code'"),
        ("{code: x1, name: X, category: steel, created_at: 2026-01-01}",
         "materials[0].created_at: set by the database and schemactl seed; leave it out"),
    ],
)
def test_value_mistakes(small_spec: Spec, row: str, message: str) -> None:
    text = f"version: 1\ntables:\n  materials:\n    key: [code]\n    rows:\n      - {row}\n"
    assert [p.split(": ", 1)[1] for p in _problems(text, small_spec)] == [message]


# ------------------------------------------------------------------ SQL text


def test_literals() -> None:
    assert quote_text("O'Brien") == "'O''Brien'"
    assert quote_text("C:\\path") == "E'C:\\\\path'"
    assert literal(None) == "NULL"
    assert literal(True) == "true"
    assert literal(6) == "6"
    assert literal(0.045) == "0.045"
    assert literal(float("nan")) == "'NaN'"
    assert literal({"b": 1, "a": ":x %"}, json_value=True) == """'{"a": ":x %", "b": 1}'"""
    assert literal("plain", json_value=True) == "'\"plain\"'"
    assert literal(["a b", 'q"', None], array=True) == """E'{"a b","q\\\\"",NULL}'"""


def test_the_upsert_statement(small_spec: Spec) -> None:
    seeds = parse_seeds(SMALL_SEEDS, small_spec)
    [materials_plain, materials_props] = upsert_statements(seeds.tables["materials"])  # two column sets
    assert materials_props == (
        "INSERT INTO materials AS t (code, name, category, properties)\n"
        "VALUES\n"
        "    ('pom-c', 'now()', 'plastic', '\"just a JSON string\"')\n"
        "ON CONFLICT (code) DO UPDATE SET name = excluded.name, category = excluded.category, "
        "properties = excluded.properties, updated_at = now()\n"
        "    WHERE (t.name, t.category, t.properties::jsonb) IS DISTINCT FROM "
        "(excluded.name, excluded.category, excluded.properties::jsonb)\n"
        "RETURNING (t.xmax = 0) AS inserted, t.code"
    )
    [tools] = upsert_statements(seeds.tables["tools"])
    assert "(SELECT id FROM materials WHERE code = 'al-6061')" in tools
    only_key = insert_sql(seeds.tables["materials"], ("code",), [{"code": "x"}], update=True, returning=False)
    assert only_key.endswith("ON CONFLICT (code) DO NOTHING")


# ------------------------------------------------------------------ data revisions


def test_the_difference_of_two_seed_states(small_spec: Spec) -> None:
    old = seed_state(parse_seeds(SMALL_SEEDS, small_spec))
    text = SMALL_SEEDS.replace("name: Aluminium,", "name: Aluminium 6061-T6,")
    text += "      - {code: pa6, name: Nylon, category: plastic}\n"
    new = seed_state(parse_seeds(text, small_spec))
    changes = diff_states(new, old)
    assert [c.describe() for c in changes] == ["materials: insert 1 (pa6); update al-6061 (name)"]
    up, down = revision_statements(changes)
    assert up == [
        "INSERT INTO materials AS t (code, name, category)\nVALUES\n    ('pa6', 'Nylon', 'plastic')\nON CONFLICT (code) DO NOTHING",
        "UPDATE materials AS t\nSET name = 'Aluminium 6061-T6', updated_at = now()\n"
        "WHERE t.code = 'al-6061'\n    AND (t.name) IS DISTINCT FROM ('Aluminium 6061-T6')",
    ]
    assert down == [
        "UPDATE materials AS t\nSET name = 'Aluminium', updated_at = now()\n"
        "WHERE t.code = 'al-6061'\n    AND (t.name) IS DISTINCT FROM ('Aluminium')",
        "DELETE FROM materials AS t\nWHERE t.code IN ('pa6')\n"
        "    AND NOT EXISTS (SELECT 1 FROM tools AS r WHERE r.default_material_id = t.id)",
    ]
    assert seeds_from_state(new).tables["materials"].rows == parse_seeds(text, small_spec).tables["materials"].rows


def test_a_changed_natural_key_cannot_be_rendered(small_spec: Spec) -> None:
    from generator.errors import MigrationError

    old = seed_state(parse_seeds(SMALL_SEEDS, small_spec))
    new = seed_state(parse_seeds(SMALL_SEEDS, small_spec))
    new["materials"]["key"] = ["name"]
    with pytest.raises(MigrationError, match="the natural key of materials changed"):
        diff_states(new, old)


def test_every_committed_data_revision_renders_again_identically() -> None:
    revisions = data_revisions(REPO)
    assert revisions[0].revision == "0007"
    assert revisions[0].path.name == "0007_seed_reference_data.py"
    assert revisions[0].down_revision == "0006"
    for rev, text in rerender(revisions):
        assert rev.path.read_text(encoding="utf-8") == text, f"{rev.path.name} was edited by hand or the renderer changed"


def test_the_latest_data_revision_is_what_the_renderer_makes_of_seeds_yaml(spec: Spec) -> None:
    """The CI gate: a change to seeds.yaml without a new data revision fails here (and `seed --check`)."""
    seeds = load_seeds(REPO / "seeds.yaml", spec)
    assert pending_changes(seeds, REPO) == [], "seeds.yaml changed: run schemactl seed --revision -m 'what changed'"
    revisions = data_revisions(REPO)
    latest, previous = revisions[-1], (revisions[-2].state if len(revisions) > 1 else None)
    new = seed_state(seeds)
    for name, body in new.items():  # the schema facts as of the revision (later FKs may point here now)
        body["referenced_by"] = latest.state[name]["referenced_by"]
    text = render_revision(new, previous, latest.revision, latest.down_revision, latest.message, latest.create_date)
    assert latest.path.read_text(encoding="utf-8") == text


def test_a_hand_written_data_revision_is_not_rendered_again(tmp_path: Path) -> None:
    from generator.seeds.revision import read_data_revision

    path = tmp_path / "0009_rename_a_key.py"
    path.write_text('"""rename a key\n\nRevision ID: 0009\n"""\nrevision = "0009"\ndown_revision = "0008"\n'
                    "HAND_WRITTEN = True\nSEEDS = {}\n")
    rev = read_data_revision(path)
    assert rev is not None and rev.hand_written and rev.message == "rename a key"
    assert rerender([rev]) == []
    assert read_data_revision(REPO / "migrations" / "versions" / "0006_global_constraints_and_performance_.py") is None


def test_seed_check_is_clean_in_the_repository(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project_copy())
    result = run_cli("seed", "--check")
    assert result.code == 0, result.stdout + result.stderr
    assert result.stderr.strip().startswith("in_sync: seeds.yaml matches data revision")


def test_seed_check_reports_a_change(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    for name in ("schema.yaml", "alembic.ini"):
        shutil.copy(REPO / name, tmp_path / name)
    shutil.copytree(REPO / "migrations", tmp_path / "migrations", ignore=shutil.ignore_patterns("__pycache__"))
    text = (REPO / "seeds.yaml").read_text().replace("name: Haas VF-2\n", "name: Haas VF-2 (2024)\n")
    (tmp_path / "seeds.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    result = run_cli("seed", "--check")
    assert result.code == 2
    assert result.stdout.splitlines() == ["  machines: update haas-vf2 (name)"]
    assert 'run schemactl seed --revision -m "what changed"' in result.stderr
    result = run_cli("seed", "--check", "--format", "json")
    assert result.code == 2
    import json

    assert json.loads(result.stdout) == {
        "status": "needed", "format_version": 1, "revision": data_revisions(REPO)[-1].revision,
        "changes": ["machines: update haas-vf2 (name)"],
    }


def test_check_and_revision_exclude_each_other(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project_copy())
    result = run_cli("seed", "--check", "--revision")
    assert result.code == 1
    assert result.stderr.splitlines() == [
        "error: --check and --revision exclude each other",
        "hint: run seed --check in CI, seed --revision -m MSG to write one",
    ]
