"""Issue 14.3: a busy cached head is recognised by its SQLSTATE (55006 object_in_use), not by
the wording of the server's message.

``generate`` proves a revision on a copy of the cached head (CREATE DATABASE ... TEMPLATE),
which PostgreSQL refuses while another session is connected to the template. The condition is
forced on the real server: a connection held open to the template.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from migration_helpers import REPO
from projects import copy_project

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
