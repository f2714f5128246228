"""Drift of views, materialized views, functions, procedures, aggregates, triggers, domains
and composite/range types in a schema other than public, through `schemactl diff`, on every
server of SCHEMACTL_TEST_PG (issue 17 item 5).

The cases live in tests/drift/cases/schema_objects/: a spec of their own (schema billing
holding a domain, a composite and a range type, functions, a procedure, an aggregate over the
domain, a table with a trigger, a chain of two views, a view with an INSTEAD OF trigger and a
materialized view with an index;
a public table whose trigger calls billing.touch) and one SQL file per case in the corpus's
header format (tests/drift/drift_corpus.py). The database "at head" is an empty database
brought to the spec by `diff --format sql` applied with psql (ON_ERROR_STOP); each case
drifts a copy of it, must be reported as exactly the expected changes, and the `--format sql`
script applied with psql must converge (a second diff: 0). The same holds on a database whose
search_path is '' (ALTER DATABASE ... SET search_path).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from drift_corpus import CASES_DIR, Case, clone, execute, parse_case
from psqlrun import converge

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

CASES_HERE = CASES_DIR / "schema_objects"
CASES = [parse_case(p.stem, p.read_text()) for p in sorted(CASES_HERE.glob("*.sql"))]


def _expected(case: Case) -> set[tuple[str, str, str]]:
    """The case's changes; ``materialized view x`` is kind "materialized view" and ``domain
    check d.c`` kind "domain check" (the header parser splits the kind at the first space)."""
    out = set()
    for kind, name, action in case.expected:
        if kind in ("materialized", "domain") and name.split(" ", 1)[0] in ("view", "check"):
            word, _, name = name.partition(" ")
            kind = f"{kind} {word}"
        out.add((kind, name, action))
    return out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(CASES_HERE / "schema.yaml", tmp_path / "schema.yaml")
    return tmp_path


def _no_search_path(url: str) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute(f"ALTER DATABASE \"{name}\" SET search_path = ''")


@pytest.fixture
def built(project: Path, pg: LocalServer, run_cli) -> Iterator[str]:
    """A database brought from empty to the spec by diff's own fix SQL, applied with psql."""
    with scratch_database(pg.url(), prefix="drift_schema_objects") as url:
        converge(run_cli, url, pg.url(), cwd=project)
        yield url


def _diff(run_cli, url: str, pg: LocalServer, project: Path) -> set[tuple[str, str, str]]:
    result = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "json", cwd=project)
    assert result.code == 2, result.output
    return {(c["kind"], c["name"], c["action"]) for c in json.loads(result.stdout)["changes"]}


def test_the_cases_cover_add_remove_and_change_of_each_kind() -> None:
    actions = {(kind, action) for case in CASES for kind, _name, action in _expected(case)}
    assert {("view", "added"), ("view", "removed"), ("view", "changed"), ("materialized view", "added"),
            ("function", "added"), ("function", "removed"), ("function", "changed"), ("trigger", "added"),
            ("trigger", "changed"), ("domain check", "changed"), ("domain", "removed"), ("type", "added"),
            ("type", "removed"), ("type", "changed")} <= actions


def test_an_empty_database_is_built_in_its_schema(built: str) -> None:
    with psycopg.connect(libpq_url(built)) as conn:
        views = conn.execute("SELECT relname, relkind FROM pg_class WHERE relnamespace = 'billing'::regnamespace "
                             "AND relkind IN ('v', 'm') ORDER BY 1").fetchall()
        routines = conn.execute("SELECT proname, prokind FROM pg_proc WHERE pronamespace = 'billing'::regnamespace "
                                "AND proname NOT LIKE 'amount_%' ORDER BY 1").fetchall()  # not the range's own
        types = conn.execute("SELECT typname, typtype FROM pg_type WHERE typnamespace = 'billing'::regnamespace "
                             "AND typtype IN ('d', 'c', 'r') ORDER BY 1").fetchall()
        trigger_function = conn.execute("SELECT tgfoid::regproc::text FROM pg_trigger WHERE tgname = 'customers_touch'").fetchone()[0]
        column_type = conn.execute("SELECT atttypid::regtype::text FROM pg_attribute "
                                   "WHERE attrelid = 'billing.invoices'::regclass AND attname = 'total'").fetchone()[0]
    assert views == [("big_open_invoices", "v"), ("editable_invoices", "v"), ("open_invoices", "v"), ("totals", "m")]
    assert routines == [("add_money", "f"), ("close_books", "p"), ("editable_insert", "f"), ("money_sum", "a"),
                        ("total_of", "f"), ("touch", "f")]
    assert ("address", "c") in types and ("amount_range", "r") in types and ("money_try", "d") in types
    assert trigger_function == "billing.touch"
    assert column_type == "billing.money_try"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_schema_object_case_is_detected_and_fixed(built: str, pg: LocalServer, run_cli, project: Path, case: Case) -> None:
    with clone(pg.url(), built) as url:
        execute(url, case.sql)
        assert _diff(run_cli, url, pg, project) == _expected(case)
        converge(run_cli, url, pg.url(), cwd=project)


@pytest.mark.parametrize("case", [c for c in CASES if c.name in (
    "chain_over_changed_column_in_schema", "aggregate_missing_in_schema", "trigger_dropped_in_schema",
    "type_changed_in_schema", "domain_check_changed_in_schema", "view_with_trigger_changed_in_schema")],
    ids=lambda c: c.name)
def test_a_database_without_search_path_converges(built: str, pg: LocalServer, run_cli, project: Path, case: Case) -> None:
    """ALTER DATABASE ... SET search_path = '': the diff reads the same and its script applies."""
    with clone(pg.url(), built) as url:
        _no_search_path(url)
        clean = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "json", cwd=project)
        assert clean.code == 0, clean.stdout
        execute(url, case.sql)
        assert _diff(run_cli, url, pg, project) == _expected(case)
        converge(run_cli, url, pg.url(), cwd=project)
