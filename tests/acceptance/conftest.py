"""Fixtures of the acceptance suites: the repo as cwd (``run_cli`` is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from clirunner import REPO


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)
    return REPO
