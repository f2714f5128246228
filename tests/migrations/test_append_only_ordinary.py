"""The append-only guard as an ordinary function and two triggers of the spec (issue 17 item
3, generator.spec.append_only), and what that must not change for the committed chain:

1. the chain 0001..0010 (0005 creates the guard of audit_logs with the older
   ``op.create_append_only_guard``) upgrades to a database that ``schemactl diff`` finds in
   sync and against which ``schemactl generate --check`` needs no revision: the ordinary
   path generates nothing for our schema;
2. the older ops stay registered (0005 and any user revision written before still run).

New, dropped, toggled and renamed append-only tables: tests/fixtures/generate/append_only_*,
table_dropped (tests/migrations/test_generate_cases.py); import: tests/adopt/test_import_append_only.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from migration_helpers import REPO
from psqlrun import converge

from generator.migrate import api as migrate
from generator.pg.database import connect, libpq_url
from generator.pg.server import LocalServer
from generator.spec import load_spec


@pytest.fixture
def head_db(empty_db: str) -> Iterator[str]:
    migrate.upgrade(REPO, empty_db, "head")
    yield empty_db


def test_the_chain_head_needs_nothing_from_the_ordinary_path(head_db: str, pg: LocalServer, run_cli, repo_copy) -> None:
    check = run_cli("generate", "--check", "--dev-db", pg.url("postgres"), cwd=repo_copy)
    assert check.code == 0, check.output
    diff = run_cli("diff", "--db", head_db, "--dev-db", pg.url(), cwd=repo_copy)
    assert diff.code == 0, diff.output
    assert "in_sync" in diff.stderr


def test_the_migrated_guard_is_the_spec_function_byte_for_byte(head_db: str) -> None:
    spec = load_spec(REPO / "schema.yaml")
    fn = spec.functions["audit_logs_append_only"]
    assert fn.from_append_only
    with psycopg.connect(libpq_url(head_db)) as conn:
        row = conn.execute("SELECT prosrc, provolatile, prosecdef, proparallel, proconfig FROM pg_proc "
                           "WHERE proname = 'audit_logs_append_only'").fetchone()
        triggers = conn.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_logs'::regclass "
                                "AND tgname LIKE 'audit_logs_append_only%' ORDER BY 1").fetchall()
    assert row == (fn.body, "v", False, "u", None)
    assert [t for (t,) in triggers] == [t.name for t in spec.triggers["audit_logs"] if t.from_append_only]


@pytest.mark.parametrize("sql", [
    "DROP TRIGGER audit_logs_append_only_row ON audit_logs; DROP TRIGGER audit_logs_append_only_truncate ON audit_logs; "
    "DROP FUNCTION audit_logs_append_only()",
    "CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$",
])
def test_drift_of_the_guard_is_ordinary_function_and_trigger_drift(head_db: str, pg: LocalServer, run_cli, repo_copy,
                                                                   sql: str) -> None:
    """A guard removed or defanged on the live database: diff names the function and the
    triggers like any of the spec's, and its fix SQL (psql, ON_ERROR_STOP) converges."""
    with psycopg.connect(libpq_url(head_db), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]
    found = run_cli("diff", "--db", head_db, "--dev-db", pg.url(), "-f", "json", cwd=repo_copy)
    assert found.code == 2, found.output
    names = {(c["kind"], c["name"]) for c in json.loads(found.stdout)["changes"]}
    assert ("function", "audit_logs_append_only()") in names, names
    converge(run_cli, head_db, pg.url(), cwd=repo_copy)
    with psycopg.connect(libpq_url(head_db)) as conn, pytest.raises(psycopg.errors.RaiseException):
        conn.execute("TRUNCATE audit_logs")  # a statement trigger: fires on the empty table too


def test_the_older_guard_ops_stay_registered(empty_db: str) -> None:
    for name in ("create_append_only_guard", "drop_append_only_guard", "move_append_only_guard"):
        assert callable(getattr(Operations, name, None)), name
    assert "op.create_append_only_guard('audit_logs')" in (REPO / "migrations/versions/0005_security_and_audit_tables.py").read_text()
    # 0005's op builds the guard, and its downgrade (the older drop op) removes it
    migrate.upgrade(REPO, empty_db, "0005")
    migrate.downgrade(REPO, empty_db, "0004")
    engine = connect(empty_db)
    try:
        with engine.connect() as conn:
            left = conn.execute(sa.text("SELECT count(*) FROM pg_proc WHERE proname = 'audit_logs_append_only'")).scalar()
    finally:
        engine.dispose()
    assert left == 0
