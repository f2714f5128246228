"""`schemactl diff` never writes to the live database, and always drops its scratch database.

Never writes, shown three ways on a server of its own (no autovacuum, nothing else running):
- the server's transaction counter does not move during the diff: no session on it got a
  transaction id, which any write (DDL, DML, even a temporary table) needs;
- the schema and the catalog counters are the same before and after;
- a role that may only connect (no table privileges, no TEMP, no CREATE; it owns nothing)
  gets the same diff as the superuser.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from checkout import project_copy
from drift_corpus import execute, load_cases, upgraded_database
from drift_helpers import (
    PASSWORD,
    cached_specs,
    drop_cached_specs,
    execute_autocommit,
    scratch_databases,
    with_password,
)

import generator.drift.engine
from generator.drift.engine import connect_read_only, snapshot_of
from generator.pg.database import with_database
from generator.pg.server import LocalServer

# the console script as a terminal's foreground command gets Ctrl-C, whatever this test
# process inherited (a background job of a script starts with SIGINT ignored, which the
# command then keeps: cli/interrupts.py)
FOREGROUND = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from cli.entry import run; run()"
)
XMAX = "SELECT pg_snapshot_xmax(pg_current_snapshot())::text"


@pytest.fixture(scope="module")
def drifted_live(scram17: LocalServer):
    """A database at head with one drift (an extra column), on the dedicated server, and a
    role that may only connect to it."""
    admin = with_password(scram17.url())
    case = next(c for c in load_cases() if c.name == "extra_column")
    with upgraded_database(admin, prefix="drift_live") as url:
        execute(url, case.sql)
        database = url.rsplit("/", 1)[1]
        execute_autocommit(
            url,
            "DROP ROLE IF EXISTS drift_reader",
            f"CREATE ROLE drift_reader LOGIN PASSWORD '{PASSWORD}'",
            f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC',
            f'GRANT CONNECT ON DATABASE "{database}" TO drift_reader',
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        )
        try:
            yield url
        finally:
            execute_autocommit(url, "DROP OWNED BY drift_reader", "DROP ROLE drift_reader")


def _xmax(url: str) -> str:
    return execute_autocommit(url, XMAX)[0][0]


@pytest.mark.parametrize("user", ["postgres", "drift_reader"])
def test_diff_never_writes_to_the_live_database(
    run_cli, scram17: LocalServer, drifted_live: str, pg18: LocalServer, user: str
) -> None:
    live = with_database(with_password(scram17.url(), user=user), drifted_live.rsplit("/", 1)[1])
    before_schema, before_xmax = snapshot_of(drifted_live), _xmax(drifted_live)
    result = run_cli("diff", "--db", live, "--dev-db", pg18.url(), "--format", "json")
    assert result.code == 2, result.output
    report = json.loads(result.stdout)
    assert [(c["kind"], c["name"], c["action"]) for c in report["changes"]] == [
        ("column", "users.nickname", "removed")
    ]
    assert report["server_versions"] == {"database": "17.6", "dev": "18.6"}
    assert _xmax(drifted_live) == before_xmax, (
        "a session on the live server was given a transaction id"
    )
    assert snapshot_of(drifted_live) == before_schema
    assert PASSWORD not in result.output


def test_the_live_session_is_read_only(drifted_live: str) -> None:
    engine = connect_read_only(drifted_live)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW default_transaction_read_only").scalar_one() == "on"
            with pytest.raises(Exception, match="read-only transaction"):
                conn.exec_driver_sql("CREATE TEMP TABLE t (x int)")
    finally:
        engine.dispose()


def test_read_only_keeps_options_from_the_url(drifted_live: str) -> None:
    engine = connect_read_only(drifted_live + "?options=-c%20search_path%3Dpg_catalog")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW search_path").scalar_one() == "pg_catalog"
            assert conn.exec_driver_sql("SHOW default_transaction_read_only").scalar_one() == "on"
    finally:
        engine.dispose()


@pytest.mark.parametrize(("error", "code", "message"), [
    (RuntimeError("boom"), 1, "error: internal error: RuntimeError: boom"),
    (KeyboardInterrupt(), 130, "error: interrupted"),
])
def test_scratch_database_is_dropped_when_building_the_spec_fails(
    run_cli,
    monkeypatch: pytest.MonkeyPatch,
    pg: LocalServer,
    head: str,
    error: BaseException,
    code: int,
    message: str,
) -> None:
    seen: list[str] = []

    def failing(scratch_url: str, *_args) -> None:
        seen.append(scratch_url.rsplit("/", 1)[1])
        assert seen[0] in scratch_databases(pg.url())
        raise error

    drop_cached_specs(pg.url())  # else the spec is not built: its cached database is used
    monkeypatch.setattr(generator.drift.engine, "_build_spec", failing)
    result = run_cli("diff", "--db", head, "--dev-db", pg.url())
    assert result.code == code
    assert message in result.stderr
    assert seen and seen[0].startswith("schemactl_building_spec_")  # the store's unfinished build
    assert not scratch_databases(pg.url())
    assert not cached_specs(pg.url()), "a spec database that failed to build was published"


def _interrupt_a_diff_while_it_builds(pg: LocalServer, head: str) -> tuple[int, str] | None:
    """Start `schemactl diff` (its cached spec database dropped first, so it builds the spec
    in a scratch database) and send SIGINT once that database exists. (exit code, stderr), or
    None when the diff finished before the scratch database was seen."""
    drop_cached_specs(pg.url())
    # and the spec's fingerprint remembered by an earlier diff in this worker's project copy:
    # with it a diff can answer "no drift" without building anything (generator.pg.fingerprint)
    from generator.drift.spec_fingerprint import FILE

    for remembered in (project_copy() / ".schemactl").glob(f"**/{FILE}"):
        remembered.unlink()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SCHEMACTL_DEV_DATABASE_URL")
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", FOREGROUND, "diff", "--db", head, "--dev-db", pg.url()],
        cwd=project_copy(), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    seen: set[str] = set()
    deadline = time.monotonic() + 60
    try:
        while proc.poll() is None and not seen and time.monotonic() < deadline:
            seen = scratch_databases(pg.url())
            time.sleep(0.01)
        if not seen or proc.poll() is not None:  # a scratch database of another worker's test, seen after ours ended
            proc.communicate(timeout=60)
            return None
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    if proc.returncode == 0:  # it finished before the signal could act (the database seen was not its own)
        return None
    return proc.returncode, err


def test_ctrl_c_drops_the_scratch_database(pg: LocalServer, head: str) -> None:
    """A real SIGINT to a real `schemactl diff` process while its scratch database exists
    (the spec being built: its cached database was dropped first)."""
    for _attempt in range(5):  # the build takes ~0.4 s and is polled every 10 ms
        outcome = _interrupt_a_diff_while_it_builds(pg, head)
        if outcome is not None:
            break
    else:
        pytest.skip(
            "in 5 attempts the diff finished before its scratch database was seen; nothing to interrupt"
        )
    code, err = outcome
    assert code == 130, err
    assert "error: interrupted" in err and "Traceback" not in err
    assert not scratch_databases(pg.url())
    # only a complete build is ever published (an interrupt after the publish keeps it)
    assert all(c.startswith("schemactl cache; kind=spec; key=") for c in cached_specs(pg.url()).values())


def test_live_and_dev_on_the_same_server_is_fine(run_cli, pg: LocalServer, head: str) -> None:
    """The usual local setup: the dev server is the live database's server."""
    result = run_cli(
        "diff", "--db", head, "--dev-db", with_database(pg.url(), "postgres"), "-f", "json"
    )
    assert result.code == 0, result.output
