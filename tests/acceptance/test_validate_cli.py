"""`schemactl validate` and the CLI's error paths, run in-process through cli.main.main().

Golden files for every kind of spec mistake live in tests/unit/test_invalid_specs.py; here:
the real spec, JSON output, and the mistakes that are not in the spec (a missing file, an
unknown command or option), each with its message and exit code, and never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from checkout import project_copy
from clirunner import Run
from project_facts import FACTS

REPO = Path(__file__).resolve().parents[2]
INVALID = REPO / "tests" / "fixtures" / "invalid_specs"


def assert_one_error(result: Run, message: str, hint: str | None = None) -> None:
    """Exit 1, no traceback, and stderr is exactly `error: <message>` (+ `hint: <hint>`)."""
    assert result.code == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"error: {message}"
    if hint is None:
        assert len(lines) == 1, lines
    else:
        assert lines[1:] == [f"hint: {hint}"]


# ------------------------------------------------------------------ the real spec


def test_valid_spec_prints_a_one_line_summary(run_cli, in_repo: Path) -> None:
    result = run_cli("validate")
    assert result.code == 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"ok: {FACTS.tables} tables, ")
    assert "columns" in lines[0] and "enums" in lines[0]


def test_valid_spec_as_json(run_cli, in_repo: Path) -> None:
    result = run_cli("validate", "--format", "json")
    assert result.code == 0
    report = json.loads(result.stdout)
    assert report["status"] == "ok"
    assert report["problems"] == []
    assert report["files"][0] == "schema.yaml"
    assert report["summary"].startswith(f"{FACTS.tables} tables, ")


def test_spec_from_the_environment(
    run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no schema.yaml here
    monkeypatch.setenv("SCHEMACTL_SPEC", str(project_copy() / "schema.yaml"))
    result = run_cli("validate", "--format", "json")
    assert result.code == 0
    assert json.loads(result.stdout)["status"] == "ok"


# ------------------------------------------------------------------ an invalid spec


def test_invalid_spec_as_json(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    case = INVALID / "several_schema_and_semantic"
    monkeypatch.chdir(case)
    result = run_cli("--spec", "schema.yaml", "validate", "-f", "json")
    assert result.code == 1
    report = json.loads(result.stdout)
    assert list(report) == ["status", "format_version", "files", "problems", "summary"]
    assert report["status"] == "invalid"
    assert report["files"] == ["schema.yaml"]
    assert report["problems"][0] == {
        "file": "schema.yaml",
        "line": 1,
        "column": 10,
        "message": "version: must be 1, got 2",
    }
    lines = [f"{p['file']}:{p['line']}:{p['column']}: {p['message']}" for p in report["problems"]]
    assert lines == (case / "expected.txt").read_text().splitlines()
    assert "Traceback" not in result.stderr


def test_invalid_spec_from_another_folder_names_the_path(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # the checkout itself: an invalid spec leaves no cache
    result = run_cli("--spec", "tests/fixtures/invalid_specs/version_2/schema.yaml", "validate")
    assert result.code == 1
    assert (
        result.stdout
        == "tests/fixtures/invalid_specs/version_2/schema.yaml:1:10: version: must be 1, got 2\n"
    )
    assert (
        result.stderr.strip() == "1 problem in tests/fixtures/invalid_specs/version_2/schema.yaml"
    )


def test_an_empty_null_document_is_not_valid(
    run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "schema.yaml").write_text("---\n")
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate")
    assert result.code == 1
    assert result.stdout == "schema.yaml:1:1: the file is empty\n"


# ------------------------------------------------------------------ the spec file itself


@pytest.mark.parametrize(
    "command", [["validate"], ["erd"], ["docs"], ["validate", "--format", "json"]]
)
def test_missing_spec_file(run_cli, in_repo: Path, command: list[str]) -> None:
    result = run_cli("--spec", "no/such/schema.yaml", *command)
    assert_one_error(
        result,
        "no/such/schema.yaml: file not found",
        "run schemactl from the repository root or pass --spec PATH",
    )
    if "json" in command:  # issue 13.6: -f json always prints one JSON document
        assert json.loads(result.stdout)["status"] == "error"
    else:
        assert result.stdout == ""


def test_missing_default_spec(run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate")  # no project here or above (issue 13.1: nothing is created either)
    assert_one_error(
        result,
        f"not inside a schemactl project: no schema.yaml in {tmp_path} or any folder above it",
        "cd into the project (the folder with schema.yaml), or pass --project DIR",
    )
    assert list(tmp_path.iterdir()) == []


def test_spec_is_a_directory(run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A path that is not a regular file is a problem at FILE:1:1 (tests/unit/test_spec_limits.py).
    (tmp_path / "schema.yaml").mkdir()
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate")
    assert result.code == 1
    assert result.stdout == "schema.yaml:1:1: is a directory, not a YAML file; give the path of a regular file\n"
    assert result.stderr == "1 problem in schema.yaml\n"


@pytest.mark.parametrize("command", [["validate"], ["erd"], ["validate", "--format", "json"]])
def test_spec_is_a_symlink_loop(run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: list[str]) -> None:
    # was "internal error: RuntimeError: Symlink loop" from Path.resolve() (issue 12 finding 6)
    (tmp_path / "schema.yaml").symlink_to(tmp_path / "other.yaml")
    (tmp_path / "other.yaml").symlink_to(tmp_path / "schema.yaml")
    monkeypatch.chdir(tmp_path)
    result = run_cli(*command)
    assert result.code == 1
    assert "internal error" not in result.stdout + result.stderr
    assert "schema.yaml" in result.stdout and "cannot read (a loop of symbolic links)" in result.stdout
    if command == ["validate"]:
        assert result.stdout == "schema.yaml:1:1: cannot read (a loop of symbolic links)\n"


def test_spec_is_not_utf8(run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "schema.yaml").write_bytes(b"version: 1\ncomment: caf\xe9\n")
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate")
    assert result.code == 1
    assert result.stdout == "schema.yaml:2:13: not UTF-8 text (byte 0xe9); save the file as UTF-8\n"
    assert result.stderr == "1 problem in schema.yaml\n"


def test_debug_shows_the_traceback(run_cli, in_repo: Path) -> None:
    result = run_cli("--debug", "--spec", "missing.yaml", "erd")
    assert result.code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "error: missing.yaml: file not found" in result.stderr


# ------------------------------------------------------------------ usage mistakes exit 1, never 2


def test_unknown_command(run_cli, in_repo: Path) -> None:
    result = run_cli("frobnicate")
    assert_one_error(result, "No such command 'frobnicate'.", "see schemactl --help")


def test_unknown_option(run_cli, in_repo: Path) -> None:
    assert_one_error(
        run_cli("--bogus", "validate"), "No such option: --bogus", "see schemactl --help"
    )
    assert_one_error(
        run_cli("validate", "--bogus"), "No such option: --bogus", "see schemactl validate --help"
    )


def test_bad_format_value(run_cli, in_repo: Path) -> None:
    result = run_cli("validate", "--format", "xml")
    assert result.code == 1
    assert "Traceback" not in result.stderr
    first = result.stderr.strip().splitlines()[0]
    assert first.startswith("error: Invalid value for '--format'")
    assert "'xml'" in first


def test_no_command_shows_help(run_cli, in_repo: Path) -> None:
    result = run_cli()
    assert result.code == 1
    assert "Usage: schemactl" in result.stdout + result.stderr
    assert "error: missing command" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_exits_0(run_cli, in_repo: Path) -> None:
    result = run_cli("--help")
    assert result.code == 0
    for command in ("validate", "erd", "docs"):
        assert command in result.stdout
    assert "Exit codes: 0 ok, 1 error, 2 differences found." in " ".join(result.stdout.split())


def test_summary_counts_are_pluralized(
    run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "schema.yaml").write_text(
        "version: 1\ntables:\n  things:\n    comment: Things.\n    columns:\n"
        "      id: {type: integer, primary_key: true, comment: Key.}\n"
    )
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate")
    assert result.code == 0
    assert result.stderr.startswith("ok: 1 table, 1 column, 0 enums (")
