"""Real servers: each starts and reports its exact version; scratch databases are always
dropped; connection failures become one clear DatabaseError without the password; the
embedded default starts once when two processes ask at the same time."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pgservers
import pytest
from pgservers import pg_bin_dir
from sqlalchemy import text

from generator.errors import DatabaseError, ServerError
from generator.pg.database import (
    connect,
    resolve_dev,
    resolve_live,
    scratch_database,
    server_version,
    with_database,
)
from generator.pg.server import LocalServer, embedded_server, free_port

EXPECTED_VERSIONS = {"17": "17.6", "18": "18.6"}
PASSWORD = "Corr3ct-Horse-pw"
WRONG_PASSWORD = "Wr0ng-Battery-pw"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def server_root() -> Iterator[Path]:
    root = pgservers.make_root()
    yield root
    pgservers.remove_root(root)


def _databases(server: LocalServer) -> set[str]:
    engine = connect(server.url())
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
    finally:
        engine.dispose()


def _execute(url: str, *statements: str) -> None:
    engine = connect(url, autocommit=True)
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------ versions


def test_server_runs_and_reports_its_exact_version(pg: LocalServer) -> None:
    version = pg.version()
    major = version.split(".")[0]
    if major in EXPECTED_VERSIONS:
        assert version == EXPECTED_VERSIONS[major]
    status = pg.status()
    assert status.running and status.pid and status.port
    assert status.version == version
    assert pg.url() == f"postgresql+psycopg://postgres@127.0.0.1:{status.port}/postgres"
    engine = connect(pg.url())
    try:
        assert server_version(engine) == tuple(int(part) for part in version.split("."))
    finally:
        engine.dispose()


def test_pg17_is_the_production_version(pg17: LocalServer) -> None:
    assert pg17.version() == "17.6"


def test_pg18_is_the_embedded_version(pg18: LocalServer) -> None:
    assert pg18.version() == "18.6"


# ------------------------------------------------------------------------------- scratch


def test_empty_db_is_a_fresh_scratch_database(empty_db: str) -> None:
    engine = connect(empty_db)
    try:
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT current_database()"))
                .scalar_one()
                .startswith("schemactl_scratch_")
            )
            tables = conn.execute(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            ).scalar_one()
            assert tables == 0
    finally:
        engine.dispose()


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_scratch_database_is_dropped_when_the_body_raises(
    pg: LocalServer, error: type[BaseException]
) -> None:
    before = _databases(pg)
    with pytest.raises(error), scratch_database(pg.url(), prefix="schemactl_raise") as url:
        name = url.rsplit("/", 1)[1]
        assert name in _databases(pg)
        engine = connect(url)  # an open connection must not prevent the drop
        engine.connect()
        raise error("boom")
    engine.dispose()
    assert name not in _databases(pg)
    assert _databases(pg) == before


def test_scratch_database_from_a_template(pg: LocalServer) -> None:
    with scratch_database(pg.url(), prefix="schemactl_tpl") as template_url:
        _execute(template_url, "CREATE TABLE marker (id int)")
        template = template_url.rsplit("/", 1)[1]
        with scratch_database(pg.url(), template=template) as copy_url:
            engine = connect(copy_url)
            try:
                with engine.connect() as conn:
                    assert conn.execute(text("SELECT count(*) FROM marker")).scalar_one() == 0
            finally:
                engine.dispose()


def test_dev_user_without_createdb_gets_a_clear_error(pg: LocalServer) -> None:
    role = f"nocreatedb_{free_port()}"
    _execute(pg.url(), f"CREATE ROLE {role} LOGIN NOCREATEDB")
    try:
        dev_url = pg.url().replace("postgres@", f"{role}@", 1)
        with pytest.raises(DatabaseError) as info, scratch_database(dev_url):
            pytest.fail("the scratch database should not have been created")
        assert info.value.message == "the dev database user cannot create databases"
        assert "CREATEDB" in (info.value.hint or "")
    finally:
        _execute(pg.url(), f"DROP ROLE {role}")


# ---------------------------------------------------------------------- connection errors


def test_connect_to_a_closed_port() -> None:
    port = free_port()
    with pytest.raises(DatabaseError) as info:
        connect(f"postgresql://someone:{WRONG_PASSWORD}@127.0.0.1:{port}/db")
    assert info.value.message == f"could not connect to 127.0.0.1:{port}: connection refused"
    assert info.value.hint == "is the server running? check host and port"
    assert WRONG_PASSWORD not in str(info.value)


def test_connect_to_a_missing_database(pg: LocalServer) -> None:
    url = with_database(pg.url(), "no_such_database").replace(
        "postgres@", f"postgres:{WRONG_PASSWORD}@", 1
    )
    with pytest.raises(DatabaseError) as info:
        connect(url)
    assert info.value.message.startswith('database "no_such_database" does not exist on 127.0.0.1:')
    assert "createdb" in (info.value.hint or "")
    assert WRONG_PASSWORD not in str(info.value)


@pytest.fixture(scope="module")
def scram_server() -> Iterator[LocalServer]:
    """A server that checks passwords (the session servers trust everyone)."""
    root = pgservers.make_root()
    bin_dir = pg_bin_dir("17")
    if bin_dir is None:
        pytest.fail(f"PostgreSQL 17 binaries are missing: {pgservers.INSTALL_HINTS['17']}")
    server = LocalServer(bin_dir, root / "scram", name="password-checking server", fsync=False)
    try:
        server.initdb(auth="scram-sha-256", password=PASSWORD)
        server.start()
        yield server
    finally:
        pgservers.stop_quietly(server)
        pgservers.remove_root(root)


def test_connect_with_a_bad_password(scram_server: LocalServer) -> None:
    good = scram_server.url().replace("postgres@", f"postgres:{PASSWORD}@", 1)
    connect(good).dispose()
    bad = scram_server.url().replace("postgres@", f"postgres:{WRONG_PASSWORD}@", 1)
    with pytest.raises(DatabaseError) as info:
        connect(bad)
    assert info.value.message == (
        f'password authentication failed for user "postgres" at 127.0.0.1:{scram_server.port}'
    )
    assert info.value.hint == "check the user and password in the URL"
    assert WRONG_PASSWORD not in str(info.value)


def test_connect_timeout_is_reported() -> None:
    with socket.socket() as silent:  # accepts TCP connections but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(DatabaseError) as info:
            connect(f"postgresql://u:{WRONG_PASSWORD}@127.0.0.1:{port}/db")
    assert info.value.message == f"connection to 127.0.0.1:{port} timed out after 5 s"
    assert WRONG_PASSWORD not in str(info.value)


# ----------------------------------------------------------------------- server lifecycle


def test_start_failure_names_the_cause_and_shows_the_log(server_root: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = LocalServer(pg_bin_dir("18"), server_root / "busy", port=port, fsync=False)
        with pytest.raises(ServerError) as info:
            server.ensure_running()
    assert f"start on port {port} failed" in info.value.message
    assert "could not create any TCP/IP sockets" in info.value.message
    assert "Address already in use" in (info.value.hint or "")
    assert not server.is_running()


_RESOLVE = """
import json, sys
from pathlib import Path
from generator.pg.database import resolve_live
resolved = resolve_live(None, Path(sys.argv[1]), env={})
print(json.dumps([resolved.url, resolved.source]))
"""


def test_embedded_default_starts_once_for_concurrent_callers(server_root: Path) -> None:
    """Two processes resolve the live database on a fresh repo at the same time: one
    initdb, one server, the same socket; the "schemactl" database exists."""
    root = server_root / "repo"
    root.mkdir()
    command = [sys.executable, "-c", _RESOLVE, str(root)]
    procs = [
        subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [proc.communicate(timeout=120) for proc in procs]
    server = embedded_server(root)
    try:
        for proc, (_out, err) in zip(procs, results, strict=True):
            assert proc.returncode == 0, err
        urls = {tuple(json.loads(out)) for out, _ in results}
        assert len(urls) == 1
        url, source = urls.pop()
        assert source == "embedded"
        socket_dir = root / ".schemactl" / "pg18" / "sock"  # private: no TCP (test_private_server.py)
        assert url == f"postgresql+psycopg://postgres@/schemactl?host={socket_dir}&port=5432"
        assert server.version() == "18.6"
        assert resolve_dev(None, root, env={}).url == server.url("postgres")

        server.stop()
        assert not server.is_running()
        assert resolve_live(None, root, env={}).url == url  # restarted on the same socket
    finally:
        pgservers.stop_quietly(server)
