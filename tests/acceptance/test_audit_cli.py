"""`schemactl audit verify` in-process: exit 0 intact, 2 broken (naming the row), 1 error."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from clirunner import Run
from sqlalchemy.engine import Engine, make_url
from test_audit import fill, make_schema_db, tamper

from cadb.audit import Scope


@pytest.fixture
def db(empty_db: str) -> Iterator[tuple[str, Engine]]:
    engine = make_schema_db(empty_db)
    try:
        yield empty_db, engine
    finally:
        engine.dispose()


def test_an_intact_table_exits_0_with_counts_per_scope(run_cli, db) -> None:
    url, engine = db
    fill(engine, Scope("job", "j-1"), 3)
    fill(engine, Scope("system", "global"), 1)
    result = run_cli("audit", "verify", "--db", url)
    assert result.code == 0, result
    assert result.stdout.splitlines() == ["ok      job:j-1  3 rows", "ok      system:global  1 row"]
    err = result.stderr.splitlines()
    assert err[0].startswith("database: postgresql+psycopg://postgres@127.0.0.1:") and err[0].endswith("(from --db)")
    assert re.fullmatch(r"intact: 2 scopes, 4 rows in \d+\.\d\d s( \(.* rows/s\))?", err[1]), err


def test_a_tampered_row_exits_2_naming_it(run_cli, db) -> None:
    url, engine = db
    ids = fill(engine, Scope("job", "j-1"), 3)
    fill(engine, Scope("system", "global"), 2)
    tamper(engine, "UPDATE audit_logs SET payload = '{\"n\": 7}' WHERE id = :id", id=ids[1])
    result = run_cli("audit", "verify", "--db", url)
    assert result.code == 2, result
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"BROKEN  job:j-1  3 rows, 1 broken; first broken row id {ids[1]}: hash mismatch: "
                               "chain_hash does not match the row's content: a field was changed")
    assert lines[1] == "ok      system:global  2 rows"
    assert result.stderr.splitlines()[1].startswith("broken: 1 of 2 scopes, 5 rows in ")


def test_json_output(run_cli, db) -> None:
    url, engine = db
    ids = fill(engine, Scope("job", "j-1"), 2)
    result = run_cli("audit", "verify", "--db", url, "--format", "json")
    assert result.code == 0
    report = json.loads(result.stdout)
    assert (report["status"], report["scopes_checked"], report["rows_checked"], report["broken_scopes"]) == ("intact", 1, 2, 0)
    [scope] = report["scopes"]
    assert scope["scope"] == "job:j-1" and scope["head_id"] == ids[-1] and scope["first_broken"] is None
    assert re.fullmatch("[0-9a-f]{64}", scope["head_hash"])

    tamper(engine, "DELETE FROM audit_logs WHERE id = :id", id=ids[0])
    broken = json.loads(run_cli("audit", "verify", "--db", url, "-f", "json").stdout)
    assert broken["status"] == "broken" and broken["broken_scopes"] == 1
    assert broken["scopes"][0]["first_broken"]["id"] == ids[1]
    assert broken["scopes"][0]["first_broken"]["kind"] == "gap"


def test_one_scope(run_cli, db) -> None:
    url, engine = db
    ids = fill(engine, Scope("job", "j-1"), 2)
    fill(engine, Scope("job", "j-2"), 2)
    tamper(engine, "UPDATE audit_logs SET event_type = 'job.other' WHERE id = :id", id=ids[0])
    assert run_cli("audit", "verify", "--db", url, "--scope", "job:j-2").code == 0
    result = run_cli("audit", "verify", "--db", url, "--scope", "job:j-1")
    assert result.code == 2 and f"first broken row id {ids[0]}" in result.stdout
    empty = run_cli("audit", "verify", "--db", url, "--scope", "job:none")
    assert empty.code == 0 and empty.stdout == ""
    assert empty.stderr.splitlines()[-1] == "no rows in scope job:none: nothing to verify"


def test_an_empty_table_is_intact(run_cli, db) -> None:
    result = run_cli("audit", "verify", "--db", db[0])
    assert result.code == 0
    assert result.stderr.splitlines()[-1] == "no rows in audit_logs: nothing to verify"


def assert_error(result: Run, message: str, hint: str | None) -> None:
    """Exit 1, no traceback, stderr exactly `error: <message>` (+ `hint: <hint>`)."""
    assert result.code == 1, result
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.splitlines() == [f"error: {message}"] + ([f"hint: {hint}"] if hint else [])


def test_a_malformed_scope_is_an_error(run_cli) -> None:
    assert_error(run_cli("audit", "verify", "--db", "postgresql://u@127.0.0.1:1/x", "--scope", "job"),
                 "scope 'job' is not TYPE:ID", "e.g. --scope job:8c0f2d1e-... or --scope system:global")
    assert_error(run_cli("audit", "verify", "--db", "postgresql://u@127.0.0.1:1/x", "--scope", "Job:1"),
                 "scope_type 'Job' is not valid",
                 "use lower-case letters, digits and _ (at most 32, matching ^[a-z][a-z0-9_]{0,31}$), e.g. job, user, system")


def test_an_unreachable_database_is_one_error(run_cli) -> None:
    result = run_cli("audit", "verify", "--db", "postgresql://postgres:s3cret@127.0.0.1:1/x")
    assert_error(result, "could not connect to 127.0.0.1:1: connection refused", "is the server running? check host and port")
    assert "s3cret" not in result.stderr


def test_a_database_without_the_schema_says_to_upgrade(run_cli, empty_db: str) -> None:
    result = run_cli("audit", "verify", "--db", empty_db)
    assert result.code == 1
    assert result.stderr.splitlines()[1:] == ["error: the database has no audit_logs table", "hint: run schemactl upgrade"]


def test_select_on_audit_logs_is_all_it_needs(run_cli, db) -> None:
    url, engine = db
    fill(engine, Scope("job", "j-1"), 2)
    role = f"auditor_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(sa.text(f"GRANT SELECT ON audit_logs TO {role}"))
    try:
        result = run_cli("audit", "verify", "--db", make_url(url).set(username=role).render_as_string(False))
        assert result.code == 0, result
        assert result.stdout == "ok      job:j-1  2 rows\n"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP OWNED BY {role}"))
            conn.execute(sa.text(f"DROP ROLE {role}"))


def test_workers_check_ranges_of_scopes_in_parallel_with_the_same_output(run_cli, db, monkeypatch) -> None:
    from cadb import audit

    url, engine = db
    ids = fill(engine, Scope("job", "j-1"), 3)
    for n in range(2, 6):
        fill(engine, Scope("job", f"j-{n}"), 2)
    tamper(engine, "UPDATE audit_logs SET payload = '{\"n\": 7}' WHERE id = :id", id=ids[1])
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE audit_logs"))  # the planner's row count decides
    monkeypatch.setattr(audit, "PARALLEL_FROM", 1)
    runs = []
    real = audit._verify_parallel
    monkeypatch.setattr(audit, "_verify_parallel", lambda *a, **k: runs.append(len(a[2])) or real(*a, **k))
    one = run_cli("audit", "verify", "--db", url, "--workers", "1")
    three = run_cli("audit", "verify", "--db", url, "--workers", "3")
    assert runs == [3]
    assert (one.code, three.code) == (2, 2)
    assert three.stdout == one.stdout and f"first broken row id {ids[1]}" in three.stdout.splitlines()[0]
    assert run_cli("audit", "verify", "--db", url, "--workers", "0").code != 0  # refused by the option
