"""Drift of views and materialized views through `schemactl diff`, on every server of
SCHEMACTL_TEST_PG (issue 17 items 1 and 6).

The cases live in tests/drift/cases/views/: a spec of their own (schema.yaml: a chain of
views three deep over orders.amount, a view with options, a materialized view with an index)
and one SQL file per case in the corpus's header format (tests/drift/drift_corpus.py). The
database "at head" is an empty database brought to the spec by `diff --format sql` itself;
each case drifts a copy of it, must be reported as exactly the expected changes, and applying
the `--format sql` script statement by statement (as psql -f with ON_ERROR_STOP does) must
converge (a second diff: 0).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from drift_corpus import CASES_DIR, Case, clone, execute, parse_case
from psqlrun import built_by_fix_sql, converge, drift_report

from generator.pg.database import libpq_url
from generator.pg.server import LocalServer

VIEW_CASES = CASES_DIR / "views"
CASES = [parse_case(p.stem, p.read_text()) for p in sorted(VIEW_CASES.glob("*.sql"))]


def expected(case: Case) -> set[tuple[str, str, str]]:
    """``materialized view x`` is kind "materialized view" (the header parser splits the kind
    at its first space)."""
    return {("materialized view", name[len("view "):], action) if kind == "materialized" else (kind, name, action)
            for kind, name, action in case.expected}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(VIEW_CASES / "schema.yaml", tmp_path / "schema.yaml")
    return tmp_path


@pytest.fixture
def built(project: Path, pg: LocalServer, run_cli) -> Iterator[str]:
    with built_by_fix_sql(run_cli, pg.url(), project, "drift_views") as url:
        yield url


def test_the_cases_cover_add_remove_and_change() -> None:
    actions = {(kind, action) for case in CASES for kind, _name, action in expected(case)}
    assert {("view", "added"), ("view", "removed"), ("view", "changed"), ("materialized view", "added")} <= actions


def test_an_empty_database_is_built_by_the_fix_sql(built: str) -> None:
    with psycopg.connect(libpq_url(built)) as conn:
        views = conn.execute("SELECT relname, relkind, reloptions FROM pg_class WHERE relkind IN ('v', 'm') "
                             "AND relnamespace = 'public'::regnamespace ORDER BY 1").fetchall()
        index = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'order_totals_customer'").fetchone()
    assert views == [("big_order_customers", "v", None), ("big_orders", "v", None),
                     ("open_orders", "v", ["check_option=cascaded", "security_barrier=true"]),
                     ("order_amounts", "v", None), ("order_totals", "m", None)]
    assert index is not None and "UNIQUE" in index[0]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_view_case_is_detected_and_fixed(built: str, pg: LocalServer, run_cli, case: Case) -> None:
    with clone(pg.url(), built) as url:
        execute(url, case.sql)
        drift_report(run_cli, url, pg.url(), expected(case))
        converge(run_cli, url, pg.url())
