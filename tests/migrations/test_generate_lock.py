"""Issue 13.12: two ``schemactl generate`` at once in one checkout both wrote revision 0009
with down_revision 0008 (two heads). A lock on the migrations folder (.schemactl/generate.lock)
makes the second wait; it then starts from the first one's revision."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from checkout import copy_project, project_copy
from migration_helpers import REPO
from project_facts import facts

from generator.migrate import api as migrate
from generator.pg.server import LocalServer

SCHEMACTL = str(Path(sys.executable).with_name("schemactl"))


@pytest.fixture
def changed_project(tmp_path: Path) -> Path:
    text = (REPO / "schema.yaml").read_text()
    anchor = '      axes: {type: smallint, nullable: false, comment: "Number of controlled axes (2..9)."}\n'
    assert anchor in text
    return copy_project(tmp_path / "proj", text.replace(anchor, anchor + '      serial_no: {type: text, comment: "Serial."}\n', 1))


def _wait_for(path: Path, text: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text():
            return
        assert proc.poll() is None, path.read_text()
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in {path.read_text()!r}")


def _start(changed_project: Path, pg: LocalServer, tmp_path: Path, name: str) -> tuple[subprocess.Popen, Path]:
    env = dict(os.environ, SCHEMACTL_DEV_DATABASE_URL=pg.url("postgres"))
    env.pop("SCHEMACTL_SPEC", None)
    err = tmp_path / f"{name}.err"
    proc = subprocess.Popen(
        [SCHEMACTL, "generate", "-m", f"serial {name}", "-f", "json"],
        cwd=changed_project, env=env, stdout=subprocess.PIPE, stderr=err.open("w"), text=True,
    )
    return proc, err


def test_two_generates_started_together_make_one_head(changed_project: Path, pg: LocalServer, tmp_path: Path) -> None:
    """Before: both planned on 0008 and both wrote a revision 0009 (Alembic then refuses the chain)."""
    procs = [_start(changed_project, pg, tmp_path, name) for name in ("first", "second")]
    _one_written_one_head(procs, changed_project)


def test_the_second_generate_waits_for_the_lock(changed_project: Path, pg: LocalServer, tmp_path: Path) -> None:
    from generator.project import migrations_lock

    procs: list[tuple[subprocess.Popen, Path]] = []
    # the test holds the lock while both start, so both must wait, then run one after the other
    with migrations_lock(changed_project):
        for name in ("first", "second"):
            proc, err = _start(changed_project, pg, tmp_path, name)
            procs.append((proc, err))
            _wait_for(err, "waiting: another schemactl generate", proc)
    _one_written_one_head(procs, changed_project)


def _one_written_one_head(procs: list[tuple[subprocess.Popen, Path]], changed_project: Path) -> None:
    outputs = []
    for proc, err in procs:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.read_text()
        outputs.append(out)
    import json

    statuses = sorted(json.loads(out)["status"] for out in outputs)
    assert statuses == ["no_changes", "written"], outputs
    nxt = facts().next_revision  # the id after the committed head
    new = sorted(p.name for p in (changed_project / "migrations" / "versions").glob(f"{nxt}_*.py"))
    assert len(new) == 1, new
    assert migrate.single_head(changed_project) == nxt


def test_check_takes_no_lock(run_cli, monkeypatch, pg: LocalServer) -> None:
    """generate --check writes nothing: it runs while a writer holds the lock."""
    from generator.project import migrations_lock

    project = project_copy()
    monkeypatch.chdir(project)
    with migrations_lock(project):
        result = run_cli("generate", "--check", "--dev-db", pg.url("postgres"))
    assert result.code == 0, result.stderr
    assert "waiting" not in result.stderr
