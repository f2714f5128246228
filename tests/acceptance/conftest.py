"""Fixtures of the acceptance suites: the CLI in-process (``run_cli``) and the repo as cwd."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cli_runner import REPO, Run
from rich.console import Console

import cli.output
from cli.main import main


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the CLI in-process with fresh output streams; returns exit code, stdout and stderr."""
    monkeypatch.delenv("SCHEMACTL_SPEC", raising=False)
    monkeypatch.delenv("SCHEMACTL_DEBUG", raising=False)

    def run(*args: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(
            cli.output.OUT, "stdout", Console(file=out, highlight=False, soft_wrap=True)
        )
        monkeypatch.setattr(
            cli.output.OUT, "stderr", Console(file=err, highlight=False, soft_wrap=True)
        )
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, out.getvalue() + captured.out, err.getvalue() + captured.err)

    return run


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)
    return REPO
