"""Issue 13.9: user and environment mistakes are one line (cause and hint), exit 1, never an
"internal error" (which the docs call a bug). Each case runs against a real server: a role
with no privileges, a read-only database, a dev role without CREATEDB, a server that stops
while `upgrade` runs. Errors are mapped centrally by SQLSTATE (generator.errors)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pgservers
import pytest
from checkout import copy_project, project_copy
from clirunner import REPO, Run

from generator.migrate import api as migrate
from generator.pg.database import connect, scratch_database, with_database
from generator.pg.server import LocalServer, free_port


def sql(url: str, *statements: str) -> list:
    engine = connect(url, autocommit=True)
    try:
        with engine.connect() as conn:
            rows: list = []
            for statement in statements:
                result = conn.exec_driver_sql(statement)
                rows = result.fetchall() if result.returns_rows else []
            return rows
    finally:
        engine.dispose()


def as_user(url: str, user: str) -> str:
    return url.replace("postgres@", f"{user}@", 1)  # the test servers trust every local user


def assert_clean_error(result: Run, *phrases: str) -> list[str]:
    assert result.code == 1, result.stdout + result.stderr
    text = result.stdout + result.stderr
    assert "Traceback" not in text and "internal error" not in text, text
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith(("error:", "hint:"))]
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: "), result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines
    return lines


@pytest.fixture
def role(pg: LocalServer) -> Iterator[str]:
    """A login role with no privileges beyond PUBLIC's (and no CREATEDB)."""
    name = f"nopriv_{free_port()}"
    sql(pg.url(), f"CREATE ROLE {name} LOGIN NOCREATEDB")
    yield name
    sql(pg.url(), f"DROP OWNED BY {name}", f"DROP ROLE {name}")


@pytest.fixture
def at_head(pg: LocalServer) -> Iterator[str]:
    with scratch_database(pg.url(), prefix="envErr_head") as url:
        migrate.upgrade(REPO, url)
        yield url


# ----------------------------------------------------------------- a role with no privileges


@pytest.mark.parametrize("command", [["status"], ["upgrade"], ["audit", "verify"], ["seed"]])
def test_role_without_privileges(run_cli, in_repo: Path, at_head: str, role: str, command: list[str]) -> None:
    result = run_cli(*command, "--db", as_user(at_head, role))
    lines = assert_clean_error(result, "permission denied")
    assert "lacks a privilege" in " ".join(lines)
    assert "GRANT" in lines[1]


# ------------------------------------------------------------------------ a read-only database


def test_upgrade_of_a_read_only_database(run_cli, in_repo: Path, pg: LocalServer) -> None:
    with scratch_database(pg.url(), prefix="envErr_ro") as url:
        name = url.rsplit("/", 1)[1]
        sql(pg.url(), f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        result = run_cli("upgrade", "--db", url)
        lines = assert_clean_error(result, "the database is read-only")
        assert "default_transaction_read_only" in lines[1]


# --------------------------------------------------------------- a dev role without CREATEDB


def test_generate_check_with_a_dev_role_without_createdb(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg: LocalServer, role: str) -> None:
    # A spec of its own (one comment differs), so no spec database that an earlier test kept
    # on this server can answer: the run must create one, and the role may not.
    project = copy_project(tmp_path / "project", (REPO / "schema.yaml").read_text() + f"# {tmp_path.name}\n")
    monkeypatch.chdir(project)
    result = run_cli("generate", "--check", "--dev-db", as_user(pg.url(), role))
    lines = assert_clean_error(result, "the dev database user cannot create databases")
    assert "CREATEDB" in lines[1]


def test_clear_cache_with_a_dev_role_that_owns_nothing(run_cli, in_repo: Path, pg: LocalServer, role: str) -> None:
    name = "schemactl_cache_spec_envErr0000000"
    sql(pg.url(), f'CREATE DATABASE "{name}"')
    try:
        result = run_cli("db", "clear-cache", "--dev-db", as_user(pg.url(), role))
        lines = assert_clean_error(result, "cannot drop", name)
        assert "owner" in lines[0] + lines[1]
    finally:
        sql(pg.url(), f'DROP DATABASE IF EXISTS "{name}"')


# ------------------------------------------------------------- the server stops during upgrade


@pytest.fixture
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """A server of its own, since the test stops it."""
    root = pgservers.make_root()
    server = pgservers.start_server(os.environ.get("SCHEMACTL_TEST_PG", "17").split(",")[0], root, "stopme")
    try:
        yield server
    finally:
        pgservers.stop_quietly(server)
        pgservers.remove_root(root)


def test_server_stopped_during_upgrade(own_server: LocalServer) -> None:
    """`db stop` (a fast shutdown) while upgrade waits on the migration lock: one line, exit 1."""
    from generator.migrate.env import MIGRATION_LOCK_KEY

    url = with_database(own_server.url(), "postgres")
    engine = connect(url)
    holder = engine.connect()
    holder.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
    holder.commit()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SCHEMACTL_SPEC", "SCHEMACTL_DEBUG")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli.entry import run; run()", "upgrade", "--db", url],
        cwd=project_copy(), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until upgrade waits for the lock
            waiting = sql(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")[0][0]
            if waiting:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        else:
            pytest.fail("upgrade never waited for the migration lock")
        stopper = threading.Thread(target=own_server.stop)
        stopper.start()
        out, err = proc.communicate(timeout=60)
        stopper.join(60)
    finally:
        if proc.poll() is None:
            proc.kill()
        holder.invalidate()
        engine.dispose()
    result = Run(proc.returncode, out, err)
    assert_clean_error(result, "server")
    assert "start" in err.splitlines()[-1]
