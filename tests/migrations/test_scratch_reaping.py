"""Issue 13.13: a killed `generate` leaves no scratch database or folder for good.

Scratch names carry their owner (pid, host, time: generator.pg.scratch); the next run, and
`db clear-cache`, reap those whose run is gone, and clear-cache lists those still in use. The
main test SIGKILLs a real `schemactl generate` while its scratch databases exist."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from migration_helpers import REPO

from generator.pg import scratch
from generator.pg.database import connect, scratch_database
from generator.pg.server import LocalServer


def databases(pg: LocalServer, like: str = "schemactl_%") -> set[str]:
    engine = connect(pg.url("postgres"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": like})
            return set(rows.scalars())
    finally:
        engine.dispose()


def create(pg: LocalServer, name: str) -> None:
    engine = connect(pg.url("postgres"), autocommit=True)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def stamp(seconds_ago: float = 0) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() - seconds_ago))


# ------------------------------------------------------------------------------ the rules


def test_who_is_gone() -> None:
    me, here, other = os.getpid(), scratch.host_id(), "0" * 6 if scratch.host_id() != "0" * 6 else "1" * 6
    assert not scratch.abandoned(f"schemactl_head_{stamp()}_p{me}_{here}_abcd")  # this run
    assert scratch.abandoned(f"schemactl_head_{stamp()}_p{dead_pid()}_{here}_abcd")  # a dead run here
    assert not scratch.abandoned(f"schemactl_head_{stamp()}_p{dead_pid()}_{other}_abcd")  # another host: by age
    assert scratch.abandoned(f"schemactl_head_{stamp(7200)}_p{dead_pid()}_{other}_abcd")
    assert scratch.abandoned(f"schemactl_head_{stamp(7200)}_0123abcd")  # an older name: by age
    assert not scratch.abandoned(f"schemactl_head_{stamp()}_0123abcd")
    assert not scratch.abandoned("schemactl_head_by_hand")  # no stamp: never ours to reap
    # a pid reused by a process that started after the database was made is not its owner
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        if scratch.process_start(child.pid) is not None:
            assert scratch.abandoned(f"schemactl_head_{stamp(600)}_p{child.pid}_{here}_abcd")
        assert not scratch.abandoned(f"schemactl_head_{stamp()}_p{child.pid}_{here}_abcd") or scratch.process_start(child.pid) is None
    finally:
        child.kill()
        child.wait()


def test_a_scratch_name_names_its_owner() -> None:
    name = scratch.database_name("schemactl_building_spec")
    owner = scratch.owner_of(name)
    assert len(name.encode()) <= 63 and owner is not None
    assert owner.pid == os.getpid() and owner.host == scratch.host_id() and abs(owner.stamp - time.time()) < 5


def test_the_next_scratch_database_reaps_those_of_dead_runs(pg: LocalServer) -> None:
    here = scratch.host_id()
    other = "0" * 6 if here != "0" * 6 else "1" * 6
    dead = f"schemactl_prev_{stamp()}_p{dead_pid()}_{here}_beef"
    remote = f"schemactl_prev_{stamp()}_p{dead_pid()}_{other}_beef"  # another CI machine's run, young
    for name in (dead, remote):
        create(pg, name)
    try:
        with scratch_database(pg.url("postgres"), prefix="schemactl_head") as url:
            left = databases(pg)
            assert dead not in left and remote in left
            assert url.rsplit("/", 1)[1] in left
    finally:
        engine = connect(pg.url("postgres"), autocommit=True)
        with engine.connect() as conn:
            for name in (dead, remote):
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()


# ------------------------------------------------------------------ SIGKILL a real generate


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repo's project whose spec needs a new revision (users.nickname)."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(REPO / "migrations", root / "migrations", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("alembic.ini", "seeds.yaml"):
        shutil.copyfile(REPO / name, root / name)
    spec = (REPO / "schema.yaml").read_text()
    anchor = '      display_name: {type: text, comment: "Name shown in the UI."}\n'
    assert anchor in spec
    (root / "schema.yaml").write_text(spec.replace(anchor, anchor + '      nickname: {type: text, comment: "x"}\n'))
    return root


def test_sigkill_during_generate_is_reaped_by_clear_cache(project: Path, pg: LocalServer, run_cli) -> None:
    before = databases(pg)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SCHEMACTL_DEV_DATABASE_URL", "SCHEMACTL_SPEC")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli.entry import run; run()", "generate", "-m", "nickname", "--dev-db", pg.url("postgres")],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    tmp = project / ".schemactl" / "tmp"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:  # until its scratch databases and folder exist
            left = databases(pg) - before
            if any(n.startswith("schemactl_prev_") for n in left) and tmp.is_dir() and any(tmp.iterdir()):
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        else:
            pytest.fail("generate never made its scratch databases")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    leftovers = {n for n in databases(pg) - before if n.startswith(("schemactl_head_", "schemactl_prev_"))}
    folders = list(tmp.iterdir())
    assert leftovers and folders, "SIGKILL left nothing to reap"
    assert all(scratch.owner_of(n) and scratch.owner_of(n).pid == proc.pid for n in leftovers)

    result = run_cli("--spec", str(project / "schema.yaml"), "db", "clear-cache", "--dev-db", pg.url("postgres"))
    assert result.code == 0, result
    for name in leftovers:
        assert f"dropped {name} (left by a run that is gone)" in result.stdout
    assert not (leftovers & databases(pg))
    assert list(tmp.iterdir()) == [] and "removed " in result.stdout
    assert not list(Path("/tmp").glob(f"schemactl-rev-*p{proc.pid}*"))


def test_clear_cache_lists_and_keeps_scratch_databases_of_running_runs(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    (tmp_path / "schema.yaml").write_text("version: 1\n")
    with scratch_database(pg.url("postgres"), prefix="schemactl_head") as url:
        name = url.rsplit("/", 1)[1]
        result = run_cli("--spec", str(tmp_path / "schema.yaml"), "db", "clear-cache", "--dev-db", pg.url("postgres"))
        assert result.code == 0, result
        assert f"kept {name} (its run is still going)" in result.stdout
        assert name in databases(pg)
