"""Running the CLI in-process for the acceptance tests (the fixtures are in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    """One CLI run: exit code and what it printed."""

    code: int
    stdout: str
    stderr: str
