"""Drift of INSTEAD OF triggers on views through `schemactl diff`, on every server of
SCHEMACTL_TEST_PG (issue 17 item 3).

The cases live in tests/drift/cases/view_triggers/: a spec of their own (schema.yaml: a view
over orders.amount with two INSTEAD OF triggers and a view over it with one) and one SQL file
per case in the corpus's header format. As in test_views_drift.py, the database "at head" is
an empty database brought to the spec by `diff --format sql` itself; each case drifts a copy,
must be reported as exactly the expected changes, and the `--format sql` script applied
statement by statement (psql -f with ON_ERROR_STOP) must converge. After converging, the
triggers really route writes: an INSERT through the view lands in the table.
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

CASE_DIR = CASES_DIR / "view_triggers"
CASES = [parse_case(p.stem, p.read_text()) for p in sorted(CASE_DIR.glob("*.sql"))]
TRIGGERS = [("big_open_orders", "big_open_orders_refuse", "O"), ("open_orders", "open_orders_delete", "O"),
            ("open_orders", "open_orders_write", "O")]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(CASE_DIR / "schema.yaml", tmp_path / "schema.yaml")
    return tmp_path


def _triggers(url: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute("SELECT c.relname, t.tgname, t.tgenabled::text FROM pg_trigger t JOIN pg_class c "
                            "ON c.oid = t.tgrelid WHERE NOT t.tgisinternal ORDER BY 1, 2").fetchall()


def _writes_through(url: str) -> None:
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("INSERT INTO open_orders (id, amount) VALUES (7, 700)")
        assert conn.execute("SELECT amount, status FROM orders WHERE id = 7").fetchone() == (700, "open")
        with pytest.raises(psycopg.errors.RaiseException):
            conn.execute("DELETE FROM open_orders WHERE id = 7")
        conn.rollback()


@pytest.fixture
def built(project: Path, pg: LocalServer, run_cli) -> Iterator[str]:
    with built_by_fix_sql(run_cli, pg.url(), project, "drift_view_triggers") as url:
        yield url


def test_the_cases_cover_add_remove_and_change() -> None:
    actions = {(kind, action) for case in CASES for kind, _name, action in case.expected}
    assert {("trigger", "added"), ("trigger", "removed"), ("trigger", "changed"), ("column", "changed")} <= actions


def test_an_empty_database_is_built_by_the_fix_sql(built: str) -> None:
    assert _triggers(built) == TRIGGERS
    _writes_through(built)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_view_trigger_case_is_detected_and_fixed(built: str, pg: LocalServer, run_cli, case: Case) -> None:
    with clone(pg.url(), built) as url:
        execute(url, case.sql)
        drift_report(run_cli, url, pg.url(), set(case.expected))
        converge(run_cli, url, pg.url())
        assert _triggers(url) == TRIGGERS
        _writes_through(url)
