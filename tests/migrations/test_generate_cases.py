"""Golden cases for ``generator.migrate.revision.generate``: one spec change each, proven on 17 and 18.

Each folder of tests/fixtures/generate/ (see its README.md) holds ``before.yaml``,
``after.yaml`` and ``expected.txt``, the operation summaries ``generate`` must report going
from before to after, one per line. The test writes a revision for before, then one for
after (the proof inside ``generate`` upgrades, compares with the spec, downgrades and
compares with the previous head), checks the summary, and checks that a third run with
``check=True`` finds nothing left to do. A case with ``destructive.txt`` is first refused
with exactly those steps (and nothing written), then allowed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from migration_helpers import CASES, revision_files

from generator.errors import DestructiveChange, ProofFailed
from generator.migrate import api as migrate
from generator.migrate.online_hazards import KINDS
from generator.migrate.revision import GenerateResult, generate
from generator.pg.database import connect, scratch_database
from generator.pg.server import LocalServer
from generator.spec import load_spec

CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "after.yaml").exists())
# the heaviest cases (3 revisions, or enum type rebuilds): `slow`, left out of the default run, run by CI
SLOW = {
    "column_type_narrowed",
    "enum_value_removed",
    "enum_value_removed_used_by_default_and_check",
    "table_dropped",
}
# cases whose revisions are also run down to base on a fresh database: nothing may remain
DOWN_TO_BASE = {"enum_created_with_first_table", "enum_dropped_with_last_user", "table_dropped", "sequences_and_identity_options",
                "serial_table_dropped", "schemas_created_changed"}


# cases whose "after" revision fails on rows the "before" schema accepts: the proof on synthetic
# rows refuses it (one line naming the table), then the case is proven with data_proof=False; only the
# table is pinned where online-safe generation (issue 18) may make another step fail first
DATA_REFUSED = {
    "check_added_dropped_changed": "table parts",
    "column_type_needs_using": "table jobs, column",
    "column_type_narrowed": "table tools, column",
    "domains_created_changed_dropped": "table parts",
    "enum_value_removed": "table jobs, column status",
    "enum_value_removed_used_by_default_and_check": "[22P02]",
    "enum_values_renamed_added_removed": "table jobs, column status",
    "index_forms_added": "table rooms",
    "nullable_changed": "table tools",
}


def lines(path: Path) -> list[str]:
    return [ln for ln in path.read_text().splitlines() if ln.strip()]


def run(root: Path, spec_file: Path, dev_url: str, message: str | None, **kw: object) -> GenerateResult:
    shutil.copyfile(spec_file, root / "schema.yaml")
    return generate(root, load_spec(root / "schema.yaml"), dev_url, message, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=pytest.mark.slow) if c in SLOW else c for c in CASE_NAMES]
)
def test_generate_case(case: str, pg: LocalServer, new_project) -> None:
    folder = CASES / case
    root = new_project()
    dev = pg.url("postgres")

    first = run(root, folder / "before.yaml", dev, "before")
    assert first.status == "written"
    assert revision_files(root) == ["0001_before.py"]

    destructive = folder / "destructive.txt"
    if destructive.exists():
        with pytest.raises(DestructiveChange) as refused:
            run(root, folder / "after.yaml", dev, "after")
        assert refused.value.steps == lines(destructive)
        assert revision_files(root) == ["0001_before.py"], "a refused revision must not be written"

    # issue 18: the cases are about what is generated; hazards are gated in test_online_hazards.py
    if case in DATA_REFUSED:
        with pytest.raises(ProofFailed, match=r"^data proof: ") as on_data:
            run(root, folder / "after.yaml", dev, "after", allow_destructive=destructive.exists(), allow_hazards=KINDS)
        assert DATA_REFUSED[case] in on_data.value.message
        assert revision_files(root) == ["0001_before.py"], "a refused revision must not be written"
    result = run(root, folder / "after.yaml", dev, "after", allow_destructive=destructive.exists(), allow_hazards=KINDS,
                 data_proof=case not in DATA_REFUSED)
    assert result.status == "written"
    assert result.summary == lines(folder / "expected.txt")
    assert result.path is not None and result.path.is_file()
    assert revision_files(root) == ["0001_before.py", "0002_after.py"]

    again = run(root, folder / "after.yaml", dev, None, check=True)
    assert (again.status, again.leftover) == ("no_changes", [])

    if case in DOWN_TO_BASE:
        assert_down_to_base_leaves_nothing(root, dev)


def assert_down_to_base_leaves_nothing(root: Path, dev: str) -> None:
    from generator.pg.catalog import read_snapshot

    with scratch_database(dev, prefix="schemactl_base") as url, scratch_database(dev, prefix="schemactl_empty") as empty:
        migrate.upgrade(root, url, "head")
        migrate.downgrade(root, url, "base")
        engine = connect(url)
        try:
            with engine.connect() as conn:
                snapshot = read_snapshot(conn)
                types = conn.exec_driver_sql(
                    "SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r', 'm')"
                ).scalars().all()
        finally:
            engine.dispose()
        engine = connect(empty)
        try:
            with engine.connect() as conn:
                nothing = read_snapshot(conn)  # an empty database: no objects, PostgreSQL's default grants only
        finally:
            engine.dispose()
    assert snapshot == nothing
    assert not (nothing.tables or nothing.enums or nothing.sequences or nothing.functions or nothing.views)
    assert types == []
