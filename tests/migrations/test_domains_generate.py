"""Generated revisions with VIRTUAL generated columns (PostgreSQL 18): created with a new table
and added to an existing one, proven (upgrade, compare, downgrade, compare) on 18, and refused
in one line on 17. The domain and stored-column cases are golden cases under
tests/fixtures/generate/ (domains_*), run on both servers by test_generate_cases.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from migration_helpers import revision_files

from generator.errors import SpecError
from generator.migrate.revision import generate
from generator.pg.server import LocalServer
from generator.spec import load_spec

BEFORE = """\
version: 1
settings: {require_comments: false}
tables:
  boxes:
    columns:
      id: {type: bigint, primary_key: true, identity: by default}
      w: {type: integer, nullable: false}
      h: {type: integer, nullable: false}
"""
AFTER = BEFORE + """\
      area: {type: integer, generated: {sql: "w * h", stored: false}}
  lids:
    columns:
      id: {type: bigint, primary_key: true, identity: by default}
      d: {type: integer}
      r: {type: integer, generated: {sql: "d / 2", stored: false}}
"""


def _generate(root: Path, text: str, dev: str, message: str | None, **kw: object):
    (root / "schema.yaml").write_text(text)
    return generate(root, load_spec(root / "schema.yaml"), dev, message, **kw)  # type: ignore[arg-type]


def test_virtual_columns_are_created_and_added_on_18(pg18: LocalServer, new_project) -> None:
    root = new_project()
    dev = pg18.url("postgres")
    assert _generate(root, BEFORE, dev, "before").status == "written"
    result = _generate(root, AFTER, dev, "after")
    assert result.status == "written"
    assert result.summary == ["create table lids", "add column boxes.area"]
    text = (root / "migrations" / "versions" / revision_files(root)[-1]).read_text()
    assert "VirtualComputed(sa.text('w * h'))" in text and "VirtualComputed(sa.text('d / 2'))" in text
    again = _generate(root, AFTER, dev, None, check=True)
    assert (again.status, again.leftover) == ("no_changes", [])


def test_virtual_columns_are_refused_on_17_in_one_line(pg17: LocalServer, new_project) -> None:
    root = new_project()
    with pytest.raises(SpecError) as refused:
        _generate(root, AFTER, pg17.url("postgres"), "after")
    lines = [str(p) for p in refused.value.problems]
    assert [ln.split(": ", 1)[1] for ln in lines] == [
        "boxes.area: a virtual generated column (stored: false) needs PostgreSQL 18 or later, and the dev server is "
        "PostgreSQL 17.6; write stored: true, or use a dev server of version 18",
        "lids.r: a virtual generated column (stored: false) needs PostgreSQL 18 or later, and the dev server is "
        "PostgreSQL 17.6; write stored: true, or use a dev server of version 18",
    ]
    assert revision_files(root) == []
