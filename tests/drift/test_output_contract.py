"""Issue 13.6: the output contract of every command with --format, on failure.

With ``-f json`` stdout is always exactly one JSON document (``status: "error"`` and an
``error`` object when the command fails), with ``-f sql`` stdout stays empty; exit 1, one
error line on stderr, never a traceback, never the password. Each command x each failure kind
that applies to it: an invalid spec, an unreachable server, a wrong password."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from clirunner import Run
from drift_corpus import REPO
from drift_helpers import with_password

from generator.pg.server import LocalServer, free_port

WRONG = "Wr0ng-Contract-pw"
BROKEN_SPEC = REPO / "tests" / "fixtures" / "invalid_specs" / "several_semantic" / "schema.yaml"


@pytest.fixture
def invalid_project(tmp_path: Path) -> Path:
    """A project whose schema.yaml has problems (migrations and seeds are the repo's)."""
    shutil.copytree(REPO / "migrations", tmp_path / "migrations", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(REPO / "seeds.yaml", tmp_path / "seeds.yaml")
    shutil.copyfile(REPO / "alembic.ini", tmp_path / "alembic.ini")
    shutil.copyfile(BROKEN_SPEC, tmp_path / "schema.yaml")
    return tmp_path / "schema.yaml"


def unreachable() -> str:
    return f"postgresql://app:{WRONG}@127.0.0.1:{free_port()}/app"


def assert_json_error(result: Run, *secrets: str) -> dict:
    assert result.code == 1, result.output
    assert "Traceback" not in result.output
    document = json.loads(result.stdout)  # exactly one document: json.loads refuses trailing text
    assert document["status"] == "error"
    assert set(document["error"]) >= {"kind", "message", "hint", "details", "exit_code"}
    assert document["error"]["message"] and document["error"]["exit_code"] == 1
    assert [ln for ln in result.stderr.splitlines() if ln.startswith("error: ")]
    for secret in secrets:
        assert secret not in result.output
    return document


def assert_sql_error(result: Run, *secrets: str) -> None:
    assert result.code == 1, result.output
    assert result.stdout == ""
    assert [ln for ln in result.stderr.splitlines() if ln.startswith("error: ")] and "Traceback" not in result.output
    for secret in secrets:
        assert secret not in result.output


# ------------------------------------------------------------------------- an invalid spec

INVALID_SPEC_COMMANDS = {
    "diff": ["diff"],
    "generate --check": ["generate", "--check"],
    "seed": ["seed"],
}


@pytest.mark.parametrize("command", sorted(INVALID_SPEC_COMMANDS))
def test_invalid_spec_json(run_cli, invalid_project: Path, pg: LocalServer, head: str, command: str) -> None:
    args = ["--spec", str(invalid_project), *INVALID_SPEC_COMMANDS[command], "-f", "json"]
    args += ["--dev-db", pg.url()] if command != "seed" else []
    args += ["--db", head] if command != "generate --check" else []
    document = assert_json_error(run_cli(*args))
    assert document["error"]["kind"] == "spec"
    details = document["error"]["details"]
    assert details and all({"file", "line", "column", "message"} <= set(d) for d in details)


def test_invalid_spec_sql(run_cli, invalid_project: Path, pg: LocalServer, head: str) -> None:
    result = run_cli("--spec", str(invalid_project), "diff", "-f", "sql", "--db", head, "--dev-db", pg.url())
    assert_sql_error(result)
    assert "schema.yaml:" in result.stderr  # the problems are listed, on stderr


def test_invalid_spec_validate_json_is_its_report(run_cli, invalid_project: Path) -> None:
    """validate's job is to find problems: its JSON report says "invalid" (exit 1), still one document."""
    result = run_cli("--spec", str(invalid_project), "validate", "-f", "json")
    assert result.code == 1
    report = json.loads(result.stdout)
    assert report["status"] == "invalid" and report["problems"]


def test_a_usage_mistake_in_json_is_a_document(run_cli) -> None:
    document = assert_json_error(run_cli("diff", "-f", "json", "--no-such-option"))
    assert "no-such-option" in document["error"]["message"]


# --------------------------------------------------- unreachable server, wrong password

def _server_args(command: str, url: str, pg: LocalServer, head: str) -> list[str]:
    """The command with ``url`` as the server that fails (the other one works)."""
    if command == "diff":
        return ["diff", "--db", url, "--dev-db", pg.url()]
    if command == "diff (dev)":
        return ["diff", "--db", head, "--dev-db", url]
    if command == "generate --check":
        return ["generate", "--check", "--dev-db", url]
    if command == "seed":
        return ["seed", "--db", url]
    if command == "audit verify":
        return ["audit", "verify", "--db", url]
    if command == "status":
        return ["status", "--db", url]
    raise AssertionError(command)


SERVER_COMMANDS = ["diff", "diff (dev)", "generate --check", "seed", "audit verify", "status"]


@pytest.mark.parametrize("command", SERVER_COMMANDS)
def test_unreachable_server_json(run_cli, pg: LocalServer, head: str, command: str) -> None:
    document = assert_json_error(run_cli(*_server_args(command, unreachable(), pg, head), "-f", "json"), WRONG)
    assert document["error"]["kind"] == "database"
    assert "connection refused" in document["error"]["message"]


@pytest.mark.parametrize("command", SERVER_COMMANDS)
def test_wrong_password_json(run_cli, scram17: LocalServer, pg: LocalServer, head: str, command: str) -> None:
    url = with_password(scram17.url(), password=WRONG)
    document = assert_json_error(run_cli(*_server_args(command, url, pg, head), "-f", "json"), WRONG)
    assert document["error"]["message"].startswith("password authentication failed")


@pytest.mark.parametrize("command", ["diff", "diff (dev)"])
@pytest.mark.parametrize("kind", ["unreachable", "wrong password"])
def test_server_errors_sql(run_cli, scram17: LocalServer, pg: LocalServer, head: str, command: str, kind: str) -> None:
    url = unreachable() if kind == "unreachable" else with_password(scram17.url(), password=WRONG)
    assert_sql_error(run_cli(*_server_args(command, url, pg, head), "-f", "sql"), WRONG)
