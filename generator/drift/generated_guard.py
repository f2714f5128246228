"""Refuse a VIRTUAL generated column on a server older than PostgreSQL 18, with one clear line.

Run by ``generator.drift.materialize`` before the spec's DDL: without it, PostgreSQL 17 answers
``GENERATED ALWAYS AS (...) VIRTUAL`` with a syntax error at ``VIRTUAL``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.spec.model import Spec


def refuse_virtual_columns(conn: Any, spec: Spec) -> None:
    """A VIRTUAL generated column needs PostgreSQL 18: on an older server, say so at the
    column's line (SpecError) instead of PostgreSQL's syntax error at ``VIRTUAL``."""
    from generator.errors import SpecError
    from generator.spec.domains import virtual_columns

    found = virtual_columns(spec)
    version = conn.connection.driver_connection.info.server_version
    if not found or version >= 180000 or spec.source is None:
        return
    shown = f"{version // 10000}.{version % 10000}"
    raise SpecError([
        spec.source.problem(path + ("stored",), f"{table}.{column}: a virtual generated column (stored: false) needs "
                            f"PostgreSQL 18 or later, and the dev server is PostgreSQL {shown}; write stored: true, "
                            "or use a dev server of version 18")
        for table, column, path in found
    ])
