"""cli.state.shown_path: the one helper that prints a path as the user would type it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.state import shown_path


def test_paths_in_and_near_the_working_directory_are_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    monkeypatch.chdir(project)
    assert shown_path(project / "schema.yaml") == "schema.yaml"
    assert shown_path("migrations/versions/0010_x.py") == "migrations/versions/0010_x.py"
    monkeypatch.chdir(project / "docs")
    assert shown_path(project / "schema.yaml") == "../schema.yaml"
    assert shown_path(project / "migrations" / "versions" / "0010_x.py") == "../migrations/versions/0010_x.py"


def test_far_away_paths_stay_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = tmp_path / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert shown_path(tmp_path / "x" / "schema.yaml") == str(tmp_path / "x" / "schema.yaml")
    assert shown_path(deep) == str(deep)
