"""The kept-database store: databases kept on the dev server between runs, named by a digest
of what built them. The one store ``generate``, ``diff`` and ``up`` use.

Building the spec's database (1,000 tables: many seconds of DDL) and upgrading a database to
the migrations' head (every revision, op by op) are the slow steps of ``schemactl generate``
and ``schemactl diff``. Both results depend only on their inputs (the spec and the code that
builds it; the migration files and the code that runs them), so the built database stays on
the dev server, named ``schemactl_cache_<kind>_<first 16 hex of the key>``, and the next run
with the same key, whichever command it is, uses it instead of building it again. The store
knows nothing of the spec: a caller gives a kind, a key and a builder callback
(``generator.drift.spec_db.KIND`` and ``cache_key`` name the spec's database for diff and
generate alike).

Every kept database carries a stamp (its COMMENT: ``schemactl cache; kind=...; key=<full
key>; server=<major.minor>; built=...``); one whose stamp names another key or another server
version (made by hand, or the server upgraded under it) is never used: it is rebuilt.

Two kinds of use, never mixed for one database:

- ``readonly``: used in place, read-only (the database's ``default_transaction_read_only``
  is on); a run that must change it copies it (``CREATE DATABASE ... TEMPLATE``).
- ``template``: marked ``IS_TEMPLATE``, ``ALLOW_CONNECTIONS false``; runs get a scratch clone.

Safety: a database is built under a temporary ``schemactl_building_<kind>_*`` scratch name
(``generator.pg.scratch``: it names its owner) and renamed when complete, so a crash or Ctrl-C
never leaves a half-built database under a kept name (the temporary one is dropped; a killed
process's leftover is swept by the next build: ``generator.pg.database.reap_abandoned``, the
one sweep). Builders of the same name serialise on an advisory lock; the second finds the
first's result. After a build, older databases of the same kind beyond ``keep`` are dropped
(``prune``; never one in use). Dropping them by hand is always safe; ``schemactl db
clear-cache`` drops them all (``clear``) and the scratch databases of runs that are gone
(``reap``).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

CACHE_PREFIX = "schemactl_cache_"
BUILDING_PREFIX = "schemactl_building_"
KEEP = 3  # kept databases per kind
BUILDS: Counter[str] = Counter()  # databases this process built, per kind (tests count them)
_STAMP = re.compile(
    r"^schemactl cache; kind=(?P<kind>\w+); key=(?P<key>\w+); server=(?P<server>[0-9.]+); built=\S+$"
)
_PACKAGE = Path(__file__).resolve().parents[1]  # generator/: code_digest names files in it

Use = Literal["readonly", "template"]


def digest(parts: Iterable[bytes | str], *, code: Sequence[str] = ()) -> str:
    """sha256 over ``parts`` (each length-prefixed, so boundaries count) and, when ``code``
    names files or folders of the generator package, their ``code_digest`` (for what that
    code builds, such as the head: a change to the migration ops invalidates it). DDL
    statements need no code digest: the same statements build the same database."""
    h = hashlib.sha256()
    for part in (*parts, code_digest(code) if code else ""):
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


_CODE_DIGESTS: dict[tuple[str, ...], str] = {}


def code_digest(members: Sequence[str]) -> str:
    """sha256 of the SQLAlchemy and Alembic versions and of the .py and .json files of
    ``members``: files or folders of the generator package, relative to it (e.g.
    ``("spec", "schema/ddl.py")``). The builders name what builds their database
    (``generator.drift.spec_db.SPEC_BUILD_CODE``, ``generator.migrate.revision.HEAD_BUILD_CODE``),
    so editing anything else (the CLI, the diff report, the app runtime) keeps every cached
    database. Computed once per process and member list."""
    key = tuple(members)
    if key not in _CODE_DIGESTS:
        h = hashlib.sha256()
        for dist in ("sqlalchemy", "alembic"):
            with suppress(Exception):
                h.update(f"{dist}={version(dist)};".encode())
        for member in key:
            path = _PACKAGE / member
            for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
                if file.suffix in (".py", ".json") and "__pycache__" not in file.parts:
                    h.update(str(file.relative_to(_PACKAGE)).encode() + b"\0" + file.read_bytes())
        _CODE_DIGESTS[key] = h.hexdigest()
    return _CODE_DIGESTS[key]


def migrations_digest(migrations_dir: Path, code: Sequence[str] = ()) -> str:
    """The digest of a migrations folder: env.py, script.py.mako and every revision file
    (and ``code``, see ``digest``)."""
    files = [migrations_dir / "env.py", migrations_dir / "script.py.mako"]
    files += sorted((migrations_dir / "versions").glob("*.py"))
    parts: list[bytes | str] = []
    for path in files:
        if path.is_file():
            parts += [path.name, path.read_bytes()]
    return digest(parts, code=code)


def cache_name(kind: str, key: str) -> str:
    return f"{CACHE_PREFIX}{kind}_{key[:16]}"


def cached_database(
    dev_url: str,
    kind: str,
    key: str,
    build: Callable[[str], None],
    *,
    use: Use,
    progress: Callable[[str], None] = lambda _: None,
    keep: int = KEEP,
) -> tuple[str, bool]:
    """The name of the kept database ``kind``/``key`` on the dev server, building it with
    ``build(url)`` first when missing (or not this build: see the stamp). Returns (name,
    built_now)."""
    from sqlalchemy import text

    from generator.pg.database import (
        _deferred_interrupts,
        connect,
        drop_database,
        normalize_url,
        reap_abandoned,
        scratch_name,
        with_database,
    )

    name = cache_name(kind, key)
    engine = connect(normalize_url(dev_url), autocommit=True)
    try:
        with engine.connect() as conn:
            if _ready(conn, name, use, kind, key):
                return name, False
            conn.execute(text("SELECT pg_advisory_lock(hashtextextended(:n, 0))"), {"n": name})
            try:
                if _ready(conn, name, use, kind, key):
                    return name, False
                drop_database(conn, name, force=True)  # same name, not this build: never read
                with suppress(Exception):
                    reap_abandoned(conn)  # builds (and scratch databases) of runs that are gone
                tmp = scratch_name(f"{BUILDING_PREFIX}{kind}")
                try:
                    with _deferred_interrupts():  # never a database created and not dropped
                        _create(conn, tmp)
                    progress(f"building the {kind} database (cached for later runs)")
                    build(with_database(dev_url, tmp))
                    with _deferred_interrupts():  # published whole, or dropped
                        _publish(conn, tmp, name, use, _stamp(conn, kind, key))
                except BaseException:
                    with suppress(Exception):
                        drop_database(conn, tmp, force=True)
                    raise
                BUILDS[kind] += 1
                _prune(conn, kind, keep, current=name)
                return name, True
            finally:
                with suppress(Exception):
                    conn.execute(
                        text("SELECT pg_advisory_unlock(hashtextextended(:n, 0))"), {"n": name}
                    )
    finally:
        engine.dispose()


def kept(dev_url: str, kind: str = "") -> dict[str, str]:
    """The kept databases on the dev server (of ``kind``, or all), oldest first: name -> stamp."""
    from sqlalchemy import text

    from generator.pg.database import connect, normalize_url

    engine = connect(normalize_url(dev_url), autocommit=True)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '') "
                    "FROM pg_database WHERE starts_with(datname, :p) ORDER BY oid"
                ),
                {"p": _prefix(kind)},
            )
            return {name: stamp for name, stamp in rows}
    finally:
        engine.dispose()


def prune(dev_url: str, kind: str, keep: int = KEEP) -> list[str]:
    """Keep the newest ``keep`` databases of ``kind``, drop the others nobody is reading;
    return the names dropped."""
    from generator.pg.database import connect, normalize_url

    engine = connect(normalize_url(dev_url), autocommit=True)
    try:
        with engine.connect() as conn:
            return _prune(conn, kind, keep)
    finally:
        engine.dispose()


def clear(dev_url: str) -> list[str]:
    """Drop every kept database on the dev server (forced); return the names dropped. A
    database this user may not drop (42501: not its owner) is left; when there is one, a
    DatabaseError names them after the others are dropped (``dropped`` on the error)."""
    from sqlalchemy.exc import DBAPIError

    from generator.errors import DatabaseError
    from generator.pg.database import connect, drop_database, normalize_url

    engine = connect(normalize_url(dev_url), autocommit=True)
    dropped: list[str] = []
    refused: list[str] = []
    try:
        with engine.connect() as conn:
            for name in _names(conn, CACHE_PREFIX):
                try:
                    drop_database(conn, name, force=True)
                except DBAPIError as exc:
                    if _sqlstate(exc) != "42501":
                        raise
                    refused.append(name)
                else:
                    dropped.append(name)
    finally:
        engine.dispose()
    if refused:
        raise DatabaseError(
            f"cannot drop {len(refused)} cached database(s) ({', '.join(refused)}): the dev database user is not their owner",
            "run schemactl db clear-cache as the user that created them, or as a superuser",
            sqlstate="42501",
            details=[f"dropped {name}" for name in dropped],  # what was dropped before the refusal
        )
    return dropped


def reap(dev_url: str) -> Any:  # -> generator.pg.database.Reaped
    """Drop the scratch databases of runs that are gone (killed, or their server stopped
    under them; unfinished builds among them) and list those of runs still going
    (``generator.pg.database.reap_abandoned``)."""
    from generator.pg.database import connect, normalize_url, reap_abandoned

    engine = connect(normalize_url(dev_url), autocommit=True)
    try:
        with engine.connect() as conn:
            return reap_abandoned(conn)
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- internals


def _prefix(kind: str) -> str:
    return f"{CACHE_PREFIX}{kind}_" if kind else CACHE_PREFIX


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(getattr(exc, "orig", None), "sqlstate", None)


def _server(conn: Any) -> str:
    return ".".join(str(p) for p in (conn.dialect.server_version_info or ())[:2])


def _stamp(conn: Any, kind: str, key: str) -> str:
    built = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return f"schemactl cache; kind={kind}; key={key}; server={_server(conn)}; built={built}"


def _create(conn: Any, name: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from generator.pg.database import no_createdb_error

    try:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError as exc:
        if _sqlstate(exc) == "42501":  # insufficient_privilege: no CREATEDB
            raise no_createdb_error() from exc
        raise


def _publish(conn: Any, tmp: str, name: str, use: Use, stamp: str) -> None:
    """Stamp the finished build, make it read-only (or a template) and rename it to ``name``."""
    from sqlalchemy import text

    conn.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
        ),
        {"n": tmp},
    )  # the builder's pooled connections, if any
    conn.execute(text(f"COMMENT ON DATABASE \"{tmp}\" IS '{stamp}'"))  # word characters only
    if use == "template":
        conn.execute(text(f'ALTER DATABASE "{tmp}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false'))
    else:
        conn.execute(text(f'ALTER DATABASE "{tmp}" SET default_transaction_read_only = on'))
    conn.execute(text(f'ALTER DATABASE "{tmp}" RENAME TO "{name}"'))


READY_SQL = (
    "SELECT datistemplate, datallowconn, coalesce(shobj_description(oid, 'pg_database'), '') "
    "FROM pg_database WHERE datname = %(n)s"
)
"""What ``is_ready`` needs to know of a kept database (``%(n)s``: its name); one row or none."""


def _ready(conn: Any, name: str, use: Use, kind: str, key: str) -> bool:
    """Is ``name`` this build, finished: the right flags, and a stamp naming this kind, key
    and server version?"""
    row = conn.exec_driver_sql(READY_SQL, {"n": name}).first()
    return is_ready(row, _server(conn), use, kind, key)


def is_ready(row: Any, server: str, use: Use, kind: str, key: str) -> bool:
    """``READY_SQL``'s row (None: no such database) on a server of version ``server``
    ("17.6"): is it the finished build of ``kind``/``key`` for this server, usable as ``use``?"""
    if row is None:
        return False
    found = _STAMP.match(row[2])
    if found is None or (found["kind"], found["key"], found["server"]) != (kind, key, server):
        return False
    return bool(row[0]) and not row[1] if use == "template" else not row[0] and bool(row[1])


def _names(conn: Any, prefix: str) -> list[str]:
    from sqlalchemy import text

    rows = conn.execute(
        text("SELECT datname FROM pg_database WHERE starts_with(datname, :p) ORDER BY oid"),
        {"p": prefix},
    )
    return [r[0] for r in rows]


def _prune(conn: Any, kind: str, keep: int, current: str = "") -> list[str]:
    """Keep the newest ``keep`` databases of ``kind`` (``current`` among them); drop the
    rest, never one in use (the next prune gets it). Newest: created last (oid order; a
    rename keeps the oid of the build)."""
    from generator.pg.database import drop_database

    names = [n for n in _names(conn, _prefix(kind)) if n != current]
    room = max(0, keep - 1) if current else max(0, keep)
    dropped: list[str] = []
    for name in names[: max(0, len(names) - room)]:
        with suppress(Exception):
            if drop_database(conn, name):
                dropped.append(name)
    return dropped
