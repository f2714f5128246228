"""The checkout the suite runs from, and keeping it clean.

Commands run in a project keep state in its git-ignored ``.schemactl/`` (the spec caches in
``cache/``, scratch folders in ``tmp/``, ``generate.lock``). A test that runs a command with
the checkout as its project would leave that state in the developer's checkout, and tests run
in parallel (pytest-xdist) would share it. So tests run commands on a copy of the project
(:func:`copy_project`, or the ``repo_copy`` fixture in conftest.py), and the autouse fixture
``checkout_stays_clean`` fails a test that created or changed anything under the checkout's
``.schemactl/`` (its ``dist/``, where scripts/install-pg17.sh puts PostgreSQL 17.6, and the
embedded server's ``pg18/``, which a developer may be running, are not watched).
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

import pgservers

REPO = Path(__file__).resolve().parents[1]
STATE = REPO / ".schemactl"
UNWATCHED = frozenset({"dist", "pg18", "bench"})  # bench: bench/run.py's own projects and servers


def copy_project(root: Path, spec_text: str | None = None) -> Path:
    """A copy of the repo's project at ``root`` (schema.yaml, seeds.yaml, alembic.ini and the
    committed migrations); ``spec_text`` replaces its schema.yaml."""
    root.mkdir(parents=True)
    for name in ("schema.yaml", "seeds.yaml", "alembic.ini"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(
        REPO / "migrations", root / "migrations", ignore=shutil.ignore_patterns("__pycache__")
    )
    if spec_text is not None:
        (root / "schema.yaml").write_text(spec_text)
    return root


@functools.cache
def project_copy() -> Path:
    """This process's copy of the repo's project (made on first use, removed at exit): the
    working folder of tests that run commands "in the repository". Commands may keep their
    caches there; tests must not change its files. World-traversable, like the server roots
    (as root the servers run as ``postgres``); a killed run's copy is swept like its server
    roots (``pgservers.sweep_stale_roots``)."""
    root = Path(tempfile.mkdtemp(prefix=f"{pgservers.ROOT_PREFIX}repo-"))
    atexit.register(shutil.rmtree, root, True)
    os.chmod(root, 0o755)
    (root / pgservers.OWNER_FILE).write_text(f"{os.getpid()}\n")
    return copy_project(root / "project")


def state_snapshot() -> dict[str, tuple[int, int]]:
    """(mtime, size) of every path under the checkout's ``.schemactl/`` that tests must not
    touch, by path relative to the checkout."""
    found: dict[str, tuple[int, int]] = {}
    if not STATE.is_dir():
        return found
    for top in STATE.iterdir():
        if top.name in UNWATCHED:
            continue
        paths = [top, *top.rglob("*")] if top.is_dir() else [top]
        for path in paths:
            try:
                stat = path.stat()
            except OSError:  # removed meanwhile
                continue
            found[str(path.relative_to(REPO))] = (stat.st_mtime_ns, stat.st_size)
    return found


def state_changes(before: dict[str, tuple[int, int]]) -> list[str]:
    """Paths under the checkout's ``.schemactl/`` created or changed since ``before``."""
    after = state_snapshot()
    return sorted(path for path, stamp in after.items() if before.get(path) != stamp)
