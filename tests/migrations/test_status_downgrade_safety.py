"""Issue 13.10: ``status --check`` exits 2 when revisions are pending; ``diff`` on a database
that is behind says how many revisions are pending; ``downgrade`` prints each revision's
Rollback: note and asks before a step that loses data (``--yes`` for scripts; no terminal and
no ``--yes``: refused, nothing changed)."""

from __future__ import annotations

import io
import json
import sys

import pytest
from checkout import project_copy
from migration_helpers import REPO
from project_facts import facts

import cli.migrate
from generator.migrate import api as migrate
from generator.pg.server import LocalServer


def cli_run(run_cli, *args: str):
    return run_cli("--spec", str(project_copy() / "schema.yaml"), *args)  # caches go to the copy


def _one_error(result, *fragments: str) -> None:
    assert result.code == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith(("error:", "hint:"))]
    assert len(errors) == 2 and errors[0].startswith("error: ") and errors[1].startswith("hint: "), result.stderr
    for fragment in fragments:
        assert fragment in " ".join(errors), (fragment, errors)


def test_status_check_exits_2_when_behind(run_cli, empty_db: str) -> None:
    behind = cli_run(run_cli, "status", "--db", empty_db, "--check")
    assert behind.code == 2, behind.stderr
    assert behind.stdout.splitlines()[-1].startswith("behind by ")
    as_json = cli_run(run_cli, "status", "--db", empty_db, "--check", "-f", "json")
    assert as_json.code == 2
    assert json.loads(as_json.stdout)["at_head"] is False
    assert cli_run(run_cli, "status", "--db", empty_db).code == 0  # without --check: 0, as before
    migrate.upgrade(REPO, empty_db, "head")
    at_head = cli_run(run_cli, "status", "--db", empty_db, "--check")
    assert at_head.code == 0
    assert at_head.stdout.splitlines()[-1] == "at_head"


# These tests walk fixed revisions of the committed chain (0004..0008 and their Rollback
# notes), so they start at 0008 rather than at head, which moves as revisions are added.


def test_downgrade_that_loses_data_is_refused_without_a_terminal(run_cli, empty_db: str) -> None:
    migrate.upgrade(REPO, empty_db, "0008")
    result = cli_run(run_cli, "downgrade", "0004", "--db", empty_db)
    _one_error(result, "downgrade to 0004 loses data (revisions 0007, 0005)", "refusing without confirmation", "--yes")
    notes = result.stderr
    assert "0008 (audit verify index in chain order): no data lost: the downgrade restores the previous schema" in notes
    assert "0005 (security and audit tables): loses data: the downgrade drops table(s) audit_logs, security_events" in notes
    assert "0007 (seed reference data): loses data: the downgrade sets changed values back and deletes" in notes
    assert migrate.status(REPO, empty_db).current == ["0008"]  # nothing was undone


def test_downgrade_that_loses_nothing_needs_no_confirmation(run_cli, empty_db: str) -> None:
    migrate.upgrade(REPO, empty_db, "head")
    result = cli_run(run_cli, "downgrade", "0007", "--db", empty_db)
    assert result.code == 0, result.stderr
    assert "0008 (audit verify index in chain order): no data lost" in result.stderr
    assert "downgraded: now at 0007" in result.stderr


@pytest.mark.parametrize(("answer", "code", "at"), [("n\n", 1, "0008"), ("y\n", 0, "0006")])
def test_downgrade_asks_on_a_terminal(run_cli, monkeypatch, empty_db: str, answer: str, code: int, at: str) -> None:
    migrate.upgrade(REPO, empty_db, "0008")
    monkeypatch.setattr(cli.migrate, "_stdin_is_terminal", lambda: True)
    monkeypatch.setattr(sys, "stdin", io.StringIO(answer))
    result = cli_run(run_cli, "downgrade", "0006", "--db", empty_db)
    assert result.code == code, result.stderr
    assert "downgrade to 0006 loses data (revision 0007). Continue?" in result.stderr
    if code:
        assert "error: downgrade cancelled" in result.stderr
    assert migrate.status(REPO, empty_db).current == [at]


def test_downgrade_yes_runs_without_asking(run_cli, empty_db: str) -> None:
    migrate.upgrade(REPO, empty_db, "head")
    result = cli_run(run_cli, "downgrade", "base", "--db", empty_db, "--yes")
    assert result.code == 0, result.stderr
    assert "Continue?" not in result.stderr
    assert migrate.status(REPO, empty_db).current == []


def test_downgrade_plan_relative_steps(empty_db: str) -> None:
    migrate.upgrade(REPO, empty_db, "0008")
    assert [s.revision for s in migrate.downgrade_plan(REPO, empty_db, "-2")] == ["0008", "0007"]
    assert [s.revision for s in migrate.downgrade_plan(REPO, empty_db, "base")][-1] == "0001"
    assert [s.loses_data for s in migrate.downgrade_plan(REPO, empty_db, "0006")] == [False, True]


def test_diff_of_a_database_behind_says_revisions_are_pending(run_cli, pg: LocalServer, empty_db: str) -> None:
    assert migrate.pending_count(REPO, empty_db) is None  # not managed by Alembic: no note
    migrate.upgrade(REPO, empty_db, "0006")
    revisions = facts().revisions
    pending = len(revisions) - revisions.index("0006") - 1  # the committed revisions after 0006
    assert migrate.pending_count(REPO, empty_db) == pending
    text = cli_run(run_cli, "diff", "--db", empty_db, "--dev-db", pg.url("postgres"))
    assert text.code == 2, text.stderr
    first = text.stderr.find(f"note: {pending} revisions pending")
    assert first >= 0, text.stderr
    as_json = cli_run(run_cli, "diff", "--db", empty_db, "--dev-db", pg.url("postgres"), "-f", "json")
    assert json.loads(as_json.stdout)["pending_revisions"] == pending
    migrate.upgrade(REPO, empty_db, "head")
    at_head = cli_run(run_cli, "diff", "--db", empty_db, "--dev-db", pg.url("postgres"), "-f", "json")
    assert at_head.code == 0, at_head.stderr
    assert json.loads(at_head.stdout)["pending_revisions"] == 0
    assert "pending" not in at_head.stderr


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("0005", "error: cannot downgrade to 0005: it is not below the database's revision 0002"),
        ("head", "error: cannot downgrade to head: it is not below the database's revision 0002"),
        ("0001@head", "error: downgrade target '0001@head': pass a revision id, base, or -N"),
        ("zzzz", "error: no revision 'zzzz' in the migrations"),
    ],
)
def test_downgrade_to_a_target_that_is_not_below(run_cli, empty_db: str, target: str, message: str) -> None:
    """Reading the rollback notes first must not turn a bad target into an internal error
    (RangeNotAncestorError, AssertionError from Alembic's revision map): one line, nothing changed."""
    migrate.upgrade(REPO, empty_db, "0002")
    result = cli_run(run_cli, "downgrade", target, "--db", empty_db, "--yes")
    _one_error(result)
    assert message in result.stderr.splitlines(), result.stderr
    assert migrate.status(REPO, empty_db).current == ["0002"]
