"""Issue 13.4: plain ``alembic revision --autogenerate`` gets the same sequential ids as
``schemactl generate`` (the next number), a Rollback: note, and an Unproven: paragraph in its
docstring (also said on stderr); the next ``schemactl generate`` warns that it chains onto an
unproven revision."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from checkout import copy_project
from migration_helpers import REPO
from project_facts import facts

from generator.migrate import api as migrate
from generator.migrate.env import unproven_revisions
from generator.pg.server import LocalServer

ALEMBIC = str(Path(sys.executable).with_name("alembic"))
NEW_COLUMN = '      serial_no: {type: text, comment: "Serial number."}\n'


@pytest.fixture
def changed_project(tmp_path: Path) -> Path:
    text = (REPO / "schema.yaml").read_text()
    anchor = '      axes: {type: smallint, nullable: false, comment: "Number of controlled axes (2..9)."}\n'
    assert anchor in text
    return copy_project(tmp_path / "proj", text.replace(anchor, anchor + NEW_COLUMN, 1))


def test_alembic_autogenerate_is_numbered_and_marked_unproven(run_cli, monkeypatch, changed_project: Path, pg: LocalServer, empty_db: str) -> None:
    migrate.upgrade(changed_project, empty_db, "head")
    env = dict(os.environ, SCHEMACTL_DEV_DATABASE_URL=pg.url("postgres"))
    result = subprocess.run(
        [ALEMBIC, "-x", f"db={empty_db}", "revision", "--autogenerate", "-m", "add machines serial"],
        cwd=changed_project, capture_output=True, text=True, timeout=300, env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    new = facts().next_revision  # the next sequential id after the committed head
    written = changed_project / "migrations" / "versions" / f"{new}_add_machines_serial.py"
    assert written.exists(), sorted(p.name for p in written.parent.iterdir())
    text = written.read_text()
    assert f"revision: str = '{new}'" in text
    assert f"down_revision: str | Sequence[str] | None = '{facts().head}'" in text
    assert "\nUnproven: written by `alembic revision --autogenerate`" in text
    assert "\nRollback: it drops column(s) machines.serial_no" in text
    assert "op.add_column('machines'" in text
    assert f"warning: revision {new} is unproven" in result.stderr
    assert unproven_revisions(changed_project) == [written.name]
    assert unproven_revisions(REPO) == []

    monkeypatch.chdir(changed_project)
    check = run_cli("generate", "--check", "--dev-db", pg.url("postgres"))
    assert check.code == 0, check.stderr  # the new revision brings the head to the spec
    assert f"{new}_add_machines_serial.py is marked Unproven" in check.stderr.replace("\n", " ")


def test_rev_id_still_wins(changed_project: Path, pg: LocalServer, empty_db: str) -> None:
    migrate.upgrade(changed_project, empty_db, "head")
    env = dict(os.environ, SCHEMACTL_DEV_DATABASE_URL=pg.url("postgres"))
    result = subprocess.run(
        [ALEMBIC, "-x", f"db={empty_db}", "revision", "--autogenerate", "-m", "mine", "--rev-id", "abc1"],
        cwd=changed_project, capture_output=True, text=True, timeout=300, env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (changed_project / "migrations" / "versions" / "abc1_mine.py").exists()
