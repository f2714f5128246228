"""Where the project is, and the lock that serialises writers of its migrations folder.

A project root is a folder that holds ``schema.yaml``, or ``alembic.ini`` beside a
``migrations/`` folder. Commands find it as git finds ``.git``: the working directory, then
each parent in turn. ``--project DIR`` names it; ``--spec FILE`` makes the spec file's folder
the root. Everything schemactl reads or keeps (migrations/, alembic.ini, seeds.yaml,
.schemactl/) is resolved from the root, never from the working directory, and nothing is
created (no server, no cache) outside a project.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.errors import ConfigError

SPEC_NAME = "schema.yaml"
LOCK_NAME = "generate.lock"
NOT_A_PROJECT_HINT = "cd into the project (the folder with schema.yaml), or pass --project DIR"


@dataclass(frozen=True)
class Project:
    root: Path  # absolute
    spec: Path  # the spec file (as given, or root/schema.yaml)


def is_project(folder: Path) -> bool:
    """True when ``folder`` holds schema.yaml, or alembic.ini beside migrations/."""
    # lexists: a schema.yaml that cannot be read (a folder, a symlink loop, a dangling link) is
    # still this project's, and loading it says why (Path.exists() is False for a loop)
    return os.path.lexists(folder / SPEC_NAME) or (
        (folder / "alembic.ini").is_file() and (folder / "migrations").is_dir()
    )


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that is a project, or None."""
    here = start.absolute()
    for folder in (here, *here.parents):
        if is_project(folder):
            return folder
    return None


def locate(spec: Path | None = None, project: Path | None = None, cwd: Path | None = None) -> Project:
    """The project for the options given: ``--project`` first, then ``--spec`` (its folder),
    then a walk up from ``cwd``. Raises ConfigError outside any project."""
    cwd = (cwd or Path.cwd()).absolute()
    if project is not None:
        root = (cwd / project).absolute()
        if not root.is_dir():
            raise ConfigError(f"--project {project}: no such folder", NOT_A_PROJECT_HINT)
        if not is_project(root):
            raise ConfigError(
                f"--project {project}: not a schemactl project (no {SPEC_NAME}, no alembic.ini with migrations/)",
                "pass the folder that holds schema.yaml",
            )
        return Project(root, spec if spec is not None else root / SPEC_NAME)
    if spec is not None:
        return Project((cwd / spec).absolute().parent, spec)
    root = find_root(cwd)
    if root is None:
        raise ConfigError(
            f"not inside a schemactl project: no {SPEC_NAME} in {_shown(cwd)} or any folder above it",
            NOT_A_PROJECT_HINT,
        )
    return Project(root, root / SPEC_NAME)


def _shown(path: Path) -> str:
    home = Path.home()
    try:
        return "~/" + str(path.relative_to(home)) if path != home else "~"
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- the lock


@contextlib.contextmanager
def migrations_lock(root: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on the project's migrations folder (``.schemactl/generate.lock``,
    fcntl.flock) while a revision is planned, numbered and written: a second ``generate`` in
    the same checkout waits, then chains onto the first one's revision instead of writing a
    second revision with the same number and parent (two heads). ``on_wait`` is called once if
    the lock is busy, before waiting. The kernel releases the lock when the process dies."""
    import fcntl

    folder = Path(root) / ".schemactl"
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
