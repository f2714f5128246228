"""What the default test run leaves out, CI runs (issue 14.4), and no test writes into the
checkout (tests/checkout.py)."""

from __future__ import annotations

import re
from pathlib import Path

import checkout
import pgservers
import pytest

from generator.project import is_project

CI_RUN = checkout.REPO / ".ci" / "run"


def test_the_default_selection_is_the_production_target() -> None:
    assert pgservers.selected_majors({}) == ["17"]
    assert pgservers.selected_majors({"SCHEMACTL_TEST_PG": "17,18"}) == ["17", "18"]


def test_ci_runs_both_versions_and_the_slow_tests() -> None:
    """.ci/run switches on what the default run leaves out, before it runs pytest."""
    text = CI_RUN.read_text()
    exports = re.search(r"^export (SCHEMACTL_TEST_.*)$", text, re.MULTILINE)
    assert exports is not None
    assert set(exports.group(1).split()) >= {"SCHEMACTL_TEST_PG=17,18", "SCHEMACTL_TEST_SLOW=1"}
    assert exports.start() < text.index(".venv/bin/python -m pytest -q || rc=$?")
    assert '"$rc" -eq 5' in text  # no test collected is a failure


@pytest.fixture
def fake_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(checkout, "REPO", tmp_path)
    monkeypatch.setattr(checkout, "STATE", tmp_path / ".schemactl")
    return tmp_path


def test_the_guard_sees_new_and_changed_state(fake_checkout: Path) -> None:
    before = checkout.state_snapshot()
    assert before == {}
    cache = fake_checkout / ".schemactl" / "cache"
    cache.mkdir(parents=True)
    (cache / "spec.pickle").write_bytes(b"x")
    assert checkout.state_changes(before) == [".schemactl/cache", ".schemactl/cache/spec.pickle"]
    before = checkout.state_snapshot()
    assert checkout.state_changes(before) == []
    (cache / "spec.pickle").write_bytes(b"longer")
    assert checkout.state_changes(before) == [".schemactl/cache/spec.pickle"]
    (fake_checkout / ".schemactl" / "generate.lock").write_text("1\n")
    assert checkout.state_changes(before) == [".schemactl/cache/spec.pickle", ".schemactl/generate.lock"]


def test_the_guard_leaves_the_pg17_install_and_the_embedded_server_alone(fake_checkout: Path) -> None:
    before = checkout.state_snapshot()
    for name in ("dist/pg-17.6/bin", "pg18/sock"):
        (fake_checkout / ".schemactl" / name).mkdir(parents=True)
    (fake_checkout / ".schemactl" / "pg18" / "postmaster.pid").write_text("1\n")
    assert checkout.state_changes(before) == []


def test_the_project_copy_is_a_project_without_state(tmp_path: Path) -> None:
    copy = checkout.copy_project(tmp_path / "p")
    assert is_project(copy)
    assert (copy / "schema.yaml").read_bytes() == (checkout.REPO / "schema.yaml").read_bytes()
    assert sorted(p.name for p in (copy / "migrations" / "versions").glob("*.py")) == sorted(
        p.name for p in (checkout.REPO / "migrations" / "versions").glob("*.py")
    )
    assert not (copy / ".schemactl").exists()
    assert not list(copy.rglob("__pycache__"))
    other = checkout.copy_project(tmp_path / "q", "version: 1\n")
    assert (other / "schema.yaml").read_text() == "version: 1\n"
