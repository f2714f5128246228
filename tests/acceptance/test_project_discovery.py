"""Issue 13.1: the project is found as git finds .git (the working directory or the nearest
folder above it holding schema.yaml, or --project DIR); nothing is created outside a project;
global options (--spec, --project, --debug) work after the command too."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from checkout import project_copy
from clirunner import REPO

from cli.main import hoist_global_options


def _one_error(result, *fragments: str) -> None:
    assert result.code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and all(ln.startswith("hint: ") for ln in lines[1:]), lines
    text = " ".join(lines)
    for fragment in fragments:
        assert fragment in text, (fragment, lines)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repo's project files (spec, seeds, alembic.ini, migrations) with a sub-folder."""
    root = tmp_path / "proj"
    root.mkdir()
    for name in ("schema.yaml", "seeds.yaml", "alembic.ini"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "migrations", root / "migrations", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "docs" / "deep").mkdir(parents=True)
    return root


def test_a_sub_folder_finds_the_project(run_cli, monkeypatch, project: Path) -> None:
    monkeypatch.chdir(project / "docs" / "deep")
    result = run_cli("validate")
    assert result.code == 0, result.stderr
    assert "ok: " in result.stderr
    # outputs given relative to the working directory stay there; the spec cache goes to the root
    erd = run_cli("erd", "-o", "erd.md")
    assert erd.code == 0, erd.stderr
    assert (project / "docs" / "deep" / "erd.md").read_text().startswith(("erDiagram", "```", "<!--", "#"))
    assert not (project / "docs" / "deep" / ".schemactl").exists()
    assert not (project / "docs" / ".schemactl").exists()


def test_problems_are_reported_relative_to_the_working_directory(run_cli, monkeypatch, project: Path) -> None:
    text = (project / "schema.yaml").read_text()
    (project / "schema.yaml").write_text(text.replace("version: 1", "version: 1\nbogus_key: 1", 1))
    monkeypatch.chdir(project / "docs")
    result = run_cli("validate")
    assert result.code == 1
    assert result.stdout.startswith("../schema.yaml:"), result.stdout


def test_status_from_a_sub_folder_uses_the_projects_migrations(run_cli, monkeypatch, project: Path, empty_db: str) -> None:
    """Before: `cd docs && schemactl status` set up docs/.schemactl/pg18, then
    `internal error: CommandError: Path doesn't exist: .../docs/migrations`."""
    monkeypatch.chdir(project / "docs")
    result = run_cli("status", "--db", empty_db)
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "current: base (empty)"
    assert not (project / "docs" / ".schemactl").exists()


@pytest.mark.parametrize("command", [["db", "url"], ["db", "start"], ["status"], ["validate"], ["upgrade"], ["generate", "--check"]])
def test_outside_a_project_nothing_is_created(run_cli, monkeypatch, tmp_path: Path, command: list[str]) -> None:
    """Before: `cd /tmp && schemactl db url` initialised and started a server in /tmp/.schemactl."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SCHEMACTL_PROJECT", raising=False)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    result = run_cli(*command)
    _one_error(result, "not inside a schemactl project", "no schema.yaml in", "--project DIR")
    assert list(outside.iterdir()) == []
    assert not (tmp_path / ".schemactl").exists()


def test_project_option_names_the_project(run_cli, monkeypatch, tmp_path: Path, project: Path, empty_db: str) -> None:
    monkeypatch.chdir(tmp_path)
    before = run_cli("--project", str(project), "validate")
    assert before.code == 0, before.stderr
    after = run_cli("status", "--db", empty_db, "--project", str(project))  # after the command too
    assert after.code == 0, after.stderr
    assert after.stdout.startswith("current: base (empty)")


def test_project_option_must_be_a_project(run_cli, tmp_path: Path, project: Path) -> None:
    _one_error(run_cli("validate", "--project", str(project / "docs")), "not a schemactl project", "schema.yaml")
    _one_error(run_cli("validate", "--project", str(tmp_path / "missing")), "no such folder")


def test_spec_after_the_command(run_cli, monkeypatch, tmp_path: Path) -> None:
    """Before: `schemactl validate --spec X` said "No such option: --spec"."""
    monkeypatch.chdir(tmp_path)
    spec = project_copy() / "schema.yaml"
    for args in (["validate", "--spec", str(spec)], ["validate", f"--spec={spec}"], ["validate", "--spec", str(spec), "--debug"]):
        result = run_cli(*args)
        assert result.code == 0, (args, result.stderr)
        assert "ok: " in result.stderr


def test_hoisting_stops_at_double_dash() -> None:
    assert hoist_global_options(["validate", "--spec", "x.yaml", "--debug"]) == ["--spec", "x.yaml", "--debug", "validate"]
    assert hoist_global_options(["downgrade", "--db", "u", "--", "--spec"]) == ["downgrade", "--db", "u", "--", "--spec"]
    assert hoist_global_options(["db", "url", "--project=p"]) == ["--project=p", "db", "url"]


def test_plain_alembic_from_a_sub_folder_with_c(project: Path, empty_db: str) -> None:
    """Plain Alembic looks for alembic.ini in the working directory only: from a sub-folder,
    `alembic -c ../alembic.ini` works (docs/troubleshooting.md), and imports from the project."""
    alembic = Path(sys.executable).with_name("alembic")
    result = subprocess.run(
        [str(alembic), "-c", "../alembic.ini", "-x", f"db={empty_db}", "upgrade", "0002"],
        cwd=project / "docs", capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    current = subprocess.run(
        [str(alembic), "-c", "../alembic.ini", "-x", f"db={empty_db}", "current"],
        cwd=project / "docs", capture_output=True, text=True, timeout=120,
    )
    assert current.returncode == 0, current.stderr
    assert current.stdout.strip().startswith("0002")
