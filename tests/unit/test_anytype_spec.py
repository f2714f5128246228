"""issue 16, any type by name, composite and range types, column collations: the spec layer,
the DDL text, the SQLAlchemy type and the pure parts of the fix SQL (no server here)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.schema import CreateTable

from generator.errors import SpecError
from generator.schema.ddl import ddl_script
from generator.schema.metadata import build_metadata, ddl_dialect
from generator.schema.opaque_sa import OpaqueType, orm_type
from generator.schema.types_sql import alter_composite, attributes, create_type
from generator.spec import parse_spec
from generator.spec.opaque_types import OpaqueTypeProblem, parse_opaque
from generator.spec.types import parse_type

BASE = """version: 1
settings: {require_comments: false}
%s
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
%s
"""


def spec(columns: str, top: str = "") -> object:
    return parse_spec(BASE % (top, columns))


def problems(columns: str, top: str = "") -> list[str]:
    with pytest.raises(SpecError) as info:
        spec(columns, top)
    return [p.message for p in info.value.problems]


@pytest.mark.parametrize(("text", "canonical"), [
    ("vector(3)", "vector(3)"), ("tsvector", "tsvector"), ("timestamp(3) with time zone", "timestamp(3) with time zone"),
    ("time with time zone", "time with time zone"), ("bit(8)", "pg_catalog.bit(8)"), ("int4range[]", "int4range[]"),
    ("interval day to second", "interval day to second"), ('"My Type"', '"My Type"'), ("money", "money"),
])
def test_a_type_it_does_not_know_is_one_type_name_rendered_from_the_parse_tree(text: str, canonical: str) -> None:
    found = parse_type(text)
    assert found.opaque and found.sql() == canonical


def test_a_known_type_with_more_dimensions_keeps_its_checks() -> None:
    found = parse_type("integer[][]")
    assert (found.opaque, found.base, found.array, found.dims, found.sql()) == (False, "integer", True, 2, "integer[][]")


@pytest.mark.parametrize("text", [
    "int); DROP TABLE x; --", "text; SELECT 1", 'text COLLATE "C"', "int /* hidden */", "setof text",
    "vector(1+2)", "numeric(a)", "int DEFAULT 1", "text[] x", "int)", "numeric(\u0668,2)",
])
def test_hostile_type_text_is_refused(text: str) -> None:
    with pytest.raises(OpaqueTypeProblem):
        parse_opaque(text)


def test_hostile_type_text_is_refused_at_its_line() -> None:
    found = problems('      x: {type: "int); DROP TABLE pwned; --"}')
    assert found == ["t.x: type 'int); DROP TABLE pwned; --' holds ';'; write one type name"]


def test_near_misses_still_suggest_and_real_types_do_not() -> None:
    assert problems("      x: {type: integr}") == ["t.x: unknown type 'integr' (did you mean 'integer'?)"]
    assert problems("      x: {type: datetime}") == ["t.x: unknown type 'datetime': not a PostgreSQL type; use timestamptz (or timestamp)"]
    assert spec("      x: {type: timetz}")  # 'timetz' is not a misspelled 'time'
    top = "types:\n  inventory_item:\n    composite:\n      a: {type: text}"
    assert problems("      x: {type: inventory_itm}", top) == ["t.x: unknown type 'inventory_itm' (did you mean 'inventory_item'?)"]


def test_an_extension_type_needs_its_extension() -> None:
    assert problems('      x: {type: "vector(3)"}') == ["t.x: type vector needs extension 'vector'; add it under extensions"]


def test_collation_goes_on_text_types_only() -> None:
    assert spec('      x: {type: text, collation: "C"}')
    assert problems('      x: {type: integer, collation: "C"}') == [
        "t.x: type integer has no collation; collation: applies to text types"]


def test_types_entries_are_checked() -> None:
    top = """types:
  pair:
    composite:
      a: {type: "int); DROP TABLE pwned; --"}
      b: {type: integer, collation: "C"}
  fr:
    range: {subtype: double precision, subtype_diff: "float8mi(); x"}
  t:
    composite:
      a: {type: text}"""
    found = problems("", top)
    assert "type pair attribute a: type 'int); DROP TABLE pwned; --' holds ';'; write one type name" in found
    assert "type pair attribute b: type integer has no collation; collation: applies to text types" in found
    assert "type fr: subtype_diff 'float8mi(); x' is not a name (name or schema.name, lower case)" in found
    assert "type t: a table (whose row type has the name) has the same name" in found


def test_ddl_creates_types_after_enums_and_before_tables_quoted() -> None:
    top = """enums:
  shift: {values: [early, late]}
types:
  label:
    comment: "a label"
    composite:
      code: {type: text, collation: "C"}
      shift: {type: shift}
      span: {type: span}
  span:
    range: {subtype: double precision, subtype_diff: float8mi, collation: null}"""
    s = spec('      x: {type: label}\n      y: {type: "text[]", collation: "POSIX"}', top.replace(", collation: null", ""))
    script = ddl_script(s)
    assert script[:5] == [
        "CREATE TYPE \"shift\" AS ENUM ('early', 'late')",
        'CREATE TYPE "span" AS RANGE (SUBTYPE = double precision, SUBTYPE_DIFF = "float8mi")',
        'CREATE TYPE "label" AS ("code" text COLLATE "C", "shift" shift, "span" span)',
        "COMMENT ON TYPE \"label\" IS 'a label'",
        script[4],
    ]
    assert "x label" in script[4] and 'y text[] COLLATE "POSIX"' in script[4]


def test_metadata_renders_the_canonical_text() -> None:
    s = spec('      x: {type: "bit(8)"}\n      y: {type: text, collation: "und-x-icu"}\n      z: {type: "integer[][]"}')
    table = build_metadata(s).tables["t"]
    ddl = str(CreateTable(table).compile(dialect=ddl_dialect()))
    assert "x pg_catalog.bit(8)" in ddl and 'y text COLLATE "und-x-icu"' in ddl and "z integer[][]" in ddl
    assert OpaqueType("vector(3)").get_col_spec() == "vector(3)"
    assert isinstance(table.c.x.type, OpaqueType)
    assert str(sa.Column("v", OpaqueType("tsvector")).type.compile(dialect=pg.dialect())) == "tsvector"


def test_models_map_opaque_types_to_python_types() -> None:
    assert orm_type(parse_type("tsvector")) == ("pg.TSVECTOR()", "str")
    assert orm_type(parse_type("vector(3)")) == ('_Opaque("vector(3)")', "Any")
    assert orm_type(parse_type("point[]")) == ('_Opaque("point[]")', "list[Any]")


def test_fix_sql_alters_a_composite_type_in_place_when_the_order_allows() -> None:
    a = 'composite ("a" text, "b" numeric(10,2))'
    assert attributes(a) == ['"a" text', '"b" numeric(10,2)']
    assert alter_composite("p", a, 'composite ("a" text COLLATE "C", "b" numeric(10,2), "c" integer)') == [
        'ALTER TYPE "public"."p" ALTER ATTRIBUTE "a" TYPE text COLLATE "C", ADD ATTRIBUTE "c" integer']
    assert alter_composite("p", a, 'composite ("a" text)') == ['ALTER TYPE "public"."p" DROP ATTRIBUTE "b"']
    assert alter_composite("p", a, 'composite ("c" integer, "a" text)') is None  # ADD ATTRIBUTE appends
    assert create_type("r", "range (subtype = double precision)") == 'CREATE TYPE "public"."r" AS RANGE (subtype = double precision)'


def test_models_of_a_spec_with_types_by_name_import_and_map_them(tmp_path) -> None:
    """``schemactl models`` on the shopfloor-like fixture: the module imports, the columns keep
    the types the metadata gives the DDL where the ORM knows one."""
    import importlib.util
    from pathlib import Path

    from generator.schema.orm_codegen import render
    from generator.spec import load_spec

    source = render(load_spec(Path(__file__).resolve().parents[1] / "fixtures" / "anytype" / "schema.yaml"))
    path = tmp_path / "anytype_models.py"
    path.write_text(source, encoding="utf-8")
    module_spec = importlib.util.spec_from_file_location("anytype_models", path)
    import sys

    module = importlib.util.module_from_spec(module_spec)
    sys.modules["anytype_models"] = module  # SQLAlchemy resolves Mapped[...] through it
    try:
        module_spec.loader.exec_module(module)
    finally:
        del sys.modules["anytype_models"]
    table = module.Base.metadata.tables["things"]
    assert isinstance(table.c.doc.type, pg.TSVECTOR) and isinstance(table.c.price.type, pg.MONEY)
    assert str(table.c.item.type.compile(dialect=pg.dialect())) == "inventory_item"
    assert str(table.c.grid.type.compile(dialect=pg.dialect())) == "integer[][]"


def test_the_erd_writes_any_type_as_a_mermaid_word() -> None:
    from generator.schema.docs import erd_mermaid

    text = erd_mermaid(spec('      x: {type: "bit(8)"}\n      y: {type: \'"My Type"[]\'}\n      z: {type: "timestamp(3) with time zone"}',
                            "extensions: [postgis]\n"))  # postgis has types schemactl does not name: PostgreSQL judges
    assert "pg_catalog_bit_8 x" in text and "_My_Type__array y" in text and "timestamp_3_with_time_zone z" in text


def test_a_name_no_listed_extension_can_define_is_refused_at_validate() -> None:
    """PRODUCT.md: validate catches an unknown type. Every extension listed is one whose types
    schemactl knows, so a name neither built in nor declared cannot exist."""
    found = problems("      x: {type: strng}", "extensions: [pg_trgm, hstore]\n")
    assert found == ["t.x: unknown type 'strng': not a PostgreSQL type, nor declared under "
                     "enums, domains or types, nor a type of a listed extension (a type of another extension: "
                     "list it under extensions)"]


@pytest.mark.parametrize(("column", "top"), [
    ("      x: {type: box2d}", "extensions: [postgis]\n"),  # postgis has types schemactl does not name
    ("      x: {type: query_int}", "extensions: [intarray]\n"),
    ("      x: {type: public.strng}", ""),  # qualified: another schema's type, PostgreSQL judges
    ("      x: {type: pg_snapshot}", ""),
])
def test_a_name_an_extension_or_schema_may_define_is_left_to_postgresql(column: str, top: str) -> None:
    col = spec(column, top).tables["t"].columns["x"]
    assert col.ctype is not None and col.ctype.opaque
