"""Fixtures of the drift tests: the CLI run in-process, databases upgraded to head (one per
server, made once per session and cloned per case), a password-checking server of its own.
Helpers the tests import by name are in drift_helpers.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from checkout import project_copy
from clirunner import RunCli
from drift_corpus import upgraded_database
from drift_helpers import PASSWORD, execute_autocommit, with_password

from generator.pg.server import LocalServer


@pytest.fixture
def run_cli(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """The shared runner (tests/clirunner.py), in a copy of the repo's project (tests/checkout.py)."""
    monkeypatch.chdir(project_copy())
    return run_cli


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
    from pgservers import pg_bin_dir

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
