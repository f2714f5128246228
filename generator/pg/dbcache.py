"""Databases kept on the dev server between runs, named by a digest of what built them.

Building the spec's database (1,000 tables: many seconds of DDL) and upgrading a database to
the migrations' head (every revision, op by op) are the slow steps of ``schemactl generate``.
Both results depend only on their inputs: the spec's DDL, or the migration files plus
the code that builds them. So the built database stays on the dev server, named
``schemactl_cache_<kind>_<first 16 hex of the digest>``, and the next run with the same inputs
uses it instead of building it again.

Two kinds of use, never mixed for one database:

- ``readonly`` (the spec's database): used in place, read-only (the database's
  ``default_transaction_read_only`` is on). Never cloned, so readers never block a clone.
- ``template`` (the head): marked ``IS_TEMPLATE``, ``ALLOW_CONNECTIONS false``; runs get a
  scratch clone (``CREATE DATABASE ... TEMPLATE``) they may change and drop.

Safety: a database is built under a temporary ``schemactl_building_*`` name and renamed when
complete, so a crash or Ctrl-C never leaves a half-built database under a cache name (the
temporary one is dropped; a killed process's leftover is swept by the next build). Builders of
the same name serialise on an advisory lock; the second finds the first's result. After a
build, older databases of the same kind beyond ``KEEP`` are dropped (best effort: one in use
stays). Everything generate keeps is named ``schemactl_cache_*`` (diff keeps its spec
databases as ``schemactl_spec_*``, ``generator.drift.engine``); dropping them by hand is always safe
(``schemactl db clear-cache`` drops both, and the scratch databases of runs that are gone:
``generator.pg.scratch``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

CACHE_PREFIX = "schemactl_cache_"
BUILDING_PREFIX = "schemactl_building_"
KEEP = 3  # cached databases per kind
# what `schemactl db clear-cache` drops: these, and the spec databases diff keeps
# (generator.drift.engine.SPEC_CACHE_PREFIX; named here so clearing imports no drift engine)
DIFF_SPEC_PREFIX = "schemactl_spec_"
STALE_BUILD_SECONDS = 3600.0  # an unfinished build this old was killed
# (unfinished builds, schemactl_building_*, are scratch databases: ``reap`` drops those of
# runs that are gone, never one a running build is filling)
CLEARED_PREFIXES = (CACHE_PREFIX, DIFF_SPEC_PREFIX)
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
) -> tuple[str, bool]:
    """The name of the cached database ``kind``/``key`` on the dev server, building it with
    ``build(url)`` first when missing. Returns (name, built_now)."""
    from sqlalchemy import text

    from generator.pg.database import connect, normalize_url, scratch_name, with_database

    name = cache_name(kind, key)
    engine = connect(normalize_url(dev_url), autocommit=True)
    try:
        with engine.connect() as conn:
            if _ready(conn, name, use):
                return name, False
            lock = text("SELECT pg_advisory_lock(hashtextextended(:n, 0))")
            conn.execute(lock, {"n": name})
            try:
                if _ready(conn, name, use):
                    return name, False
                _drop(conn, name)  # a same-named database that is not a finished cache entry
                _sweep_building(conn)
                tmp = scratch_name(f"{BUILDING_PREFIX}{kind}")
                _create(conn, tmp)
                try:
                    progress(f"building the {kind} database (cached for later runs)")
                    build(with_database(dev_url, tmp))
                    _terminate(conn, tmp)  # the builder's pooled connections, if any
                    if use == "template":
                        conn.execute(
                            text(
                                f'ALTER DATABASE "{tmp}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false'
                            )
                        )
                    else:
                        conn.execute(
                            text(f'ALTER DATABASE "{tmp}" SET default_transaction_read_only = on')
                        )
                    conn.execute(text(f'ALTER DATABASE "{tmp}" RENAME TO "{name}"'))
                except BaseException:
                    with suppress(Exception):
                        _drop(conn, tmp)
                    raise
                _prune(conn, kind, keep=name)
                return name, True
            finally:
                with suppress(Exception):
                    conn.execute(
                        text("SELECT pg_advisory_unlock(hashtextextended(:n, 0))"), {"n": name}
                    )
    finally:
        engine.dispose()


def clear(dev_url: str) -> list[str]:
    """Drop every cached database on the dev server; return the names dropped. A database
    this user may not drop (42501: not its owner) is left; when there is one, a
    DatabaseError names them after the others are dropped (``dropped`` on the error)."""
    from sqlalchemy.exc import DBAPIError

    from generator.errors import DatabaseError
    from generator.pg.database import connect, normalize_url

    engine = connect(normalize_url(dev_url), autocommit=True)
    dropped: list[str] = []
    refused: list[str] = []
    try:
        with engine.connect() as conn:
            names = [n for prefix in CLEARED_PREFIXES for n in _names(conn, prefix)]
            for name in names:
                try:
                    _drop(conn, name, force=True)
                except DBAPIError as exc:
                    if _sqlstate(exc) != "42501":
                        raise
                    refused.append(name)
                else:
                    dropped.append(name)
    finally:
        engine.dispose()
    if refused:
        error = DatabaseError(
            f"cannot drop {len(refused)} cached database(s) ({', '.join(refused)}): the dev database user is not their owner",
            "run schemactl db clear-cache as the user that created them, or as a superuser",
        )
        error.dropped = dropped  # type: ignore[attr-defined]
        raise error
    return dropped


def reap(dev_url: str) -> Any:  # -> generator.pg.database.Reaped
    """Drop the scratch databases of runs that are gone (killed, or their server stopped
    under them) and list those of runs still going (``generator.pg.database.reap_abandoned``)."""
    from generator.pg.database import connect, normalize_url, reap_abandoned

    engine = connect(normalize_url(dev_url), autocommit=True)
    try:
        with engine.connect() as conn:
            return reap_abandoned(conn)
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- internals


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(getattr(exc, "orig", None), "sqlstate", None)


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


def _ready(conn: Any, name: str, use: Use) -> bool:
    from sqlalchemy import text

    row = conn.execute(
        text("SELECT datistemplate, datallowconn FROM pg_database WHERE datname = :n"), {"n": name}
    ).first()
    if row is None:
        return False
    return bool(row[0]) and not row[1] if use == "template" else not row[0] and bool(row[1])


def _names(conn: Any, prefix: str) -> list[str]:
    from sqlalchemy import text

    rows = conn.execute(
        text("SELECT datname FROM pg_database WHERE starts_with(datname, :p) ORDER BY oid"),
        {"p": prefix},
    )
    return [r[0] for r in rows]


def _terminate(conn: Any, name: str) -> None:
    from sqlalchemy import text

    conn.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
        ),
        {"n": name},
    )


def _drop(conn: Any, name: str, *, force: bool = False) -> None:
    """Drop ``name`` if it exists (a template is unmarked first). Without ``force`` a database
    in use is left alone (someone is reading it; the next prune gets it)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    if not _exists(conn, name):
        return
    conn.execute(text(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE false'))
    try:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"' + (" WITH (FORCE)" if force else "")))
    except DBAPIError:
        if not force:
            with suppress(Exception):  # in use: restore what it was and leave it
                row = conn.execute(
                    text("SELECT datallowconn FROM pg_database WHERE datname = :n"), {"n": name}
                ).first()
                if row is not None and not row[0]:
                    conn.execute(text(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true'))
            return
        raise


def _exists(conn: Any, name: str) -> bool:
    from sqlalchemy import text

    return (
        conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        is not None
    )


def _prune(conn: Any, kind: str, keep: str) -> None:
    """Keep the newest ``KEEP`` databases of ``kind`` (``keep`` among them); drop the rest."""
    names = [n for n in _names(conn, f"{CACHE_PREFIX}{kind}_") if n != keep]
    for name in names[: max(0, len(names) - (KEEP - 1))]:
        with suppress(Exception):
            _drop(conn, name)


def _sweep_building(conn: Any, max_age: float = STALE_BUILD_SECONDS) -> None:
    """Drop temporary build databases of builds that are gone (``generator.pg.scratch.abandoned``:
    a dead process on this host, else older than ``max_age``) that nobody is connected to."""
    from sqlalchemy import text

    from generator.pg.scratch import abandoned

    rows = conn.execute(
        text(
            "SELECT d.datname FROM pg_database d WHERE starts_with(d.datname, :p) "
            "AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)"
        ),
        {"p": BUILDING_PREFIX},
    )
    for (name,) in rows.fetchall():
        if abandoned(name, max_age=max_age):
            with suppress(Exception):
                _drop(conn, name)
