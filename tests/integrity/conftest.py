"""Fixtures of the integrity suite (constraints, FK actions, dump/restore, deploy faults, query
plans, model parity), every test on a database upgraded to head through migrations/.

- ``pg`` is overridden here with module scope (same servers and ids as tests/conftest.py), so a
  module's databases are made once per server instead of once per test.
- ``head_template``: per server, one database upgraded to head through the migrations (made
  on first use, dropped at session end); the databases below are copies of it
  (CREATE DATABASE ... TEMPLATE: a fraction of a second instead of an upgrade).
- ``head_url``: a database at head per module and server. Tests must not change it for good:
  use ``conn`` (a transaction rolled back afterwards) or a private copy, ``head_clone``.
- ``conn``: a fresh connection (no pooling, so no session setting leaks between tests) inside a
  transaction that is rolled back; ``rows``: the row factory on it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pgservers
import pytest
import sqlalchemy as sa
from integrity_support import REPO, RowFactory
from sqlalchemy.pool import NullPool

from generator.migrate.api import upgrade
from generator.pg.database import scratch_database
from generator.pg.server import LocalServer


@pytest.fixture(scope="module", params=pgservers.selected_majors(), ids=lambda major: f"pg{major}")
def pg(request: pytest.FixtureRequest) -> LocalServer:
    return request.getfixturevalue(f"pg{request.param}")


@contextlib.contextmanager
def _template(server: LocalServer) -> Iterator[str]:
    with scratch_database(server.url(), prefix="integrity_template") as url:
        upgrade(REPO, url)
        yield sa.engine.make_url(url).database


# One template per server, each torn down before its server stops.
@pytest.fixture(scope="session")
def head_template15(pg15: LocalServer) -> Iterator[str]:
    with _template(pg15) as name:
        yield name


@pytest.fixture(scope="session")
def head_template17(pg17: LocalServer) -> Iterator[str]:
    with _template(pg17) as name:
        yield name


@pytest.fixture(scope="session")
def head_template18(pg18: LocalServer) -> Iterator[str]:
    with _template(pg18) as name:
        yield name


@pytest.fixture(scope="module")
def head_template(request: pytest.FixtureRequest, pg: LocalServer) -> str:
    """Name of the database at head on ``pg`` that the suite's databases are copied from."""
    return request.getfixturevalue(f"head_template{pg.version().split('.')[0]}")


@pytest.fixture(scope="module")
def head_url(pg: LocalServer, head_template: str) -> Iterator[str]:
    with scratch_database(pg.url(), prefix="integrity_head", template=head_template) as url:
        yield url


@pytest.fixture
def head_clone(pg: LocalServer, head_template: str) -> Iterator[str]:
    """A private database at head for one test."""
    with scratch_database(pg.url(), prefix="integrity_head", template=head_template) as url:
        yield url


@pytest.fixture(scope="module")
def head_engine(head_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(head_url, poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def conn(head_engine: sa.Engine) -> Iterator[sa.Connection]:
    with head_engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture
def rows(conn: sa.Connection) -> RowFactory:
    return RowFactory(conn)
