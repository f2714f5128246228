"""generator.drift.spec_db: the spec's DDL is remembered only for the same schema.yaml bytes and
the same code, and a bad or missing cache just means loading the spec."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.drift.spec_db import CACHE_FILE, SpecDDL, cache_key
from generator.schema.ddl import ddl_script
from generator.spec import load_spec

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(REPO / "schema.yaml", tmp_path / "schema.yaml")
    return tmp_path


class Loader:
    def __init__(self, path: Path) -> None:
        self.path, self.calls = path, 0

    def __call__(self):
        self.calls += 1
        return load_spec(self.path)


def test_the_ddl_is_remembered_for_the_same_spec(project: Path) -> None:
    spec_path = project / "schema.yaml"
    load = Loader(spec_path)
    first = SpecDDL.load_cached(spec_path, project, load)
    assert load.calls == 0 and first.key == cache_key(spec_path)  # nothing read yet
    assert first.statements == ddl_script(first.spec)
    assert load.calls == 1
    assert not (project / CACHE_FILE).exists()  # only after the dev server accepted it
    first.remember()
    assert json.loads((project / CACHE_FILE).read_text())["key"] == cache_key(spec_path)

    second = SpecDDL.load_cached(spec_path, project, load)
    assert second.statements == first.statements
    assert load.calls == 1 and second.spec is None
    assert second.the_spec() is not None and load.calls == 2  # loaded on demand (errors)


def test_a_changed_spec_is_loaded_again(project: Path) -> None:
    spec_path = project / "schema.yaml"
    load = Loader(spec_path)
    remembered = SpecDDL.load_cached(spec_path, project, load)
    assert remembered.statements
    remembered.remember()
    spec_path.write_text(spec_path.read_text().replace("Platform accounts.", "Accounts."))
    again = SpecDDL.load_cached(spec_path, project, load)
    assert any("'Accounts." in s for s in again.statements)
    assert load.calls == 2 and again.spec is not None


@pytest.mark.parametrize(
    "content", ["not json", '{"key": "x", "statements": ["CREATE TABLE t ()"]}', "[]"]
)
def test_a_bad_cache_file_is_ignored(project: Path, content: str) -> None:
    (project / CACHE_FILE).parent.mkdir(parents=True)
    (project / CACHE_FILE).write_text(content)
    load = Loader(project / "schema.yaml")
    ddl = SpecDDL.load_cached(project / "schema.yaml", project, load)
    assert ddl.statements and ddl.spec is not None
    assert load.calls == 1


def test_an_unwritable_cache_costs_only_speed(project: Path) -> None:
    (project / ".schemactl").write_text("a file where the folder should be")
    ddl = SpecDDL.load_cached(project / "schema.yaml", project, Loader(project / "schema.yaml"))
    assert ddl.statements
    ddl.remember()  # no error


def test_an_unreadable_spec_has_no_key(tmp_path: Path) -> None:
    assert cache_key(tmp_path / "missing.yaml") == ""


def test_nothing_is_read_until_the_statements_are_needed(project: Path) -> None:
    """A diff whose spec database is cached needs only the key: no parse, no cache file read."""
    (project / CACHE_FILE).parent.mkdir(parents=True)
    (project / CACHE_FILE).write_text("not json")
    load = Loader(project / "schema.yaml")
    ddl = SpecDDL.load_cached(project / "schema.yaml", project, load)
    assert ddl.key and load.calls == 0 and ddl.spec is None


def test_a_cache_file_committed_into_the_project_is_not_trusted(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12: .schemactl/ is git-ignored, but a pull request can still commit a cache file
    with the right key (it hashes the spec and public code). Its statements must not run: only
    a file signed with this machine's secret (kept outside the project) is read."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    planted = ["CREATE ROLE pwned_cache SUPERUSER"]
    key = cache_key(project / "schema.yaml")
    (project / CACHE_FILE).parent.mkdir(parents=True)
    for signature in (None, "0" * 64):
        body = {"key": key, "statements": planted}
        if signature:
            body["signature"] = signature
        (project / CACHE_FILE).write_text(json.dumps(body))
        load = Loader(project / "schema.yaml")
        ddl = SpecDDL.load_cached(project / "schema.yaml", project, load)
        assert ddl.statements != planted and load.calls == 1
    ddl.remember()  # this machine's own file is trusted on the next run
    again = SpecDDL.load_cached(project / "schema.yaml", project, Loader(project / "schema.yaml"))
    assert again.statements == ddl.statements and again.spec is None
    assert (tmp_path / "user-cache" / "schemactl" / "cache-secret").stat().st_mode & 0o077 == 0
