"""The counts and head revision the tests compare with are derived (tests/project_facts.py),
so following docs/seeds.md on the project keeps the suite passing (issue 13, item 15).

Before, tests hard-coded "17 tables, 188 columns, 22 enums", "10 seed rows" and head "0008";
adding a tool and running ``seed --revision`` as docs/seeds.md says broke them.
"""

from __future__ import annotations

from pathlib import Path

from project_facts import FACTS, REPO, facts
from test_seed import copy_project

from generator.pg.server import LocalServer
from generator.seeds.spec import load_seeds
from generator.spec import load_spec

SPOT_DRILL = """
      - code: spot-drill-8-carbide
        name: 8mm Spot Drill 90deg
        type: spot_drill
        material: carbide
        diameter_mm: 8
        flutes: 2
        meta: {point_angle_deg: 90}
"""


def test_the_facts_agree_with_what_schemactl_reads() -> None:
    """The YAML-level derivation counts what the spec and seed loaders count."""
    spec = load_spec(REPO / "schema.yaml")
    assert FACTS.tables == len(spec.tables)
    assert FACTS.columns == sum(len(t.columns) for t in spec.tables.values())
    assert FACTS.enums == len(spec.enums)
    assert FACTS.seed_rows == load_seeds(REPO / "seeds.yaml", spec).row_count
    assert FACTS.head == sorted(p.name for p in (REPO / "migrations" / "versions").glob("[0-9]*.py"))[-1][:4]


def test_following_docs_seeds_md_changes_the_derived_facts(pg: LocalServer, tmp_path: Path, run_cli) -> None:
    """Add a tool to seeds.yaml and ship it with ``seed --revision`` (docs/seeds.md, "How seed
    changes ship"): the derived counts and head follow, and validate prints the new summary."""
    project = copy_project(tmp_path)
    before = facts(project)
    assert before == facts(REPO)
    seeds = project / "seeds.yaml"
    seeds.write_text(seeds.read_text() + SPOT_DRILL)
    spec = ["--spec", str(project / "schema.yaml")]
    result = run_cli(*spec, "seed", "--revision", "-m", "add spot drill", "--dev-db", pg.url())
    assert result.code == 0, result.stdout + result.stderr
    assert (project / "migrations" / "versions" / f"{before.next_revision}_add_spot_drill.py").is_file()

    after = facts(project)
    assert after.seed_rows == before.seed_rows + 1
    assert after.seed_rows_by_table["tools"] == before.seed_rows_by_table["tools"] + 1
    assert after.seed_keys["tools"][-1] == "spot-drill-8-carbide"
    assert after.revisions == (*before.revisions, before.next_revision) and after.head == before.next_revision
    assert (after.tables, after.columns, after.enums) == (before.tables, before.columns, before.enums)

    validated = run_cli(*spec, "validate")
    assert validated.code == 0, validated.stderr
    assert f"ok: {after.validate_summary} (" in validated.stdout + validated.stderr
    assert f"{before.seed_rows} seed rows" not in validated.stdout + validated.stderr
