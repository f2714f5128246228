from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pgservers
import pytest

from generator.database import scratch_database
from generator.server import LocalServer

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
