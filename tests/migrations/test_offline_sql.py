"""Offline SQL (``alembic upgrade/downgrade --sql``) runs in psql and does what online does
(issue 13 item 3).

The append-only trigger's ``RAISE '... % ...'`` used to come out as ``%%`` (psycopg's
paramstyle applied to text that is printed, not sent), and ``drop_enum_value`` asked a
connection that offline mode does not have. Here the whole offline upgrade of the repo's
migrations is applied with ``psql -v ON_ERROR_STOP=1``, ``schemactl diff`` must then find the
database in sync with schema.yaml, and the whole offline downgrade must leave nothing but
``alembic_version``. A generated project whose revisions add and remove an enum value (the
custom ops, incl. the type rebuild) makes the same round trip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from checkout import project_copy
from migration_helpers import CASES, REPO
from psqlrun import psql

from generator.migrate.revision import generate
from generator.pg.database import connect, scratch_database
from generator.pg.server import LocalServer
from generator.spec import load_spec


def offline_sql(root: Path, url: str, *args: str) -> str:
    """``alembic -x db=URL <args> --sql`` in ``root``: the script it prints."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SCHEMACTL_SPEC")}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-x", f"db={url}", *args, "--sql"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    return done.stdout


def leftovers(url: str) -> dict[str, list[str]]:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            q = conn.exec_driver_sql
            return {
                "relations": q("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                               "WHERE n.nspname = 'public' ORDER BY 1").scalars().all(),
                "types": q("SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                           "WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r', 'm') ORDER BY 1").scalars().all(),
                "functions": q("SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                               "WHERE n.nspname = 'public' ORDER BY 1").scalars().all(),
            }
    finally:
        engine.dispose()


def assert_base(url: str) -> None:
    found = leftovers(url)
    assert found["relations"] in ([], ["alembic_version", "alembic_version_pkc"]), found
    assert found["types"] == [] and found["functions"] == [], found


def test_offline_round_trip_of_the_repo_migrations(pg: LocalServer, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    with scratch_database(pg.url(), prefix="schemactl_offline") as url:
        up = offline_sql(REPO, url, "upgrade", "head")
        assert "%%" not in up  # the append-only guard's RAISE keeps its one placeholder
        psql(url, up)
        monkeypatch.chdir(project_copy())
        diff = run_cli("diff", "--db", url, "--dev-db", pg.url())
        assert diff.code == 0, diff.stdout + diff.stderr
        psql(url, offline_sql(REPO, url, "downgrade", "head:base"))
        assert_base(url)


def test_offline_round_trip_of_enum_value_ops(pg: LocalServer, new_project, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """add_enum_value, drop_enum_value (the type rebuild, with a default and a CHECK using the
    type), comments: every custom op of a generated project renders offline and runs in psql."""
    root = new_project()
    dev = pg.url()
    case = CASES / "enum_values_renamed_added_removed"
    for message, name in (("before", "before.yaml"), ("after", "after.yaml")):
        shutil.copyfile(case / name, root / "schema.yaml")
        assert generate(root, load_spec(root / "schema.yaml"), dev, message, allow_destructive=True,
                        data_proof=False).status == "written"
    case = CASES / "enum_value_removed_used_by_default_and_check"
    for message, name in (("before2", "before.yaml"), ("after2", "after.yaml")):
        shutil.copyfile(case / name, root / "schema.yaml")
        # removing a value the synthetic rows hold fails the data proof by design: the offline SQL is the subject here
        result = generate(root, load_spec(root / "schema.yaml"), dev, message, allow_destructive=True, data_proof=False)
        assert result.status in ("written", "no_changes")
    with scratch_database(dev, prefix="schemactl_offline") as url:
        up = offline_sql(root, url, "upgrade", "head")
        assert "DO $schemactl" in up  # the rebuild renders as one DO block, no connection needed
        psql(url, up)
        monkeypatch.chdir(root)
        diff = run_cli("diff", "--db", url, "--dev-db", dev)
        assert diff.code == 0, diff.stdout + diff.stderr
        psql(url, offline_sql(root, url, "downgrade", "head:base"))
        assert_base(url)
