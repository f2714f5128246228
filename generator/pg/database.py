"""Where databases come from: URLs, the live and dev database, connections, scratch databases.

- The live database: ``--db``, else ``DATABASE_URL``, else the embedded server (database
  ``schemactl``).
- The dev database: ``--dev-db``, else ``SCHEMACTL_DEV_DATABASE_URL``, else the embedded
  server (maintenance database ``postgres``). Scratch databases are created and dropped there.

URLs are SQLAlchemy URLs for psycopg 3; passwords are masked wherever a URL is shown.
SQLAlchemy and psycopg are imported inside functions so importing this module stays cheap.
"""

from __future__ import annotations

import os
import re
import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import DatabaseError
from generator.pg.urls import DRIVER_SCHEME, EXPECTED_FORM, PgURL, parse_url, render, scrub  # noqa: F401

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

CONNECT_TIMEOUT = 5
EMBEDDED_LIVE_DATABASE = "schemactl"
EMBEDDED_DEV_DATABASE = "postgres"
_MAX_IDENTIFIER = 63
_PASSWORD_IN_TEXT = re.compile(r"((?:^|://|\s)[^:/?#@\s]*:)[^@/\s]*@")  # u:pw@ in a non-URL
_DRIVER_PREFIX = re.compile(
    r"^(connection (failed|is bad): )?(connection to server (at|on) .*? failed: )?(FATAL: +)?"
)


# --------------------------------------------------------------------------------- URLs


def mask_url(url: str) -> str:
    """The URL for display: its password and secret parameters read ``***``. Never fails,
    also not on strings that are not URLs (those are masked textually)."""
    try:
        return render(parse_url(url), hide_password=True)
    except Exception:
        return scrub(_PASSWORD_IN_TEXT.sub(r"\1***@", str(url or "")))


def _parse(url: str) -> PgURL:
    return parse_url(url)


def normalize_url(url: str, source: str = "the database URL") -> str:
    """Any form psql accepts (a ``postgresql://`` or ``postgres://`` URI, a keyword string
    ``host=... dbname=...``) or a ``postgresql+psycopg://`` URL, as the canonical
    ``postgresql+psycopg://`` URL; anything else is a ConfigError that never repeats it."""
    return render(parse_url(url, source))


def libpq_url(url: str, hide_password: bool = False) -> str:
    """The ``postgresql://`` URI of ``url`` that psql and libpq accept."""
    return render(parse_url(url), scheme="postgresql", hide_password=hide_password)


def with_database(url: str, database: str) -> str:
    """The same server and credentials, another database."""
    return render(_parse(url).set(database=database))


def _where(url: str) -> str:
    """host:port of a URL for messages (no user, no password)."""
    try:
        parsed = _parse(url)
    except Exception:
        return "the database server"
    host = parsed.host or str(parsed.query.get("host") or "") or "local socket"
    port = parsed.port or parsed.query.get("port") or 5432
    return f"{host}:{port}"


# ----------------------------------------------------------------------------- resolving


@dataclass(frozen=True)
class ResolvedDatabase:
    """A database URL and where it came from: "--db", "DATABASE_URL", "--dev-db",
    "SCHEMACTL_DEV_DATABASE_URL" or "embedded"."""

    url: str
    source: str

    @property
    def display(self) -> str:
        return mask_url(self.url)


def resolve_live(
    cli_value: str | None,
    root: Path,
    env: Mapping[str, str] = os.environ,
    cli_source: str = "--db",
) -> ResolvedDatabase:
    """The live database: --db, else DATABASE_URL, else database "schemactl" on the embedded
    server (started, and the database created, on demand). ``cli_source`` names the option
    in messages ("-x db" for plain alembic)."""
    if cli_value:
        return ResolvedDatabase(normalize_url(cli_value, cli_source), cli_source)
    if env.get("DATABASE_URL"):
        return ResolvedDatabase(normalize_url(env["DATABASE_URL"], "DATABASE_URL"), "DATABASE_URL")
    server_url = _embedded_url(root)
    ensure_database(server_url, EMBEDDED_LIVE_DATABASE)
    return ResolvedDatabase(with_database(server_url, EMBEDDED_LIVE_DATABASE), "embedded")


def resolve_dev(
    cli_value: str | None, root: Path, env: Mapping[str, str] = os.environ
) -> ResolvedDatabase:
    """The dev database: --dev-db, else SCHEMACTL_DEV_DATABASE_URL, else the embedded
    server's maintenance database "postgres"."""
    if cli_value:
        return ResolvedDatabase(normalize_url(cli_value, "--dev-db"), "--dev-db")
    if env.get("SCHEMACTL_DEV_DATABASE_URL"):
        url = normalize_url(env["SCHEMACTL_DEV_DATABASE_URL"], "SCHEMACTL_DEV_DATABASE_URL")
        return ResolvedDatabase(url, "SCHEMACTL_DEV_DATABASE_URL")
    server_url = _embedded_url(root)
    return ResolvedDatabase(with_database(server_url, EMBEDDED_DEV_DATABASE), "embedded")


def _embedded_url(root: Path) -> str:
    from generator.pg.server import embedded_server

    return embedded_server(root).ensure_running()


# ---------------------------------------------------------------------------- connecting


def connect(url: str, autocommit: bool = False) -> Engine:
    """An Engine for ``url`` whose connection was verified once. Connection failures become
    a DatabaseError with one clear line (never the password)."""
    from sqlalchemy import create_engine

    normalized = normalize_url(url)
    options: dict[str, object] = {"connect_args": {"connect_timeout": CONNECT_TIMEOUT}}
    if autocommit:
        options["isolation_level"] = "AUTOCOMMIT"
    engine = create_engine(normalized, **options)
    pin_string_literals(engine)
    try:
        with engine.connect():
            pass
    except Exception as exc:
        engine.dispose()
        if _is_operational(exc):
            raise explain_operational_error(exc, normalized) from exc
        raise
    return engine


def pin_string_literals(engine: Engine) -> None:
    """Every session of ``engine`` runs with ``standard_conforming_strings = on``, set before
    SQLAlchemy first looks at the server (its own literal escaping follows the setting).

    Spec text reaches SQL inside string literals (comments, defaults, enum values) and as SQL
    fragments written with ``'...'`` strings; both are checked (pglast) and quoted assuming
    backslashes are plain characters. A database or role with ``standard_conforming_strings
    = off`` would read ``'\\'`` as an escaped quote, so ``\\'; CREATE ROLE ...`` in a comment
    (or ``'\\' AND c <> '); CREATE ROLE ...'`` in a CHECK) would end the literal and run a
    statement of the spec's own in ``upgrade`` (issue 12, found by the redteam pass). A
    client setting overrides the database's and the role's; revisions are trusted code and
    may still change it."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect", insert=True)
    def _pin(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            dbapi_connection.execute("SET standard_conforming_strings = on")
        finally:
            dbapi_connection.autocommit = autocommit


def _is_operational(exc: BaseException) -> bool:
    import psycopg
    import sqlalchemy.exc

    return isinstance(exc, sqlalchemy.exc.OperationalError | psycopg.OperationalError)


# Connection failures, by libpq's message: the one exception to "branch on SQLSTATE". A
# failed connection attempt carries none (psycopg's OperationalError.sqlstate is None for a
# FATAL at startup, e.g. an unknown database or role: measured with psycopg 3 on 17.6), and the
# refusals before any server (connection refused, unknown host, timeout) come from libpq itself.
_RULES: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(r"password authentication failed for user \"([^\"]*)\""),
        'password authentication failed for user "{0}" at {where}',
        "check the user and password in the URL",
    ),
    (
        re.compile(r"database \"([^\"]*)\" does not exist"),
        'database "{0}" does not exist on {where}',
        "create it with createdb, or point --db at an existing database",
    ),
    (
        re.compile(r"role \"([^\"]*)\" does not exist"),
        'user "{0}" does not exist on {where}',
        "check the user name in the URL",
    ),
    (
        re.compile(
            r"could not translate host name \"([^\"]*)\"|Name or service not known|"
            r"nodename nor servname|Temporary failure in name resolution|No address associated",
            re.IGNORECASE,
        ),
        "unknown host {host}",
        "check the host name in the URL",
    ),
    (
        re.compile(r"connection refused|No such file or directory", re.IGNORECASE),
        "could not connect to {where}: connection refused",
        "is the server running? check host and port",
    ),
    (
        re.compile(r"timeout expired|timed out", re.IGNORECASE),
        "connection to {where} timed out after {timeout} s",
        "is the server running and reachable? check host, port and firewall",
    ),
    (
        re.compile(r"no pg_hba\.conf entry", re.IGNORECASE),
        "the server at {where} does not accept this connection (no pg_hba.conf entry)",
        "allow this host, user and database in the server's pg_hba.conf",
    ),
    (
        re.compile(r"the database system is (starting up|shutting down|in recovery mode)"),
        "the server at {where} is {0}",
        "wait a moment and retry",
    ),
    (
        re.compile(r"too many (connections|clients)", re.IGNORECASE),
        "the server at {where} has too many connections",
        "close idle connections or raise max_connections",
    ),
]


def explain_operational_error(exc: BaseException, url: str) -> DatabaseError:
    """Turn a psycopg / SQLAlchemy OperationalError into a one-line DatabaseError naming the
    cause and a hint. The password of ``url`` never appears in the result."""
    original = getattr(exc, "orig", None) or exc
    text = str(original)
    where = _where(url)
    host = where.rsplit(":", 1)[0]
    for pattern, message, hint in _RULES:
        match = pattern.search(text)
        if match:
            groups = [g for g in match.groups() if g is not None]
            line = message.format(*groups, where=where, host=host, timeout=CONNECT_TIMEOUT)
            return DatabaseError(_scrub(line, url), hint)
    first = next((part.strip() for part in text.splitlines() if part.strip()), "")
    first = _DRIVER_PREFIX.sub("", first) or type(original).__name__
    return DatabaseError(
        _scrub(f"cannot connect to {where}: {first}", url), "check the database URL"
    )


def _scrub(text: str, url: str) -> str:
    """Remove the URL's password, and every other password seen, from text, in case a driver
    message echoes it."""
    try:
        _parse(url)  # remembers its password for scrub()
    except Exception:
        pass
    return scrub(text)


_CREATE_EXTENSION = re.compile(r'\s*CREATE EXTENSION (?:IF NOT EXISTS )?"((?:[^"]|"")+)"', re.I)


def explain_extension_privilege(statement: str, exc: BaseException) -> DatabaseError | None:
    """A CREATE EXTENSION the dev role may not run (SQLSTATE 42501: the extension is not
    trusted and the role is no superuser) as one line naming the fix; None otherwise."""
    orig = getattr(exc, "orig", None) or exc
    match = _CREATE_EXTENSION.match(statement)
    if getattr(orig, "sqlstate", None) != "42501" or not match:
        return None
    name = match.group(1).replace('""', '"')
    return DatabaseError(
        f'the dev database user may not create extension "{name}": only a superuser may '
        "create an extension that is not trusted",
        "use a superuser dev role (--dev-db / SCHEMACTL_DEV_DATABASE_URL) for this spec; "
        "trusted extensions (citext, pgcrypto, pg_trgm, hstore...) need only CREATEDB "
        "(docs/ci.md)",
        sqlstate="42501",
    )


def server_version(engine: Engine) -> tuple[int, int]:
    """(major, minor) of the server, e.g. (17, 6)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        number = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    major = number // 10000
    minor = number % 10000 if major >= 10 else (number // 100) % 100
    return major, minor


# ------------------------------------------------------------------------------ databases


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def ensure_database(server_url: str, name: str) -> None:
    """Create database ``name`` on the server of ``server_url`` unless it exists."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    engine = connect(server_url, autocommit=True)
    try:
        with engine.connect() as conn:
            query = text("SELECT 1 FROM pg_database WHERE datname = :name")
            if conn.execute(query, {"name": name}).first():
                return
            try:
                conn.execute(text(f"CREATE DATABASE {_quote_ident(name)}"))
            except DBAPIError as exc:
                # 42P04 duplicate_database, 23505 unique_violation: created meanwhile
                if getattr(exc.orig, "sqlstate", None) not in ("42P04", "23505"):
                    raise
    finally:
        engine.dispose()


def scratch_name(prefix: str = "schemactl_scratch") -> str:
    """A unique database name that names its owner (``generator.pg.scratch``): prefix, UTC
    timestamp, pid, host, random hex; at most 63 bytes."""
    from generator.pg.scratch import database_name

    return database_name(prefix)


@dataclass
class Reaped:
    """What ``reap_abandoned`` found among the scratch databases on a server."""

    dropped: list[str]  # of runs that are gone
    kept: list[str]  # of runs still going (or that this user may not drop)


def reap_abandoned(conn: Connection) -> Reaped:
    """Drop the scratch databases (``schemactl_*`` but the kept ones, ``schemactl_cache_*``)
    of runs that are gone: a killed ``generate`` or ``diff``, a build of a kept database killed
    halfway, one whose server stopped under it (``generator.pg.scratch.abandoned``). One made on
    this host by a dead process is dropped WITH (FORCE); one of another host, reaped by age, only
    when nobody is connected. ``conn`` is in autocommit. This is the one sweep of dead builds."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from generator.pg.scratch import SCRATCH_DATABASE, abandoned, host_id, owner_of

    rows = conn.execute(
        text("SELECT datname FROM pg_database WHERE starts_with(datname, 'schemactl_') ORDER BY oid")
    ).fetchall()
    found = Reaped([], [])
    for (name,) in rows:
        owner = owner_of(name)
        if not SCRATCH_DATABASE.match(name) or owner is None:
            continue
        if not abandoned(name):
            found.kept.append(name)
            continue
        try:
            if drop_database(conn, name, force=owner.host == host_id()):
                found.dropped.append(name)
            else:
                found.kept.append(name)  # someone is connected
        except DBAPIError:  # not its owner, or in use meanwhile: leave it
            found.kept.append(name)
    return found


def _reap_quietly(engine: Engine) -> None:
    """Best effort, before making a scratch database: never fails the run."""
    with suppress(Exception), _deferred_interrupts(), engine.connect() as conn:
        reap_abandoned(conn)


@contextmanager
def scratch_database(
    dev_url: str, prefix: str = "schemactl_scratch", template: str | None = None
) -> Iterator[str]:
    """Create a uniquely named database on the dev server, yield its URL, and always drop it
    afterwards (also when the body raises or is interrupted)."""
    dev_url = normalize_url(dev_url)
    engine = connect(dev_url, autocommit=True)
    name = scratch_name(prefix)
    _reap_quietly(engine)
    try:
        try:
            with _deferred_interrupts():
                _create_database(engine, name, template, dev_url)
        except BaseException:
            with suppress(Exception), _deferred_interrupts():
                _drop_database(engine, name)  # an interrupted CREATE may have completed
            raise
        try:
            yield with_database(dev_url, name)
        finally:
            with _deferred_interrupts():
                _drop_database(engine, name)
    finally:
        engine.dispose()


@contextmanager
def _deferred_interrupts() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) until the block is done, then raise KeyboardInterrupt, so a
    scratch database is never left half created or undropped. Only possible in the main
    thread; elsewhere the block just runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def no_createdb_error() -> DatabaseError:
    """CREATE DATABASE refused with 42501 insufficient_privilege on the dev server."""
    return DatabaseError(
        "the dev database user cannot create databases",
        "grant CREATEDB or point --dev-db / SCHEMACTL_DEV_DATABASE_URL at a server "
        "where it can",
        sqlstate="42501",
    )


def _create_database(engine: Engine, name: str, template: str | None, dev_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    sql = f"CREATE DATABASE {_quote_ident(name)}"
    if template:
        sql += f" TEMPLATE {_quote_ident(template)}"
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    except DBAPIError as exc:
        state = getattr(exc.orig, "sqlstate", None)
        if state == "42501":
            raise no_createdb_error() from exc
        if state == "55006" and template:  # object_in_use: a session is connected to the template
            raise DatabaseError(
                f"cannot copy database {template}: another session is connected to it",
                "rerun when that session has ended",
                sqlstate=state,
            ) from exc
        if _is_operational(exc):
            raise explain_operational_error(exc, dev_url) from exc
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(
            f"cannot create scratch database {name} on {_where(dev_url)}: {detail}",
            "check the dev server's log; `schemactl db clear-cache` drops what schemactl keeps there",
            sqlstate=state,
        ) from exc


def _drop_database(engine: Engine, name: str) -> None:
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect() as conn:
            drop_database(conn, name, force=True)
    except DBAPIError as exc:
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(
            f"could not drop scratch database {name}: {detail}",
            f"drop it by hand: DROP DATABASE {_quote_ident(name)} WITH (FORCE)",
        ) from exc


def drop_database(conn: Connection, name: str, *, force: bool = False) -> bool:
    """Drop database ``name`` if it exists (a template is unmarked first): the one way
    schemactl drops a database. ``conn`` is in autocommit. With ``force`` the sessions in it
    are ended (WITH (FORCE); before PostgreSQL 13, pg_terminate_backend). Without, a database
    someone is connected to is left as it was (DROP would wait for them) and False returned.
    True when it is gone. A refusal (42501, not its owner) raises."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    quoted = _quote_ident(name)
    row = conn.execute(
        text("SELECT datistemplate FROM pg_database WHERE datname = :n"), {"n": name}
    ).first()
    if row is None:
        return True
    in_use = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()")
    if not force and conn.execute(in_use, {"n": name}).scalar():
        return False
    with _deferred_interrupts():
        if row[0]:
            conn.execute(text(f"ALTER DATABASE {quoted} WITH IS_TEMPLATE false"))
        try:
            version = conn.dialect.server_version_info
            if not force:
                conn.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))
            elif version and version < (13,):  # no WITH (FORCE) before PostgreSQL 13
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
                    {"n": name},
                )
                conn.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        except DBAPIError as exc:
            if row[0]:  # still there (in use meanwhile, or not ours): keep it marked
                with suppress(DBAPIError):
                    conn.execute(text(f"ALTER DATABASE {quoted} WITH IS_TEMPLATE true"))
            if not force and getattr(exc.orig, "sqlstate", None) == "55006":  # object_in_use
                return False
            raise
    return True
