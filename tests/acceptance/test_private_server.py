"""Issue 12 "Also" and issue 13 item 5: the embedded server is private, and ``schemactl db
url`` prints a URL psql accepts.

The embedded server listens on no TCP port, only on a unix socket in a directory that only
its OS user may enter (mode 0700), so another local user cannot reach its ``trust``
superuser. A project path too deep for a unix socket (108 bytes) gets a private short
directory instead. ``db url`` prints a libpq URL, tested with the real psql binary.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pgservers
import pytest
from sqlalchemy import text

from generator.pg.database import connect
from generator.pg.server import SERVER_USER, LocalServer, embedded_server, wheel_bin_dir

REPO = Path(__file__).resolve().parents[2]
SCHEMACTL = Path(sys.executable).parent / "schemactl"


@pytest.fixture
def server_root() -> Iterator[Path]:
    root = pgservers.make_root()
    yield root
    for data_dir in root.rglob("pg18"):
        if (data_dir / "PG_VERSION").exists():
            pgservers.stop_quietly(LocalServer(wheel_bin_dir(), data_dir))
    pgservers.remove_root(root)


def project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "schema.yaml", root / "schema.yaml")
    return root


def psql(url: str, sql: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
    args = [str(wheel_bin_dir() / "psql"), "-X", "-At", "-d", url, "-c", sql]
    kwargs: dict[str, object] = {}
    if user is not None:
        entry = pwd.getpwnam(user)
        kwargs = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["PGCONNECT_TIMEOUT"] = "5"
    return subprocess.run(
        args, capture_output=True, text=True, timeout=60, check=False, env=env, cwd="/", **kwargs
    )  # type: ignore[call-overload]


def db_url(cwd: Path, *extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SCHEMACTL_SPEC")}
    result = subprocess.run(
        [str(SCHEMACTL), "db", "url", *extra], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=180, check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def owner_uid() -> int:
    return pwd.getpwnam(SERVER_USER).pw_uid if os.geteuid() == 0 else os.geteuid()


def assert_private(server: LocalServer, socket_dir: Path) -> None:
    info = os.lstat(socket_dir)
    assert stat.S_ISDIR(info.st_mode) and info.st_uid == owner_uid()
    assert stat.S_IMODE(info.st_mode) == 0o700
    socket_file = socket_dir / ".s.PGSQL.5432"
    assert stat.S_ISSOCK(os.stat(socket_file).st_mode)
    assert stat.S_IMODE(os.stat(socket_file).st_mode) == 0o700
    engine = connect(server.url())
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW listen_addresses")).scalar() == ""
            assert conn.execute(text("SELECT inet_server_addr()")).scalar() is None
    finally:
        engine.dispose()
    lines = (server.data_dir / "postmaster.pid").read_text().splitlines()
    assert lines[4] == str(socket_dir) and lines[5].strip() == ""  # no TCP address at all
    if os.geteuid() == 0:  # another local user cannot reach the trust superuser
        refused = psql(server.url().replace("+psycopg", ""), "SELECT 1", user="nobody")
        assert refused.returncode != 0
        assert "Permission denied" in refused.stderr


def test_embedded_server_is_reachable_only_through_its_private_socket(server_root: Path) -> None:
    """Also: a server an older schemactl started on 127.0.0.1 is restarted socket-only."""
    root = project(server_root / "repo")
    data_dir = root / ".schemactl" / "pg18"
    legacy = LocalServer(wheel_bin_dir(), data_dir, name="legacy", fsync=False)  # tcp=True
    legacy.ensure_running()
    tcp_port = legacy.port
    assert tcp_port and legacy.status().listens == f"127.0.0.1:{tcp_port}"

    url = db_url(root)  # the real CLI, which restarts it

    server = embedded_server(root)
    socket_dir = data_dir / "sock"
    assert url == f"postgresql://postgres@/schemactl?host={socket_dir}&port=5432"
    assert server.status().listens == f"unix socket {socket_dir}/.s.PGSQL.5432"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", tcp_port), timeout=1).close()
    assert_private(server, socket_dir)
    # the printed URL is one psql takes; --sqlalchemy prints the other form of the same URL
    shown = psql(url, "SELECT current_database() || ' ' || current_user")
    assert shown.returncode == 0 and shown.stdout.strip() == "schemactl postgres", shown.stderr
    assert db_url(root, "--sqlalchemy") == url.replace("postgresql://", "postgresql+psycopg://", 1)


def test_a_project_too_deep_for_a_unix_socket_gets_a_short_private_directory(server_root: Path) -> None:
    deep = server_root / ("d" * 60) / ("e" * 60) / "project"
    root = project(deep)
    assert len(f"{root}/.schemactl/pg18/sock/.s.PGSQL.5432") > 107

    url = db_url(root)

    server = embedded_server(root)
    recorded = Path((root / ".schemactl" / "pg18" / "schemactl-socket-dir").read_text().strip())
    assert url == f"postgresql://postgres@/schemactl?host={recorded}&port=5432"
    assert len(f"{recorded}/.s.PGSQL.5432") <= 100
    assert_private(server, recorded)
    shown = psql(url, "SELECT current_database()")
    assert shown.returncode == 0 and shown.stdout.strip() == "schemactl", shown.stderr

    server.stop()  # restarted: the same private directory, the same URL
    assert db_url(root) == url
    server.stop()
    shutil.rmtree(recorded, ignore_errors=True)
