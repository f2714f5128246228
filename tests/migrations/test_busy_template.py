"""Issue 14.3: a cached head that cannot be copied is recognised by its SQLSTATE, not by the
wording of the server's message.

``generate`` proves a revision on a copy of the cached head (CREATE DATABASE ... TEMPLATE),
which PostgreSQL refuses while another session is connected to the template (55006
object_in_use) and to a CREATEDB role that does not own it (42501: the head was cached by
another role on a shared dev server). Both conditions are forced on the real server; either
way the proof gets a scratch database upgraded to head instead.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from checkout import copy_project
from migration_helpers import REPO

from generator.errors import DatabaseError
from generator.migrate import api as migrate
from generator.migrate.revision import _writable_head
from generator.pg.database import (
    connect,
    drop_database,
    scratch_database,
    scratch_name,
    with_database,
)
from generator.pg.server import LocalServer


@pytest.fixture
def busy_cache(pg: LocalServer):
    """A database named like a cached head, with a session connected to it (so it is busy)."""
    name = scratch_name("schemactl_cache_head")  # schemactl_cache_*: _writable_head copies it
    admin = connect(pg.url(), autocommit=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    holder = connect(with_database(pg.url(), name))
    held = holder.connect()
    held.execute(sa.text("SELECT 1"))
    try:
        yield name
    finally:
        held.close()
        holder.dispose()
        with admin.connect() as conn:
            drop_database(conn, name, force=True)
        admin.dispose()


def test_copying_a_busy_template_is_database_error_55006(pg: LocalServer, busy_cache: str) -> None:
    with pytest.raises(DatabaseError) as info, scratch_database(pg.url(), prefix="schemactl_head", template=busy_cache):
        pass
    assert info.value.sqlstate == "55006"
    assert busy_cache in info.value.message and info.value.hint


def test_a_busy_cached_head_falls_back_to_an_upgraded_scratch_database(
    pg: LocalServer, busy_cache: str, tmp_path: Path
) -> None:
    """The fallback is taken because of the SQLSTATE, whatever the server's language or wording."""
    root = copy_project(tmp_path / "project", (REPO / "schema.yaml").read_text())
    with contextlib.ExitStack() as scratch:
        url = _writable_head(scratch, root, pg.url(), with_database(pg.url(), busy_cache))
        assert busy_cache not in url and "schemactl_head" in url
        assert migrate.status(root, url).at_head  # upgraded to the migrations' head instead


@pytest.fixture
def createdb_role(pg: LocalServer):
    """A login role with CREATEDB and nothing else; its URL (the test servers trust local users)."""
    name = scratch_name("createdb")[:40]
    admin = connect(pg.url(), autocommit=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{name}" LOGIN CREATEDB NOSUPERUSER'))
    try:
        yield pg.url().replace("postgres@", f"{name}@", 1)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP ROLE "{name}"'))
        admin.dispose()


def test_a_head_cached_by_another_role_falls_back_too(pg: LocalServer, createdb_role: str, tmp_path: Path) -> None:
    name = scratch_name("schemactl_cache_head")
    admin = connect(pg.url(), autocommit=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))  # owned by postgres, not a template
    try:
        with pytest.raises(DatabaseError) as info, scratch_database(createdb_role, template=name):
            pass
        assert info.value.sqlstate == "42501"
        root = copy_project(tmp_path / "project", (REPO / "schema.yaml").read_text())
        with contextlib.ExitStack() as scratch:
            url = _writable_head(scratch, root, createdb_role, with_database(createdb_role, name))
            assert name not in url and migrate.status(root, url).at_head
    finally:
        with admin.connect() as conn:
            drop_database(conn, name, force=True)
        admin.dispose()
