"""import --baseline copies alembic.ini, env.py and the revision template into a new project
from the package (generator/adopt/scaffold/, shipped in the wheel). They are copies of this
project's own files: a change to one that is not made to the other fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.adopt.baseline import SCAFFOLD

REPO = Path(__file__).resolve().parents[2]
PACKAGED = REPO / "generator" / "adopt" / "scaffold"


@pytest.mark.parametrize("rel", SCAFFOLD)
def test_the_packaged_scaffold_is_the_projects_own(rel: str) -> None:
    assert (PACKAGED / Path(rel).name).read_bytes() == (REPO / rel).read_bytes()
