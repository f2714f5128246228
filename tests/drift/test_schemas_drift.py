"""Drift of schemas other than public through `schemactl diff`, on every server of
SCHEMACTL_TEST_PG (issue 17 item 5).

The cases live in tests/drift/cases/schemas/: a spec of their own (schema.yaml: schemas
billing and audit, an enum and a table in billing, a table in audit with a foreign key into
billing, a billing table with a foreign key into public) and one SQL file per case in the
corpus's header format (tests/drift/drift_corpus.py). The database "at head" is an empty
database brought to the spec by `diff --format sql` itself; each case drifts a copy of it,
must be reported as exactly the expected changes, and applying the `--format sql` script
statement by statement (as psql -f with ON_ERROR_STOP does) must converge (a second diff: 0).
The same holds on a database whose search_path is '' (ALTER DATABASE ... SET search_path):
what schemactl reads and writes names every object with its schema.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from drift_corpus import CASES_DIR, Case, clone, execute, parse_case
from psqlrun import built_by_fix_sql, converge, drift_report

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

SCHEMA_CASES = CASES_DIR / "schemas"
CASES = [parse_case(p.stem, p.read_text()) for p in sorted(SCHEMA_CASES.glob("*.sql"))]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(SCHEMA_CASES / "schema.yaml", tmp_path / "schema.yaml")
    return tmp_path


def _no_search_path(url: str) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute(f"ALTER DATABASE \"{name}\" SET search_path = ''")


@pytest.fixture
def built(project: Path, pg: LocalServer, run_cli) -> Iterator[str]:
    with built_by_fix_sql(run_cli, pg.url(), project, "drift_schemas") as url:
        yield url


def test_the_cases_cover_add_remove_and_change() -> None:
    actions = {(kind, action) for case in CASES for kind, _name, action in case.expected}
    assert {("schema", "added"), ("schema", "removed"), ("comment", "changed"), ("table", "added"),
            ("table", "removed"), ("column", "changed"), ("enum", "changed"), ("constraint", "added")} <= actions


def test_an_empty_database_is_built_in_its_schemas(built: str) -> None:
    with psycopg.connect(libpq_url(built)) as conn:
        tables = conn.execute(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname IN ('public', 'billing', 'audit') ORDER BY 1, 2").fetchall()
        comment = conn.execute("SELECT obj_description('billing'::regnamespace, 'pg_namespace')").fetchone()[0]
        enum = conn.execute("SELECT 'billing.currency'::regtype::text").fetchone()[0]
        fk = conn.execute("SELECT confrelid::regclass::text FROM pg_constraint "
                          "WHERE conname = 'fk_events_invoice_id_invoices'").fetchone()[0]
    assert tables == [("audit", "events"), ("billing", "invoices"), ("public", "customers")]
    assert comment == "Invoices and payments"
    assert enum == "billing.currency"
    assert fk == "billing.invoices"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_schema_case_is_detected_and_fixed(built: str, pg: LocalServer, run_cli, case: Case) -> None:
    with clone(pg.url(), built) as url:
        execute(url, case.sql)
        drift_report(run_cli, url, pg.url(), set(case.expected))
        converge(run_cli, url, pg.url())


@pytest.mark.parametrize("case", [c for c in CASES if c.name in ("schema_missing", "column_changed_in_schema",
                                                                   "cross_schema_fk_missing")], ids=lambda c: c.name)
def test_a_database_without_search_path_converges(built: str, pg: LocalServer, run_cli, case: Case) -> None:
    """ALTER DATABASE ... SET search_path = '': the diff reads the same and its script applies."""
    with clone(pg.url(), built) as url:
        _no_search_path(url)
        clean = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "json")
        assert clean.code == 0, clean.stdout
        execute(url, case.sql)
        result = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "json")
        assert result.code == 2, result.output
        found = {(c["kind"], c["name"], c["action"]) for c in json.loads(result.stdout)["changes"]}
        assert found == set(case.expected)
        converge(run_cli, url, pg.url())


def test_the_committed_chain_upgrades_a_database_without_search_path(pg: LocalServer, run_cli) -> None:
    """`upgrade` pins its own session's search_path: the committed revisions name public's
    objects bare, and apply on a database whose search_path is '' (then diff is clean)."""
    from drift_corpus import REPO

    from generator.migrate import api as migrate

    with scratch_database(pg.url(), prefix="drift_schemas_nopath") as url:
        _no_search_path(url)
        migrate.upgrade(REPO, url)
        with psycopg.connect(libpq_url(url)) as conn:
            assert conn.execute("SHOW search_path").fetchone()[0] == '""'
            assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] > 5
        result = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "json")  # in a copy of the repo
        assert result.code == 0, result.stdout
