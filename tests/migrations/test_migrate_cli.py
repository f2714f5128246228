"""``schemactl upgrade``, ``downgrade`` and ``status`` in-process (cli.main.main) with ``--db``,
on the committed chain, on 17 and 18: output, JSON, exit codes, and the error paths."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from checkout import project_copy
from migration_helpers import REPO

from generator.migrate import api as migrate
from generator.pg.database import connect


@pytest.fixture
def chain() -> list[str]:
    script = migrate.script_directory(REPO)
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def cli(run_cli, *args: str):
    return run_cli("--spec", str(project_copy() / "schema.yaml"), *args)  # caches go to the copy


def assert_clean_error(result, *fragments: str) -> list[str]:
    """Exit 1, no traceback, one ``error:`` line (plus an optional ``hint:``), containing the fragments."""
    assert result.code == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = [ln for ln in result.stderr.strip().splitlines() if not ln.startswith("database:")]
    assert lines[0].startswith("error: ")
    assert len(lines) <= 2 and all(ln.startswith("hint: ") for ln in lines[1:]), lines
    text = " ".join(lines)
    for fragment in fragments:
        assert fragment in text
    return lines


def test_status_of_an_empty_database(run_cli, empty_db: str, chain: list[str]) -> None:
    text = cli(run_cli, "status", "--db", empty_db)
    assert text.code == 0
    assert text.stdout.splitlines() == [
        "current: base (empty)",
        f"head:    {chain[-1]}",
        f"pending: {', '.join(chain)}",
        f"behind by {len(chain)} revision(s): run schemactl upgrade",
    ]
    as_json = cli(run_cli, "status", "--db", empty_db, "--format", "json")
    assert as_json.code == 0
    assert json.loads(as_json.stdout) == {
        "status": "behind", "format_version": 1, "current": [], "heads": [chain[-1]], "pending": chain, "at_head": False,
    }


def test_upgrade_status_downgrade(run_cli, empty_db: str, chain: list[str]) -> None:
    up = cli(run_cli, "upgrade", "--db", empty_db)
    assert up.code == 0, up.stderr
    assert f"upgraded: {len(chain)} revision(s) applied; now at {chain[-1]}" in up.stderr

    status = cli(run_cli, "status", "--db", empty_db)
    assert status.code == 0
    assert status.stdout.splitlines() == [f"current: {chain[-1]}", f"head:    {chain[-1]}", "pending: none", "at_head"]
    as_json = json.loads(cli(run_cli, "status", "--db", empty_db, "-f", "json").stdout)
    assert as_json == {
        "status": "at_head", "format_version": 1, "current": [chain[-1]], "heads": [chain[-1]], "pending": [], "at_head": True,
    }

    again = cli(run_cli, "upgrade", "--db", empty_db)
    assert again.code == 0
    assert f"upgraded: 0 revision(s) applied; now at {chain[-1]}" in again.stderr

    down = cli(run_cli, "downgrade", chain[-2], "--db", empty_db)
    assert down.code == 0, down.stderr
    assert f"downgraded: now at {chain[-2]}" in down.stderr
    assert json.loads(cli(run_cli, "status", "--db", empty_db, "-f", "json").stdout)["pending"] == [chain[-1]]

    # 0007 deletes its seed rows on the way down: without a terminal that needs --yes
    step = cli(run_cli, "downgrade", "--db", empty_db, "--yes", "--", "-1")  # a relative step needs "--" (see below)
    assert step.code == 0, step.stderr
    assert f"downgraded: now at {chain[-3]}" in step.stderr

    base = cli(run_cli, "downgrade", "base", "--db", empty_db, "--yes")
    assert base.code == 0, base.stderr
    assert "downgraded: now at base" in base.stderr

    partial = cli(run_cli, "upgrade", chain[1], "--db", empty_db)
    assert partial.code == 0, partial.stderr
    assert f"upgraded: 2 revision(s) applied; now at {chain[1]}" in partial.stderr


def test_downgrade_by_a_relative_step(run_cli, empty_db: str, chain: list[str]) -> None:
    migrate.upgrade(REPO, empty_db, "head")
    result = cli(run_cli, "downgrade", "-1", "--db", empty_db)
    assert result.code == 0, result.stderr
    assert f"downgraded: now at {chain[-2]}" in result.stderr


def test_downgrade_needs_a_revision(run_cli, empty_db: str) -> None:
    result = cli(run_cli, "downgrade", "--db", empty_db)
    assert_clean_error(result, "Missing argument 'revision'")


def test_upgrade_to_an_unknown_revision(run_cli, empty_db: str) -> None:
    result = cli(run_cli, "upgrade", "zzzz", "--db", empty_db)
    lines = assert_clean_error(result, "alembic history")
    assert lines[0] == "error: no revision 'zzzz' in the migrations"


def test_a_database_migrated_by_a_newer_deploy(run_cli, empty_db: str) -> None:
    """alembic_version names a revision this checkout does not have: one clear error, exit 1."""
    migrate.upgrade(REPO, empty_db, "head")
    engine = connect(empty_db)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = 'ffff'"))
    finally:
        engine.dispose()
    for command in (["status"], ["upgrade"], ["downgrade", "base"]):
        result = cli(run_cli, *command, "--db", empty_db)
        lines = assert_clean_error(result, "ffff", "newer deploy")
        assert lines[0].startswith("error: the database is at "), (command, lines)


def test_an_unreachable_database(run_cli) -> None:
    result = cli(run_cli, "status", "--db", "postgresql://postgres@127.0.0.1:1/nowhere")
    assert_clean_error(result)
