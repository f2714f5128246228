"""build_metadata(schema.yaml).create_all on a real, empty PostgreSQL database (each server in `pg`).

A first smoke test of the whole schema in the database: it is created, commented, the
append-only guard and the case-insensitive e-mail work. Every other constraint is covered
by its own suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from project_facts import FACTS

from generator.schema.metadata import build_metadata
from generator.spec import Spec, load_spec

SPEC_FILE = Path(__file__).resolve().parents[2] / "schema.yaml"
HASH = "a" * 64


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(SPEC_FILE)


@pytest.fixture
def engine(empty_db: str, spec: Spec) -> Iterator[sa.Engine]:
    """The scratch database with the whole schema created in it; disposed before it is dropped."""
    engine = sa.create_engine(empty_db)
    try:
        build_metadata(spec).create_all(engine)
        yield engine
    finally:
        engine.dispose()


def scalar(engine: sa.Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def test_create_all_builds_every_table(engine: sa.Engine, spec: Spec) -> None:
    with engine.connect() as conn:
        tables = (
            conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            .scalars()
            .all()
        )
    assert len(tables) == FACTS.tables
    assert set(tables) == set(spec.tables)
    assert scalar(engine, "SELECT count(*) FROM pg_extension WHERE extname = 'citext'") == 1


def test_every_table_and_column_has_a_comment(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        uncommented_tables = (
            conn.execute(
                sa.text("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r'
              AND coalesce(obj_description(c.oid, 'pg_class'), '') = ''
        """)
            )
            .scalars()
            .all()
        )
        uncommented_columns = (
            conn.execute(
                sa.text("""
            SELECT c.relname || '.' || a.attname
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND coalesce(d.description, '') = ''
        """)
            )
            .scalars()
            .all()
        )
        columns = conn.execute(
            sa.text("""
            SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        """)
        ).scalar_one()
    assert uncommented_tables == []
    assert uncommented_columns == []
    assert columns > FACTS.tables * 5


def insert_audit_row(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO audit_logs (scope_type, scope_id, event_type, chain_hash) "
            "VALUES ('user', 'u-1', 'user.created', :h)"
        ), {"h": HASH})


@pytest.mark.parametrize(
    ("statement", "operation"),
    [
        ("UPDATE audit_logs SET event_type = 'user.changed'", "UPDATE"),
        ("DELETE FROM audit_logs", "DELETE"),
        ("TRUNCATE audit_logs", "TRUNCATE"),
    ],
)
def test_audit_logs_are_append_only(engine: sa.Engine, statement: str, operation: str) -> None:
    insert_audit_row(engine)
    with pytest.raises(sa.exc.DBAPIError) as info:
        with engine.begin() as conn:
            conn.execute(sa.text(statement))
    message = str(info.value.orig)
    assert "append-only" in message
    assert operation in message
    assert scalar(engine, "SELECT count(*) FROM audit_logs") == 1  # nothing changed


def test_user_email_is_unique_case_insensitively(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO users (email) VALUES ('A@x.com')"))
    with pytest.raises(sa.exc.IntegrityError) as info:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO users (email) VALUES ('a@X.com')"))
    assert isinstance(info.value.orig, psycopg.errors.UniqueViolation)
    assert info.value.orig.diag.constraint_name == "uq_users_email"
    assert "uq_users_email" in str(info.value.orig)
    assert scalar(engine, "SELECT count(*) FROM users WHERE email = 'a@X.COM'") == 1
