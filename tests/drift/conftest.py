"""Fixtures of the drift tests: the CLI run in-process, databases upgraded to head (one per
server, made once per session and cloned per case), a password-checking server of its own.
Helpers the tests import by name are in drift_helpers.py."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from drift_corpus import REPO, upgraded_database
from drift_helpers import PASSWORD, Run, execute_autocommit, with_password
from rich.console import Console

import cli.output
from cli.main import main
from generator.pg.server import LocalServer


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the CLI in-process from the repo root with fresh output streams."""
    for name in ("SCHEMACTL_SPEC", "SCHEMACTL_DEBUG", "DATABASE_URL", "SCHEMACTL_DEV_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(REPO)

    def run(*args: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(cli.output.OUT, "stdout", Console(file=out, highlight=False, soft_wrap=True))
        monkeypatch.setattr(cli.output.OUT, "stderr", Console(file=err, highlight=False, soft_wrap=True))
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, out.getvalue() + captured.out, err.getvalue() + captured.err)

    return run


@pytest.fixture(scope="session")
def head17(pg17: LocalServer) -> Iterator[str]:
    """A database at head on the 17 server (shared: never change it, clone it)."""
    with upgraded_database(pg17.url()) as url:
        yield url


@pytest.fixture(scope="session")
def head18(pg18: LocalServer) -> Iterator[str]:
    with upgraded_database(pg18.url()) as url:
        yield url


@pytest.fixture(scope="session")
def head15(pg15: LocalServer) -> Iterator[str]:
    with upgraded_database(pg15.url()) as url:
        yield url


@pytest.fixture
def head(pg: LocalServer, request: pytest.FixtureRequest) -> str:
    """A database at head on the `pg` server (shared: never change it, clone it)."""
    return request.getfixturevalue(f"head{pg.version().split('.')[0]}")







@pytest.fixture(scope="session")
def scram17() -> Iterator[LocalServer]:
    """A PostgreSQL 17 server of its own that checks passwords (scram-sha-256; the session
    servers trust everyone) and runs no autovacuum, so nothing but the test touches it.
    Superuser: postgres / PASSWORD."""
    import pgservers

    from generator.pg.server import pg_bin_dir

    root = pgservers.make_root()
    bin_dir = pg_bin_dir("17")
    if bin_dir is None:
        pytest.fail(f"PostgreSQL 17 binaries are missing: {pgservers.INSTALL_HINTS['17']}")
    server = LocalServer(bin_dir, root / "scram", name="password-checking server", fsync=False)
    try:
        server.initdb(auth="scram-sha-256", password=PASSWORD)
        server.start()
        execute_autocommit(with_password(server.url()), "ALTER SYSTEM SET autovacuum = off", "SELECT pg_reload_conf()")
        yield server
    finally:
        pgservers.stop_quietly(server)
        pgservers.remove_root(root)
