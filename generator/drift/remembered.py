"""The no-drift answer of ``diff`` on psycopg alone: the live catalog's fingerprint against the
one remembered for the spec's kept database (issue 19, target 1).

``generator.drift.engine`` answers "no drift" without comparing when the live database's
catalog fingerprint (``generator.pg.fingerprint``) equals the kept spec database's, which a
earlier diff remembered, signed, in the project's cache (``generator.drift.spec_fingerprint``).
On that path the engine's only other work was opening SQLAlchemy engines, and importing
SQLAlchemy is most of a no-drift diff's time at 17 tables (about 0.3 s of 1). This module asks
the same questions over plain psycopg connections, before the engine starts:

1. a fingerprint is remembered for this spec's key, dev server and kept database;
2. the dev server still holds that kept database, finished and built by this server version
   (``generator.pg.dbcache.is_ready``, the question ``cached_database`` asks);
3. the live database's fingerprint, read in one REPEATABLE READ READ ONLY transaction with
   ``default_transaction_read_only`` on (as the engine's live side), equals it.

Any "no" (or any query error) returns None and the engine runs as before, so this path can
only answer what the engine's own shortcut would have answered. When the fingerprints differ,
the live transaction's snapshot is exported and held, and the engine's inspection imports it:
one diff, one state of the live catalog. A connection that fails is reported as the engine
would (one line, no password).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

READ_ONLY_OPTION = "-c default_transaction_read_only=on"


class _Result:
    """The two methods of a SQLAlchemy result the catalog readers use."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    def first(self) -> Any:
        return self._cursor.fetchone()

    def scalar(self) -> Any:
        row = self._cursor.fetchone()
        return None if row is None else row[0]


class DriverConnection:
    """A psycopg connection seen through SQLAlchemy's ``Connection.exec_driver_sql``, the one
    call ``generator.pg.fingerprint`` and ``catalog_schemas.pinned_search_path`` make."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def exec_driver_sql(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> _Result:
        # params=() as SQLAlchemy passes them: psycopg then reads '%%' as '%'
        return _Result(self.conn.execute(sql, params if params is not None else ()))


def server_version(conn: Any) -> str:
    """"17.6" (what ``generator.pg.dbcache`` stamps and the report shows)."""
    number = conn.info.server_version
    return f"{number // 10000}.{number % 10000}"


@contextmanager
def connected(url: str, *, read_only: bool) -> Iterator[Any]:
    """A psycopg connection to ``url`` with ``standard_conforming_strings`` pinned (as every
    engine of ``generator.pg.database``); ``read_only``: sessions cannot write, and the block
    runs in one REPEATABLE READ READ ONLY transaction. A failed connection is the one-line
    DatabaseError ``generator.pg.database`` gives."""
    import psycopg

    from generator.pg.database import CONNECT_TIMEOUT, explain_operational_error, libpq_url
    from generator.pg.urls import parse_url

    options = str(parse_url(url).query.get("options") or "")
    if read_only:
        options = f"{options} {READ_ONLY_OPTION}".strip()
    extra = {"options": options} if options else {}
    try:
        conn = psycopg.connect(libpq_url(url), connect_timeout=CONNECT_TIMEOUT, autocommit=True, **extra)
    except psycopg.OperationalError as exc:
        raise explain_operational_error(exc, url) from None
    try:
        conn.execute("SET standard_conforming_strings = on")
        if read_only:
            conn.autocommit = False
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
        yield conn
    finally:
        conn.close()


class HeldSnapshot:
    """The live database's snapshot the fingerprint was read in, exported
    (``pg_export_snapshot``) and held open for the engine to import (``SET TRANSACTION
    SNAPSHOT``): the whole diff reads one state of the catalog, even when a migration commits
    between the fingerprint and the inspection (tests/drift/test_diff_snapshot.py)."""

    def __init__(self, stack: ExitStack, snapshot: str) -> None:
        self._stack, self.snapshot = stack, snapshot

    def close(self) -> None:
        self._stack.close()


_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")


def import_snapshot_sql(snapshot: str) -> str:
    """The statement that reads ``snapshot`` (a server's ``pg_export_snapshot()`` value, checked
    to be one: it is pasted into SQL, which this statement cannot bind)."""
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError("not a snapshot id")
    return f"SET TRANSACTION SNAPSHOT '{snapshot}'"


def remembered_in_sync(
    live_url: str, dev_url: str, spec: Any, timings: dict[str, float]
) -> dict[str, str] | HeldSnapshot | None:
    """The server versions (``{"database": ..., "dev": ...}``) when the live catalog equals the
    remembered fingerprint of ``spec``'s kept database (a ``SpecDDL`` with a key); a
    ``HeldSnapshot`` when both were read and differ (the engine compares in full, in the same
    snapshot, without reading the live fingerprint again; the caller closes it); None when
    this path cannot tell."""
    import psycopg

    from generator.drift import spec_fingerprint
    from generator.drift.spec_db import KIND
    from generator.pg import dbcache
    from generator.pg.fingerprint import fingerprint

    key = getattr(spec, "key", "")
    if not key:
        return None
    name = dbcache.cache_name(KIND, key)
    found = spec_fingerprint.read(spec_fingerprint.path_of(spec), spec_fingerprint.ident(key, dev_url, name))
    if found is None:
        return None
    value, spec_version = found
    t0 = time.perf_counter()
    try:
        with connected(dev_url, read_only=False) as dev:
            row = dev.execute(dbcache.READY_SQL, {"n": name}).fetchone()
            if not dbcache.is_ready(row, server_version(dev), "readonly", KIND, key):
                return None
        timings["dev_check"] = round(time.perf_counter() - t0, 3)  # the dev server, not the spec database
        t0 = time.perf_counter()
        with ExitStack() as stack:
            live = stack.enter_context(connected(live_url, read_only=True))
            mine = fingerprint(DriverConnection(live))
            live_version = server_version(live)
            timings["live_fingerprint"] = round(time.perf_counter() - t0, 3)
            if mine != value:  # held for the engine: the comparison reads this same state
                snapshot = live.execute("SELECT pg_catalog.pg_export_snapshot()").fetchone()[0]
                return HeldSnapshot(stack.pop_all(), snapshot)
    except psycopg.Error:  # e.g. a role that may not read a catalog, a standby: the engine explains it
        return None
    timings["live"] = timings["live_fingerprint"]
    timings["spec_fingerprint_remembered"] = timings["fingerprint_equal"] = 1.0
    return {"database": live_version, "dev": spec_version}
