"""The proof and the destructive gate refuse to write a revision, on 17 and 18.

The proof is made to fail on purpose by breaking one op's implementation (the upgrade then
leaves the database short of the spec) or one op's rendering (the downgrade then does not
restore the previous head); in both cases nothing is written and the error lists what was
left over. The destructive gate refuses a dropped column before anything is proven or written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import renderers
from alembic.operations import Operations
from migration_helpers import CASES, revision_files

from generator.errors import DestructiveChange, ProofFailed
from generator.migrate import ops as xops
from generator.migrate.revision import generate
from generator.pg.server import LocalServer
from generator.spec import load_spec

ADDED = CASES / "enum_value_added"  # job_status gains draft (first), paused (middle), archived (last)
VALUES_ADDED = "enum job_status: changed (values added: draft, paused, archived)"


def use_spec(root: Path, spec_file: Path) -> None:
    shutil.copyfile(spec_file, root / "schema.yaml")


def project_at_before(new_project, pg: LocalServer, case: Path = ADDED) -> Path:
    root = new_project()
    use_spec(root, case / "before.yaml")
    assert generate(root, load_spec(root / "schema.yaml"), pg.url("postgres"), "before").status == "written"
    use_spec(root, case / "after.yaml")
    return root


@pytest.fixture
def add_value_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """op.add_enum_value runs, but adds nothing (restored after the test)."""
    monkeypatch.setitem(Operations._to_impl._registry, (xops.AddEnumValueOp, "default"), lambda operations, op: None)


@pytest.fixture
def drop_value_renders_as_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """op.drop_enum_value (the downgrade of an added value) is rendered as a no-op statement."""
    monkeypatch.setitem(renderers._registry, (xops.DropEnumValueOp, "default"), lambda ctx, op: "pass")


@pytest.mark.usefixtures("add_value_does_nothing")
def test_upgrade_that_misses_the_spec_is_not_written(new_project, pg: LocalServer) -> None:
    root = project_at_before(new_project, pg)
    with pytest.raises(ProofFailed) as failed:
        generate(root, load_spec(root / "schema.yaml"), pg.url("postgres"), "after")
    assert failed.value.message == "after the upgrade, the database still differs from the spec"
    assert VALUES_ADDED in failed.value.differences
    assert revision_files(root) == ["0001_before.py"]


@pytest.mark.usefixtures("drop_value_renders_as_nothing")
def test_downgrade_that_does_not_restore_the_previous_head_is_not_written(new_project, pg: LocalServer) -> None:
    root = project_at_before(new_project, pg)
    with pytest.raises(ProofFailed) as failed:
        generate(root, load_spec(root / "schema.yaml"), pg.url("postgres"), "after")
    assert failed.value.message == "after the downgrade, the database differs from the previous head"
    assert "enum job_status: changed (values removed: draft, paused, archived)" in failed.value.differences
    assert revision_files(root) == ["0001_before.py"]


@pytest.mark.usefixtures("add_value_does_nothing")
def test_cli_reports_the_failed_proof(new_project, pg: LocalServer, run_cli) -> None:
    root = project_at_before(new_project, pg)
    result = run_cli("--spec", str(root / "schema.yaml"), "generate", "-m", "after", "--dev-db", pg.url("postgres"))
    assert result.code == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "error: after the upgrade, the database still differs from the spec" in result.stderr
    assert f"  - {VALUES_ADDED}" in result.stderr.splitlines()
    assert revision_files(root) == ["0001_before.py"]


def test_destructive_refusal_writes_no_file(new_project, pg: LocalServer) -> None:
    case = CASES / "enum_dropped_with_last_user"
    root = project_at_before(new_project, pg, case)
    with pytest.raises(DestructiveChange) as refused:
        generate(root, load_spec(root / "schema.yaml"), pg.url("postgres"), "drop status")
    assert refused.value.steps == ["drop column jobs.status (its data is lost)", "drop enum job_status (its data is lost)"]
    assert revision_files(root) == ["0001_before.py"]


def test_cli_destructive_refusal_lists_each_step(new_project, pg: LocalServer, run_cli) -> None:
    case = CASES / "enum_dropped_with_last_user"
    root = project_at_before(new_project, pg, case)
    spec = str(root / "schema.yaml")
    dev = pg.url("postgres")

    needed = run_cli("--spec", spec, "generate", "--check", "--dev-db", dev)
    assert needed.code == 2
    assert "! drop column jobs.status" in needed.stdout
    assert "a revision is needed" in needed.stderr

    refused = run_cli("--spec", spec, "generate", "-m", "drop status", "--dev-db", dev)
    assert refused.code == 1
    assert "Traceback" not in refused.stdout + refused.stderr
    assert "error: the revision has 2 destructive steps" in refused.stderr
    assert "hint: review them and pass --allow-destructive if they are intended" in refused.stderr
    assert "  - drop column jobs.status (its data is lost)" in refused.stderr.splitlines()
    assert "  - drop enum job_status (its data is lost)" in refused.stderr.splitlines()
    assert revision_files(root) == ["0001_before.py"]

    allowed = run_cli("--spec", spec, "generate", "-m", "drop status", "--allow-destructive", "--dev-db", dev)
    assert allowed.code == 0, allowed.stderr
    assert revision_files(root) == ["0001_before.py", "0002_drop_status.py"]
