"""Schemas in the catalog snapshot (issue 17 item 5): which namespaces are read, how their
objects are named, and the schemas themselves (name, comment).

Every catalog query of ``generator.pg.catalog`` reads the MANAGED namespaces (``WHERE`` +
``MANAGED``): every schema but PostgreSQL's own (``pg_*``, ``information_schema``) and those an
extension owns. An object in ``public`` is named by its bare name, one elsewhere by
``schema.name`` (``qualified``): the spec's canonical names (generator.spec.namespaces), so the
spec's database and a live one compare key by key. A schema on one side only is a change
(``schema NAME: added/removed``): an unmanaged extra schema on the live database is drift.

The snapshot is read with ``search_path`` pinned to ``public`` (``pinned_search_path``), so
``format_type`` and ``pg_get_constraintdef`` print the same text whatever search_path the
database or role sets (``ALTER DATABASE ... SET search_path = ''`` would qualify every name).
Knows no spec (the layer rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PUBLIC = "public"

# The namespaces a snapshot reads (``n`` is pg_namespace in every catalog query).
MANAGED = (
    "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' AND NOT EXISTS ("
    "SELECT 1 FROM pg_depend xd WHERE xd.classid = 'pg_namespace'::regclass "
    "AND xd.objid = n.oid AND xd.deptype = 'e')"
)

QUERY = f"""
    SELECT n.nspname, obj_description(n.oid, 'pg_namespace')
    FROM pg_namespace n WHERE {MANAGED}"""

# search_path while a snapshot is read: names in public print bare, every other one qualified.
READ_SEARCH_PATH = "public"


def qualified(name_column: str) -> str:
    """SQL naming an object as the snapshot keys it: bare in public, else ``schema.name``."""
    return f"CASE WHEN n.nspname = 'public' THEN {name_column} ELSE n.nspname || '.' || {name_column} END"


def read_rows(rows: list[tuple[Any, ...]]) -> dict[str, str | None]:
    """schema -> comment, public left out: every database has it, and its comment is the one
    each server version writes (not managed), so an empty database's snapshot stays empty."""
    return {name: comment for name, comment in rows if name != PUBLIC}


def compare(source: dict[str, str | None], target: dict[str, str | None], change: Any) -> list[Any]:
    """Schemas added or removed, and comment changes (public's is never compared: PostgreSQL
    17 and 18 ship different comments on it and the spec does not manage it unless listed)."""
    out = []
    for name in sorted(set(source) | set(target)):
        if name == PUBLIC:
            continue
        if name not in source or name not in target:
            out.append(change("schema", name, "added" if name not in source else "removed"))
        elif source[name] != target[name]:
            out.append(change("comment", f"schema {name}", "changed"))
    return out


@contextmanager
def pinned_search_path(conn: Any) -> Iterator[None]:
    """``search_path`` set to ``READ_SEARCH_PATH`` on ``conn`` (a SQLAlchemy Connection) for
    the block, then put back; allowed in a read-only transaction."""
    previous = conn.exec_driver_sql("SELECT pg_catalog.current_setting('search_path')").scalar()
    conn.exec_driver_sql(f"SELECT pg_catalog.set_config('search_path', '{READ_SEARCH_PATH}', false)")
    yield  # on an error the transaction's rollback puts the setting back
    conn.exec_driver_sql("SELECT pg_catalog.set_config('search_path', %s, false)", (previous,))
