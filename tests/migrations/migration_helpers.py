"""Helpers shared by the migration suites (the fixtures are in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from checkout import copy_project  # noqa: F401  (the migration suites import it from here)

from generator.pg.database import connect, scratch_database

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "fixtures" / "generate"


def revision_files(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "migrations" / "versions").glob("*.py"))


def spec_snapshot_factory(dev_url: str, root: Path = REPO) -> Callable[[], object]:
    """Autogenerate's target for env.py: the spec built in a scratch database on ``dev_url``
    (instead of env.py's default, a scratch database on the embedded server)."""

    def factory():
        from generator.drift.materialize import materialize
        from generator.pg.catalog import read_snapshot
        from generator.spec import load_spec

        with scratch_database(dev_url, prefix="schemactl_alembic_target") as url:
            engine = connect(url)
            try:
                with engine.begin() as conn:
                    materialize(conn, load_spec(root / "schema.yaml"))
                with engine.connect() as conn:
                    return read_snapshot(conn)
            finally:
                engine.dispose()

    return factory
