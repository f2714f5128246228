"""The one in-process CLI runner of the test suites (the ``run_cli`` fixture in conftest.py).

``run_cli(*args, cwd=None, env=None)`` runs ``schemactl *args`` with fresh output streams and
returns a :class:`Run`. ``cwd`` changes the working folder for the rest of the test, ``env``
sets (value) or unsets (None) environment variables for the rest of the test. The fixture
unsets the variables that would make a run depend on the developer's shell (``CLEAN_ENV``).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

REPO = Path(__file__).resolve().parents[1]

# Read by the CLI when present; a developer's shell must not change what a test sees.
CLEAN_ENV = ("SCHEMACTL_SPEC", "SCHEMACTL_DEBUG", "DATABASE_URL", "SCHEMACTL_DEV_DATABASE_URL")


@dataclass
class Run:
    """One CLI run: exit code and what it printed."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


RunCli = Callable[..., Run]


def make_run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> RunCli:
    import cli.output
    from cli.main import main

    for name in CLEAN_ENV:
        monkeypatch.delenv(name, raising=False)

    def run(
        *args: str, cwd: Path | None = None, env: Mapping[str, str | None] | None = None
    ) -> Run:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        for name, value in (env or {}).items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
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
