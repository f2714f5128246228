"""`schemactl --help` and `schemactl validate` import none of the database stack.

Each command runs in a fresh interpreter (imports are per process), which then lists every
module it imported; a top-level import of alembic, migra, SQLAlchemy or psycopg anywhere on
these paths, or of jsonschema on a valid spec, fails here. Timings live in bench/, not here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

DATABASE_STACK = (
    "alembic",
    "migra",
    "schemainspect",
    "sqlbag",
    "psycopg",
    "psycopg2",
    "sqlalchemy",
)
# jsonschema runs only to explain a spec that failed the fast check (generator/spec/fastcheck.py)
VALID_SPEC_NEVER = (*DATABASE_STACK, "jsonschema", "referencing")
HELP_NEVER = (*VALID_SPEC_NEVER, "yaml", "generator.spec", "generator.pg.database")

SCRIPT = """
import importlib, json, os, sys
if os.environ.get("PRELOAD"):
    importlib.import_module(os.environ["PRELOAD"])
from cli.main import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""


def imported_by(
    args: list[str], cwd: Path, tmp_path: Path, preload: str = ""
) -> tuple[int, set[str]]:
    out = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", SCRIPT, str(out), *args],
        cwd=cwd,
        env={**os.environ, "PRELOAD": preload},
        check=False,
        capture_output=True,
        timeout=120,
    )
    result = json.loads(out.read_text())
    return result["code"], set(result["modules"])


def offenders(modules: set[str], banned: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == b or m.startswith(b + ".") for b in banned))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(REPO / "schema.yaml", root / "schema.yaml")
    shutil.copy(REPO / "seeds.yaml", root / "seeds.yaml")
    return root


@pytest.mark.parametrize(
    "args",
    [["--help"], [], ["validate", "--help"], ["diff", "--help"], ["generate", "--help"]],
    ids=["--help", "no-args", "validate--help", "diff--help", "generate--help"],
)
def test_help_imports_no_database_stack_and_no_yaml(
    args: list[str], project: Path, tmp_path: Path
) -> None:
    code, modules = imported_by(args, project, tmp_path)
    assert code == (1 if not args else 0)  # no arguments: the help, as a usage error
    assert offenders(modules, HELP_NEVER) == []


def test_validate_imports_no_database_stack_cold_or_warm(project: Path, tmp_path: Path) -> None:
    for run in ("cold", "warm"):
        code, modules = imported_by(["validate"], project, tmp_path)
        assert code == 0, run
        assert "generator.seeds.spec" in modules  # seeds.yaml was checked too
        assert offenders(modules, VALID_SPEC_NEVER) == [], run
    assert (project / ".schemactl" / "cache" / "spec.pickle").is_file()


def test_validate_of_an_invalid_spec_imports_no_database_stack(
    project: Path, tmp_path: Path
) -> None:
    spec = project / "schema.yaml"
    spec.write_text(spec.read_text().replace("type: uuid", "type: uuuid", 1))
    code, modules = imported_by(["validate"], project, tmp_path)
    assert code == 1
    assert offenders(modules, DATABASE_STACK) == []


def test_the_check_itself_sees_a_database_import(project: Path, tmp_path: Path) -> None:
    """The harness is real: the same run with generator.schema.metadata imported first is caught."""
    code, modules = imported_by(["--help"], project, tmp_path, preload="generator.schema.metadata")
    assert code == 0
    assert "sqlalchemy" in offenders(modules, HELP_NEVER)


@pytest.mark.parametrize("args", [["--help"], ["validate", "--help"], ["db", "--help"]])
def test_help_does_not_load_rich(args: list[str], project: Path, tmp_path: Path) -> None:
    """Help is click's plain text: rich (and typer's rich help, which imports rich.markdown
    and pygments) was about half of --help's start-up. The consoles load on first output."""
    code, modules = imported_by(args, project, tmp_path)
    assert code == 0
    assert offenders(modules, ("rich", "typer.rich_utils", "pygments", "markdown_it")) == []
