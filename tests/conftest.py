from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pgservers
import pytest
from clirunner import RunCli, make_run_cli

from generator.pg.database import scratch_database
from generator.pg.server import LocalServer

# ---------------------------------------------------------------------------------------
# Real PostgreSQL servers (helpers in tests/pgservers.py).
#   pg17, pg18, pg15 - session-wide servers, started on first use, stopped at session end
#                      (17 and 18 are required: missing binaries fail, never skip; 15 skips)
#   pg               - parametrized over SCHEMACTL_TEST_PG (default "17,18"): the servers
#                      the whole suite runs against
#   empty_db         - URL of a fresh scratch database on `pg`, dropped afterwards
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_root() -> Iterator[Path]:
    root = pgservers.make_root()
    yield root
    pgservers.remove_root(root)


@pytest.fixture(scope="session")
def pg17(pg_root: Path) -> Iterator[LocalServer]:
    yield from pgservers.serve("17", pg_root)


@pytest.fixture(scope="session")
def pg18(pg_root: Path) -> Iterator[LocalServer]:
    yield from pgservers.serve("18", pg_root)


@pytest.fixture(scope="session")
def pg15(pg_root: Path) -> Iterator[LocalServer]:
    yield from pgservers.serve("15", pg_root)


@pytest.fixture(params=pgservers.selected_majors(), ids=lambda major: f"pg{major}")
def pg(request: pytest.FixtureRequest) -> LocalServer:
    return request.getfixturevalue(f"pg{request.param}")


@pytest.fixture
def empty_db(pg: LocalServer) -> Iterator[str]:
    with scratch_database(pg.url()) as url:
        yield url


# ---------------------------------------------------------------------------------------


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> RunCli:
    """The CLI in-process (tests/clirunner.py): ``run_cli(*args, cwd=None, env=None) -> Run``."""
    return make_run_cli(monkeypatch, capsys)


# ---------------------------------------------------------------------------------------
# The `pg` marker: every test that needs a PostgreSQL server carries it, applied here from
# the fixtures it uses (directly or through other fixtures), so `pytest -m "not pg"` is the
# seconds-long loop without a server and nobody has to remember to mark a test by hand.
# ---------------------------------------------------------------------------------------
# (plus the fixtures that reach a server through request.getfixturevalue, invisible statically)
SERVER_FIXTURES = frozenset(
    {
        "pg_root", "pg", "pg15", "pg17", "pg18", "server_root", "scram_server", "drifted_live",
        "drift_setup", "own_server", "projects_root", "scram",
    }
)


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _fixture_caches() -> set[Path]:
    return set(FIXTURES.rglob(".schemactl"))


@pytest.fixture(scope="session", autouse=True)
def fixtures_stay_clean() -> Iterator[None]:
    """Tests run commands on copies (tmp_path): none may leave a cache in tests/fixtures/."""
    before = _fixture_caches()
    yield
    left = sorted(str(p.relative_to(FIXTURES)) for p in _fixture_caches() - before)
    assert not left, f"tests wrote caches into tests/fixtures/: {left}"


def pytest_configure(config: pytest.Config) -> None:
    markexpr = (config.getoption("markexpr", default="") or "").replace(" ", "")
    pgservers.SERVERS_FORBIDDEN = "notpg" in markexpr


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.pg)
