"""issue 16, any type by name: a spec with opaque types (tsvector, money, ranges, timetz,
bit(n), macaddr8, geometric, xml, pg_lsn, arrays of them, a multi-dimensional array),
user-defined composite and range types and collated columns builds on the dev server; its
``diff -f sql`` applied with psql (ON_ERROR_STOP) to an empty database converges; and the
diff sees a changed composite or range type and a changed column collation. A well-formed
type PostgreSQL does not know fails the build at the column's line."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from drift_helpers import execute_autocommit, scratch_databases
from psqlrun import psql

from generator.pg.server import LocalServer

SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "anytype" / "schema.yaml"


def project(tmp_path: Path, text: str | None = None) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    if text is None:
        shutil.copy(SPEC, root / "schema.yaml")
    else:
        (root / "schema.yaml").write_text(text, encoding="utf-8")
    return root


def test_fix_sql_builds_every_kind_on_an_empty_database(run_cli, pg: LocalServer, empty_db: str, tmp_path: Path) -> None:
    root = project(tmp_path)
    result = run_cli("diff", "--db", empty_db, "--dev-db", pg.url(), "--format", "sql", cwd=root)
    assert result.code == 2, result.output
    assert "CREATE TYPE" in result.stdout, result.stdout
    psql(empty_db, result.stdout)
    again = run_cli("diff", "--db", empty_db, "--dev-db", pg.url(), "--format", "json", cwd=root)
    assert again.code == 0, again.stdout
    types = execute_autocommit(empty_db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                                         "WHERE attrelid = 'things'::regclass AND attname IN ('bits', 'ts3', 'grid', 'fr') ORDER BY attname")
    assert [r[0] for r in types] == ["bit(8)", "floatrange", "integer[]", "timestamp(3) with time zone"]
    assert not scratch_databases(pg.url())


def _drifted(run_cli, pg: LocalServer, url: str, root: Path, *statements: str) -> set[tuple[str, str, str]]:
    result = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "sql", cwd=root)
    psql(url, result.stdout)
    execute_autocommit(url, *statements)
    report = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "json", cwd=root)
    assert report.code == 2, report.output
    found = {(c["kind"], c["name"], c["action"]) for c in json.loads(report.stdout)["changes"]}
    fix = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "sql", cwd=root)
    psql(url, fix.stdout)
    again = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "json", cwd=root)
    assert again.code == 0, again.stdout
    return found


def test_a_changed_collation_is_drift_and_the_fix_converges(run_cli, pg: LocalServer, empty_db: str, tmp_path: Path) -> None:
    found = _drifted(run_cli, pg, empty_db, project(tmp_path), 'ALTER TABLE things ALTER COLUMN title TYPE text COLLATE "POSIX"')
    assert ("column", "things.title", "changed") in found


def test_an_extra_composite_type_is_drift_and_the_fix_drops_it(run_cli, pg: LocalServer, empty_db: str, tmp_path: Path) -> None:
    found = _drifted(run_cli, pg, empty_db, project(tmp_path), "CREATE TYPE extra_pair AS (a integer, b text)")
    assert ("type", "extra_pair", "removed") in found


def test_a_changed_range_type_is_drift(run_cli, pg: LocalServer, empty_db: str, tmp_path: Path) -> None:
    root = project(tmp_path)
    result = run_cli("diff", "--db", empty_db, "--dev-db", pg.url(), "--format", "sql", cwd=root)
    psql(empty_db, result.stdout)
    execute_autocommit(empty_db, "ALTER TABLE things DROP COLUMN fr", "DROP TYPE floatrange",
                       "CREATE TYPE floatrange AS RANGE (subtype = double precision)", "ALTER TABLE things ADD COLUMN fr floatrange")
    report = run_cli("diff", "--db", empty_db, "--dev-db", pg.url(), "--format", "json", cwd=root)
    assert report.code == 2, report.output
    changes = json.loads(report.stdout)["changes"]
    assert any(c["kind"] == "type" and c["name"] == "floatrange" and c["action"] == "changed" for c in changes), changes


def test_a_type_that_cannot_exist_is_refused_by_validate(run_cli, tmp_path: Path) -> None:
    """Every extension the spec lists is one whose types schemactl knows, so an unknown name
    that is neither built in nor declared cannot exist: validate says so at its line."""
    text = SPEC.read_text(encoding="utf-8").replace("doc: {type: tsvector}", "doc: {type: vectr}")
    result = run_cli("validate", cwd=project(tmp_path, text))
    assert result.code == 1, result.output
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "vectr" in row)
    assert re.search(rf"schema\.yaml:{line}:\d+: .*unknown type 'vectr': not a PostgreSQL type", result.output), result.output


def test_a_type_postgresql_does_not_know_is_reported_at_the_column(run_cli, pg: LocalServer, empty_db: str, tmp_path: Path) -> None:
    """A schema-qualified name may be another schema's type: validate lets PostgreSQL judge it."""
    text = SPEC.read_text(encoding="utf-8").replace("doc: {type: tsvector}", "doc: {type: public.vectr}")
    root = project(tmp_path, text)
    assert run_cli("validate", cwd=root).code == 0  # well-formed: PostgreSQL judges it
    result = run_cli("diff", "--db", empty_db, "--dev-db", pg.url(), cwd=root)
    assert result.code == 1, result.output
    assert "Traceback" not in result.output
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "vectr" in row)
    first = result.output
    assert re.search(rf"schema\.yaml:{line}:\d+: .*type \"public\.vectr\" does not exist", first), result.stderr
    assert not scratch_databases(pg.url())


def test_a_composite_type_in_use_whose_attribute_changed_type_has_no_fix(run_cli, pg: LocalServer, empty_db: str, tmp_path: Path) -> None:
    """PostgreSQL cannot ALTER ATTRIBUTE ... TYPE of a type a column uses: said, not attempted."""
    root = project(tmp_path)
    psql(empty_db, run_cli("diff", "--db", empty_db, "--dev-db", pg.url(), "--format", "sql", cwd=root).stdout)
    execute_autocommit(empty_db, "ALTER TABLE things DROP COLUMN item", "ALTER TABLE things DROP COLUMN items",
                       'ALTER TYPE inventory_item ALTER ATTRIBUTE name TYPE text COLLATE "POSIX"',
                       "ALTER TABLE things ADD COLUMN item inventory_item", "ALTER TABLE things ADD COLUMN items inventory_item[]")
    report = json.loads(run_cli("diff", "--db", empty_db, "--dev-db", pg.url(), "--format", "json", cwd=root).stdout)
    assert report["complete"] is False
    assert any(m.startswith("type inventory_item: changed") for m in report["missing_sql"]), report["missing_sql"]


def test_a_changed_composite_type_is_altered_in_place_and_converges(run_cli, pg: LocalServer, empty_db: str, tmp_path: Path) -> None:
    found = _drifted(run_cli, pg, empty_db, project(tmp_path), "ALTER TYPE inventory_item DROP ATTRIBUTE tags")
    assert found == {("type", "inventory_item", "changed")}
