"""``primary_key: []``: a table that has no primary key says so (adopted databases have such
tables: logs, link tables, staging). Omitting the key stays an error; the table builds without
a key, its ORM class maps rows by all columns, and a reference to it must name its columns."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from generator.errors import SpecError
from generator.schema import orm_codegen
from generator.schema.docs import data_dictionary
from generator.schema.metadata import build_metadata
from generator.spec import parse_spec

SPEC = """\
version: 1
tables:
  events:
    comment: Raw events, as a log keeps them.
    primary_key: []
    columns:
      at: {type: timestamptz, nullable: false, comment: When.}
      kind: {type: text, nullable: false, comment: What.}
      payload: {type: jsonb, comment: Data.}
      class: {type: text, comment: A keyword as a column name.}
    unique:
      - {columns: [at, kind]}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    return [str(p) for p in info.value.problems]


def test_an_empty_primary_key_list_is_a_table_without_one() -> None:
    table = parse_spec(SPEC).tables["events"]
    assert table.primary_key == () and table.no_primary_key


def test_omitting_the_key_is_still_an_error_with_the_way_out() -> None:
    text = SPEC.replace("    primary_key: []\n", "")
    assert any("has no primary key; mark a column primary_key: true (or write primary_key: [] for a table that has none)" in p
               for p in problems(text))


def test_an_empty_list_beside_a_primary_key_column_is_refused() -> None:
    text = SPEC.replace("at: {type: timestamptz, nullable: false,", "at: {type: timestamptz, primary_key: true,")
    assert any("give the primary key either on columns or as primary_key, not both" in p for p in problems(text))


def test_a_reference_to_it_must_name_its_columns() -> None:
    base = SPEC + """\
  notes:
    comment: Notes on events.
    columns:
      id: {type: bigint, primary_key: true, identity: always, comment: Key.}
      at: {type: timestamptz, comment: Event time.}
      kind: {type: text, comment: Event kind.}
"""
    column_level = base + "      extra: {type: timestamptz, references: {table: events}, comment: Bad.}\n"
    assert any("table events has no single-column primary key; name the column to reference" in p for p in problems(column_level))
    table_level = base + "    foreign_keys:\n      - {columns: [at, kind], references: {table: events}}\n"
    assert any("table events has no primary key; name the referenced columns" in p for p in problems(table_level))
    named = base + "    foreign_keys:\n      - {columns: [at, kind], references: {table: events, columns: [at, kind]}}\n"
    assert parse_spec(named).tables["notes"].fks


def test_the_metadata_table_has_no_primary_key() -> None:
    table = build_metadata(parse_spec(SPEC)).tables["events"]
    assert list(table.primary_key.columns) == []
    keyed = {type(c).__name__ for c in table.constraints if len(c.columns)}  # SQLAlchemy keeps an empty PK object
    assert keyed == {"UniqueConstraint"}


def test_the_orm_class_maps_rows_by_all_columns(tmp_path: Path) -> None:
    path = tmp_path / "models_nopk.py"
    path.write_text(orm_codegen.render(parse_spec(SPEC)), encoding="utf-8")
    name = f"_nopk_{uuid.uuid4().hex}"
    loader = importlib.util.spec_from_file_location(name, path)
    assert loader is not None and loader.loader is not None
    module = importlib.util.module_from_spec(loader)
    sys.modules[name] = module
    try:
        loader.loader.exec_module(module)
        mapper = sa.inspect(module.Event)
        assert [c.name for c in mapper.primary_key] == ["at", "kind", "payload", "class"]
        assert list(module.Event.__table__.primary_key.columns) == []
    finally:
        del sys.modules[name]


def test_the_data_dictionary_says_it_has_none() -> None:
    text = data_dictionary(parse_spec(SPEC))
    assert "No primary key." in text.splitlines()
    assert "Primary key:" not in text
