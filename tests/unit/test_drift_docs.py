"""docs/drift.md, docs/ci.md, `schemactl diff --help` and .pre-commit-hooks.yaml say what the
code does: the not-compared list, the JSON keys, the CI job and the pre-commit hook."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from generator.drift.report import UNCHECKED, DiffReport

REPO = Path(__file__).resolve().parents[2]
DRIFT = (REPO / "docs" / "drift.md").read_text()
CI = (REPO / "docs" / "ci.md").read_text()


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def diff_help(run_cli) -> str:
    result = run_cli("diff", "--help")
    assert result.code == 0
    return _flat(result.stdout)


@pytest.mark.parametrize("item", UNCHECKED)
def test_every_unchecked_item_is_in_the_docs_and_the_help(item: str, diff_help: str) -> None:
    assert f"\n- {item}\n" in DRIFT
    assert _flat(item) in diff_help


def test_every_json_key_is_documented() -> None:
    for key in DiffReport().as_dict():
        assert f"`{key}`" in DRIFT, key
    for key in ("kind", "name", "action", "detail", "sql", "destructive", "origin", "note"):
        assert f"`{key}`" in DRIFT, key
    assert '`"in_sync"` or `"drift"`' in DRIFT


def test_the_ci_job_runs_the_three_gates_with_a_postgres_17_dev_server() -> None:
    block = re.search(r"```yaml\n(# \.github/workflows/schema\.yml\n.*?)```", CI, re.DOTALL)
    assert block, "the workflow block is missing from docs/ci.md"
    workflow = yaml.safe_load(block.group(1))
    job = workflow["jobs"]["schema"]
    assert job["services"]["postgres"]["image"] == "postgres:17"
    assert job["env"]["SCHEMACTL_DEV_DATABASE_URL"].startswith("postgresql://")
    runs = [step.get("run", "") for step in job["steps"]]
    assert "schemactl validate" in runs
    assert "schemactl generate --check" in runs
    assert 'schemactl diff --db "$STAGING_URL"' in runs


def test_the_pre_commit_hook() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "schemactl-validate")
    assert hook["entry"] == "schemactl validate"
    assert hook["pass_filenames"] is False
    assert re.search(hook["files"], "schema.yaml") and re.search(hook["files"], "seeds.yaml")
    assert not re.search(hook["files"], "README.md")


def test_the_pre_commit_example_pins_a_rev_that_exists() -> None:
    """Issue 13.11: the example named tag v0.1.0, which does not exist. It pins a full commit
    sha of this repository's history (or, once there are tags, an existing tag)."""
    import subprocess

    revs = re.findall(r"^\s*rev:\s*(\S+)", CI, re.MULTILINE)
    assert revs
    for rev in revs:
        tags = subprocess.run(["git", "-C", str(REPO), "tag", "--list", rev], capture_output=True, text=True).stdout.split()
        if rev in tags:
            continue
        assert re.fullmatch(r"[0-9a-f]{40}", rev), f"{rev}: neither a tag of this repository nor a full commit sha"
        found = subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", f"{rev}^{{commit}}"], capture_output=True)
        assert found.returncode == 0, f"{rev} is not a commit of this repository"


def test_diff_help_says_the_spec_database_is_kept_as_a_cache(diff_help: str) -> None:
    """Issue 13.11: the help said the scratch database is dropped; it is kept as a cache."""
    flat = _flat(diff_help)
    assert "dropped afterwards" not in flat
    assert "kept there as a cache" in flat and "clear-cache" in flat
