"""A database (or role) with ``standard_conforming_strings = off`` must not change what spec
text means (issue 12, redteam pass: the same class as finding 1).

With the setting off, PostgreSQL reads a backslash inside ``'...'`` as an escape, so a
comment ending in ``\\'`` closes its literal early: the enum comment
``\\'; CREATE ROLE pwned_scs; --`` ran CREATE ROLE during ``schemactl upgrade`` (Alembic sends a
revision's statements over the simple query protocol), and a CHECK written ``t <> '\\'``
(one literal, with the setting on, as pglast reads it) swallowed the rest of its statement.
schemactl now pins ``standard_conforming_strings = on`` in every session it opens (and at the
top of offline SQL), and writes literals holding a backslash as ``E'...'``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_offline_sql import offline_sql, psql

from generator.pg.database import connect, scratch_database
from generator.pg.server import LocalServer

COMMENT = "\\'; CREATE ROLE pwned_scs; --"
DEFAULT = "a\\'; CREATE ROLE pwned_scs_default; --"
CHECK = "t <> '\\'"


def spec_yaml() -> str:
    q = json.dumps
    return f"""version: 1
enums:
  st:
    comment: {q(COMMENT)}
    values: [{q("v" + chr(92))}, plain]
tables:
  things:
    comment: {q(COMMENT)}
    columns:
      id: {{type: bigint, primary_key: true, identity: always, comment: {q(COMMENT)}}}
      t: {{type: text, default: {q(DEFAULT)}, comment: c}}
      s: {{type: st, default: {q("v" + chr(92))}, comment: c}}
    checks:
      - {{name: no_backslash, sql: {q(CHECK)}}}
"""


def pwned_roles(url: str) -> list[str]:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT rolname FROM pg_roles WHERE rolname LIKE 'pwned%%'", {}).scalars().all()
    finally:
        engine.dispose()


def catalog(url: str) -> dict[str, object]:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            q = lambda sql: conn.execute(sa.text(sql)).scalar()  # noqa: E731
            return {
                "enum_comment": q("SELECT obj_description('st'::regtype, 'pg_type')"),
                "table_comment": q("SELECT obj_description('things'::regclass, 'pg_class')"),
                "labels": conn.execute(sa.text(
                    "SELECT enumlabel FROM pg_enum WHERE enumtypid = 'st'::regtype ORDER BY enumsortorder")).scalars().all(),
                "default": q("INSERT INTO things DEFAULT VALUES RETURNING t"),
                "enum_default": q("SELECT s::text FROM things"),
            }
    finally:
        engine.dispose()


def expected() -> dict[str, object]:
    return {"enum_comment": COMMENT, "table_comment": COMMENT, "labels": ["v\\", "plain"],
            "default": DEFAULT, "enum_default": "v\\"}


@pytest.fixture
def off_database(pg: LocalServer):
    """A scratch database whose sessions default to standard_conforming_strings = off."""
    with scratch_database(pg.url("postgres"), prefix="schemactl_scs_off") as url:
        engine = connect(pg.url("postgres"), autocommit=True)
        try:
            with engine.connect() as conn:
                name = sa.engine.make_url(url).database
                conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET standard_conforming_strings = off')
        finally:
            engine.dispose()
        yield url


def test_spec_text_keeps_its_meaning_on_a_database_with_conforming_strings_off(
    new_project, pg: LocalServer, run_cli, off_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root: Path = new_project()
    monkeypatch.chdir(root)
    (root / "schema.yaml").write_text(spec_yaml(), encoding="utf-8")
    spec, dev = str(root / "schema.yaml"), pg.url("postgres")
    before = pwned_roles(dev)
    assert run_cli("--spec", spec, "validate").code == 0
    generated = run_cli("--spec", spec, "generate", "-m", "backslashes", "--dev-db", dev)
    assert generated.code == 0, generated.stderr

    upgraded = run_cli("--spec", spec, "upgrade", "--db", off_database)
    assert upgraded.code == 0, upgraded.stdout + upgraded.stderr
    assert pwned_roles(dev) == before, "a spec comment ran a statement"
    assert catalog(off_database) == expected()
    diff = run_cli("--spec", spec, "diff", "--db", off_database, "--dev-db", dev)
    assert diff.code == 0, diff.stdout + diff.stderr


def test_offline_sql_pins_conforming_strings(
    new_project, pg: LocalServer, run_cli, off_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root: Path = new_project()
    monkeypatch.chdir(root)
    (root / "schema.yaml").write_text(spec_yaml(), encoding="utf-8")
    spec, dev = str(root / "schema.yaml"), pg.url("postgres")
    before = pwned_roles(dev)
    assert run_cli("--spec", spec, "generate", "-m", "backslashes", "--dev-db", dev).code == 0
    script = offline_sql(root, off_database, "upgrade", "head")
    assert script.lstrip().startswith("SET standard_conforming_strings = on;")
    psql(off_database, script)
    assert pwned_roles(dev) == before, "a spec comment ran a statement"
    assert catalog(off_database) == expected()
