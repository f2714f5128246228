"""`schemactl diff` error paths: each one clear line (plus a hint), exit 1, never a
traceback, never the password, and no scratch database left behind."""

from __future__ import annotations

import pytest
from clirunner import Run
from drift_helpers import PASSWORD, execute_autocommit, scratch_databases, with_password

from generator.pg.database import with_database
from generator.pg.server import LocalServer, free_port

WRONG = "Wr0ng-Battery-drift"


def assert_one_error(result: Run, message: str, hint: str, *secrets: str) -> None:
    assert result.code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [f"error: {message}", f"hint: {hint}"]
    for secret in secrets:
        assert secret not in result.output


def test_unreachable_live_server(run_cli, pg: LocalServer) -> None:
    port = free_port()
    result = run_cli("diff", "--db", f"postgresql://app:{WRONG}@127.0.0.1:{port}/app", "--dev-db", pg.url())
    assert_one_error(
        result, f"could not connect to 127.0.0.1:{port}: connection refused", "is the server running? check host and port", WRONG
    )
    assert not scratch_databases(pg.url())


def test_bad_password(run_cli, scram17: LocalServer, pg: LocalServer) -> None:
    url = with_password(scram17.url(), password=WRONG)
    result = run_cli("diff", "--db", url, "--dev-db", pg.url())
    assert_one_error(
        result, f'password authentication failed for user "postgres" at 127.0.0.1:{scram17.port}',
        "check the user and password in the URL", WRONG,
    )


def test_bad_password_in_json_format_is_still_one_line(run_cli, scram17: LocalServer, pg: LocalServer) -> None:
    import json

    result = run_cli("diff", "--db", with_password(scram17.url(), password=WRONG), "--dev-db", pg.url(), "-f", "json")
    assert result.code == 1 and json.loads(result.stdout)["status"] == "error"  # the contract: one JSON document
    assert result.stderr.startswith("error: password authentication failed") and WRONG not in result.output


def test_live_database_does_not_exist(run_cli, scram17: LocalServer, pg: LocalServer) -> None:
    url = with_database(with_password(scram17.url()), "no_such_db")
    result = run_cli("diff", "--db", url, "--dev-db", pg.url())
    assert_one_error(
        result, f'database "no_such_db" does not exist on 127.0.0.1:{scram17.port}',
        "create it with createdb, or point --db at an existing database", PASSWORD,
    )


def test_dev_server_without_createdb(run_cli, scram17: LocalServer, pg: LocalServer, head: str) -> None:
    role = f"drift_nocreatedb_{free_port()}"
    secret = "N0-Createdb-pw"
    admin = with_password(scram17.url())
    execute_autocommit(admin, f"CREATE ROLE {role} LOGIN NOCREATEDB PASSWORD '{secret}'")
    try:
        dev = with_password(scram17.url(), user=role, password=secret)
        result = run_cli("diff", "--db", head, "--dev-db", dev)
        assert_one_error(
            result, "the dev database user cannot create databases",
            "grant CREATEDB or point --dev-db / SCHEMACTL_DEV_DATABASE_URL at a server where it can", secret,
        )
    finally:
        execute_autocommit(admin, f"DROP ROLE {role}")


def test_unreachable_dev_server(run_cli, head: str) -> None:
    port = free_port()
    result = run_cli("diff", "--db", head, "--dev-db", f"postgresql://dev:{WRONG}@127.0.0.1:{port}/postgres")
    assert_one_error(
        result, f"could not connect to 127.0.0.1:{port}: connection refused", "is the server running? check host and port", WRONG
    )


@pytest.mark.parametrize("bad", ["mysql://u@h/db", "not a url"])
def test_not_a_postgresql_url(run_cli, pg: LocalServer, bad: str) -> None:
    result = run_cli("diff", "--db", bad, "--dev-db", pg.url())
    assert result.code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith("error: not a PostgreSQL database URL")


def test_unknown_format(run_cli) -> None:
    result = run_cli("diff", "--format", "yaml")
    assert result.code == 1
    assert "yaml" in result.stderr and "Traceback" not in result.output
