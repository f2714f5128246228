"""A scratch copy of the repository's project, for the suites that run commands on one."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def copy_project(root: Path, spec_text: str) -> Path:
    """A copy of the repo's project at ``root`` (seeds, alembic.ini, the committed migrations)
    whose schema.yaml is ``spec_text``."""
    root.mkdir()
    for name in ("seeds.yaml", "alembic.ini"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "migrations", root / "migrations", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "schema.yaml").write_text(spec_text)
    return root
