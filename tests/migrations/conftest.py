"""Fixtures for the migration suites: scratch projects, the CLI in-process, pytest-alembic.

- ``new_project``    - a fresh project folder (alembic.ini, migrations/ with env.py,
                       script.py.mako and an empty versions/) under a world-traversable root
- ``run_cli``        - ``cli.main.main([...])`` with captured stdout/stderr and exit code
- ``alembic_config`` - pytest-alembic's configuration: the repo's alembic.ini, with the
  ``alembic_engine``   spec built in a scratch database on ``pg`` as autogenerate's target;
                       the engine is a scratch database on ``pg``, handed to migrations/env.py
                       by pytest-alembic in ``config.attributes["connection"]``
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pgservers
import pytest
import sqlalchemy as sa
from migration_helpers import REPO, spec_snapshot_factory

from generator.pg.database import connect
from generator.pg.server import LocalServer

# ------------------------------------------------------------------------------ projects


@pytest.fixture(scope="session")
def projects_root() -> Iterator[Path]:
    """One world-traversable folder per session (as root, the servers run as ``postgres``)."""
    root = pgservers.make_root()
    yield root
    pgservers.remove_root(root)


@pytest.fixture
def new_project(projects_root: Path, request: pytest.FixtureRequest) -> Callable[[], Path]:
    """Make project folders: the repo's alembic.ini and migrations/ minus its revisions."""
    made: list[Path] = []

    def make() -> Path:
        name = f"{request.node.name}-{len(made)}".replace("/", "_").replace("[", "-").strip("]")
        root = projects_root / "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        (root / "migrations" / "versions").mkdir(parents=True)
        os.chmod(root, 0o755)
        shutil.copy(REPO / "alembic.ini", root / "alembic.ini")
        for name in ("env.py", "script.py.mako"):
            shutil.copy(REPO / "migrations" / name, root / "migrations" / name)
        made.append(root)
        return root

    yield make
    for root in made:
        shutil.rmtree(root, ignore_errors=True)


# ------------------------------------------------------------------------ pytest-alembic


@pytest.fixture
def alembic_config(pg: LocalServer):
    from generator.migrate import api as migrate

    config = migrate.alembic_config(REPO)
    config.attributes["target_snapshot_factory"] = spec_snapshot_factory(pg.url("postgres"))
    return config


@pytest.fixture
def alembic_engine(empty_db: str) -> Iterator[sa.Engine]:
    engine = connect(empty_db)
    try:
        yield engine
    finally:
        engine.dispose()
