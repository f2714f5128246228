"""Fixtures of the acceptance suites: a copy of the repo's project as cwd (``run_cli`` is in
tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch, repo_copy: Path) -> Path:
    """The repo's project as cwd: its copy (tests/checkout.py), so caches stay out of the checkout."""
    monkeypatch.chdir(repo_copy)
    return repo_copy
