"""``generate`` answers "no changes" from the catalog fingerprints (issue 19 target 3).

When the database at the migrations' head and the spec's database fingerprint equal
(``generator.pg.fingerprint``, proven by tests/drift/test_fingerprint.py to change with every
kind of object), autogenerate and the safety net would find nothing: ``generate`` says
``no_changes`` without building the spec's MetaData, reading a catalog snapshot or running
Alembic's comparison. Any difference still goes through the full path.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from migration_helpers import CASES

from generator.migrate.revision import generate
from generator.pg.server import LocalServer
from generator.schema import metadata as metadata_module
from generator.spec import load_spec

BEFORE = CASES / "enum_value_added" / "before.yaml"


def _project(new_project, pg: LocalServer) -> Path:
    """A project whose one revision is written for a spec of its own (a table no other test
    names), so its kept databases are its own."""
    root = new_project()
    table = "fp_" + secrets.token_hex(4)
    text = BEFORE.read_text().replace(
        "\ntables:\n",
        f"\ntables:\n  {table}:\n    comment: Makes this spec's databases new.\n"
        "    columns:\n      id: {type: bigint, primary_key: true, comment: Key.}\n",
        1,
    )
    (root / "schema.yaml").write_text(text)
    assert generate(root, load_spec(root / "schema.yaml"), pg.url("postgres"), "before").status == "written"
    return root


def test_equal_catalogs_answer_without_metadata_or_autogenerate(
    new_project, pg: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.drift.spec_db import cache_key

    root = _project(new_project, pg)
    key = cache_key(root / "schema.yaml")  # as the CLI passes it: the spec database's name without its DDL
    generate(root, load_spec(root / "schema.yaml"), pg.url("postgres"), None, check=True, spec_key=key)

    def no_metadata(*_args, **_kwargs):
        raise AssertionError("MetaData was built although the catalogs are equal")

    monkeypatch.setattr(metadata_module, "build_metadata", no_metadata)
    result = generate(root, load_spec(root / "schema.yaml"), pg.url("postgres"), None, check=True, spec_key=key)
    assert result.status == "no_changes"
    assert "fingerprints" in result.timings
    assert "autogenerate" not in result.timings and "safety net" not in result.timings


def test_a_changed_spec_still_takes_the_full_path(new_project, pg: LocalServer) -> None:
    root = _project(new_project, pg)
    spec_path = root / "schema.yaml"
    spec_path.write_text(spec_path.read_text().replace("Makes this", "Makes that"))
    result = generate(root, load_spec(spec_path), pg.url("postgres"), None, check=True)
    assert result.status == "needed"
    assert "autogenerate" in result.timings
    assert any("comment" in line.lower() for line in result.summary), result.summary


def test_an_empty_revision_is_still_written_when_nothing_changed(new_project, pg: LocalServer) -> None:
    root = _project(new_project, pg)
    result = generate(root, load_spec(root / "schema.yaml"), pg.url("postgres"), "nothing, on purpose", empty=True)
    assert result.status == "written" and result.path is not None and result.path.is_file()
    assert "fingerprints" not in result.timings
