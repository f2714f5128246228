"""Domains and generated columns in the spec (issue 16): what validates, what is refused at
its line, and the DDL (order, quoting, VIRTUAL). Pure: no server (the round trips are in
tests/drift/test_domains_drift.py and tests/adopt/test_import_domains.py)."""

from __future__ import annotations

import pytest

from generator.errors import SpecError
from generator.schema.ddl import ddl_script
from generator.spec import parse_spec
from generator.spec.sql_fragments import FragmentProblem, check_fragment

BASE = """\
version: 1
settings: {require_comments: false}
enums:
  unit: {values: [mm, inch]}
domains:
  part_code:
    type: text
    nullable: false
    default: "P-000"
    collation: "C"
    checks:
      - {name: part_code_format, sql: "VALUE ~ '^P-[0-9]{3}$'"}
      - {name: part_code_not_p999, sql: "VALUE <> 'P-999'"}
    comment: "A part number."
  big_length: {type: length_mm, default: 10}
  length_mm: {type: "numeric(10,2)", checks: [{name: length_mm_positive, sql: "VALUE > 0"}]}
  metric_unit: {type: unit, default: mm}
tables:
  parts:
    columns:
      id: {type: bigint, primary_key: true, identity: by default}
      code: {type: part_code}
      tags: {type: "part_code[]"}
      unit: {type: metric_unit}
      width: {type: length_mm, default: 5}
      area: {type: "numeric(20,4)", generated: {sql: "width * width", stored: true}}
      half: {type: bigint, generated: {sql: "id / 2", stored: false}}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as exc:
        parse_spec(text)
    return [str(p) for p in exc.value.problems]


def test_domains_and_generated_columns_validate_and_build_in_order() -> None:
    spec = parse_spec(BASE)
    assert list(spec.domains) == ["part_code", "length_mm", "big_length", "metric_unit"]  # a domain after its base
    assert spec.tables["parts"].columns["tags"].ctype.domain and spec.tables["parts"].columns["tags"].ctype.array
    script = ddl_script(spec)
    kinds = [s.split(" (")[0].split(" AS ")[0] for s in script]
    assert kinds[:7] == ['CREATE TYPE "unit"', 'CREATE DOMAIN "part_code"', 'COMMENT ON DOMAIN "part_code" IS \'A part number.\'',
                         'CREATE DOMAIN "length_mm"', 'CREATE DOMAIN "big_length"', 'CREATE DOMAIN "metric_unit"', "CREATE TABLE parts"]
    assert script[1] == ("CREATE DOMAIN \"part_code\" AS text COLLATE \"C\" DEFAULT 'P-000' NOT NULL "
                         "CONSTRAINT \"part_code_format\" CHECK (VALUE ~ '^P-[0-9]{3}$') "
                         "CONSTRAINT \"part_code_not_p999\" CHECK (VALUE <> 'P-999')")
    assert 'CREATE DOMAIN "metric_unit" AS "unit" DEFAULT \'mm\'' in script
    table = script[6]
    assert "tags part_code[]" in table and "width length_mm DEFAULT 5" in table
    assert "area NUMERIC(20, 4) GENERATED ALWAYS AS (width * width) STORED" in table
    assert "half BIGINT GENERATED ALWAYS AS (id / 2) VIRTUAL" in table


@pytest.mark.parametrize(("edit", "expected"), [
    (("type: \"numeric(10,2)\", checks", "type: \"numeric(10,2\", checks"), "schema.yaml:16:21: domain length_mm: cannot parse type"),
    (("metric_unit: {type: unit, default: mm}", "metric_unit: {type: unit, default: cm}"),
     "schema.yaml:17:38: domain metric_unit: default 'cm' is not a value of enum unit (mm, inch)"),
    (("big_length: {type: length_mm, default: 10}", "big_length: {type: big_length}"),
     "schema.yaml:15:22: domain big_length: its base type is a domain based on itself"),
    (("part_code_not_p999", "part_code_format"), "schema.yaml:13:16: domain part_code: two checks are named part_code_format"),
    (("metric_unit: {type: unit", "unit: {type: unit"), "schema.yaml:17:3: domain unit: an enum or table has the same name"),
    (("width: {type: length_mm, default: 5}", "width: {type: length_mm, default: five}"),
     "schema.yaml:25:41: parts.width: default 'five' does not fit type numeric(10,2)"),
    (('area: {type: "numeric(20,4)", generated: {sql: "width * width", stored: true}}',
      'area: {type: "numeric(20,4)", default: 1, generated: {sql: "width * width", stored: true}}'),
     "schema.yaml:26:60: parts.area: a generated column cannot also have a default"),
    (('half: {type: bigint, generated: {sql: "id / 2", stored: false}}',
      'half: {type: bigint, identity: always, generated: {sql: "id / 2", stored: false}}'),
     "schema.yaml:27:57: parts.half: a generated column cannot also be an identity"),
    (("VALUE > 0", "VALUE > 0; DROP TABLE parts"), "schema.yaml:16:79: check length_mm_positive on domain length_mm: domain CHECK holds ';'"),
    (('sql: "id / 2"', 'sql: "id / 2) STORED, x int GENERATED ALWAYS AS (1"'),
     "schema.yaml:27:45: generated expression of parts.half: generated column expression"),
])
def test_mistakes_are_reported_at_their_line(edit: tuple[str, str], expected: str) -> None:
    text = BASE.replace(*edit)
    assert text != BASE
    found = problems(text)
    assert any(p.startswith(expected) for p in found), found


@pytest.mark.parametrize(("text", "kind"), [("VALUE > 0", "domain_check"), ("VALUE ~ '^[0-9]{5}$'", "domain_check"),
                                            ("price * qty", "generated"), ("lower(name)", "generated")])
def test_new_fragment_kinds_accept_one_expression(text: str, kind: str) -> None:
    check_fragment(text, kind)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "kind"), [
    ("true) CONSTRAINT d CHECK (false", "domain_check"),  # a second constraint, no ';'
    ("1) STORED, b int GENERATED ALWAYS AS (2", "generated"),  # a second column, no ';'
    ("(SELECT 1)", "generated"),
])
def test_new_fragment_kinds_refuse_anything_else(text: str, kind: str) -> None:
    with pytest.raises(FragmentProblem):
        check_fragment(text, kind)  # type: ignore[arg-type]


def test_models_map_a_domain_to_its_base_type_and_mark_generated_columns_computed(tmp_path, monkeypatch) -> None:
    import importlib.util
    import sys

    from generator.schema.orm_codegen import render

    path = tmp_path / "domain_models.py"
    path.write_text(render(parse_spec(BASE)))
    spec = importlib.util.spec_from_file_location("domain_models", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "domain_models", module)
    spec.loader.exec_module(module)
    table = module.Part.__table__
    assert str(table.c.code.type) == "TEXT" and str(table.c.width.type) == "NUMERIC(10, 2)"
    assert str(table.c.tags.type.item_type) == "TEXT"
    assert table.c.area.computed is not None and table.c.area.computed.persisted is True
    assert table.c.half.computed is not None
    assert table.c.code.computed is None


SEEDS_SPEC = BASE.replace("      tags: {type: \"part_code[]\"}\n", "      tags: {type: \"part_code[]\"}\n      name: {type: text, unique: true}\n")


@pytest.mark.parametrize(("row", "expected"), [
    ("{name: a, code: P-001, width: 2.5, unit: mm, tags: [P-002]}", None),
    ("{name: a, width: wide}", "parts[0].width: value 'wide' does not fit type numeric(10,2)"),
    ("{name: a, unit: cm}", "parts[0].unit: "),
    ("{name: a, area: 4}", "parts[0].area: a generated column (PostgreSQL computes it); leave it out"),
])
def test_seed_values_of_domain_columns_are_checked_against_the_base_type(row: str, expected: str | None) -> None:
    from generator.seeds.spec import parse_seeds

    spec = parse_spec(SEEDS_SPEC)
    text = f"version: 1\ntables:\n  parts:\n    key: [name]\n    rows:\n      - {row}\n"
    if expected is None:
        parse_seeds(text, spec)
        return
    with pytest.raises(SpecError) as exc:
        parse_seeds(text, spec)
    assert any(expected in str(p) for p in exc.value.problems), [str(p) for p in exc.value.problems]


def test_an_unmanaged_entry_may_not_name_a_domain_of_the_spec() -> None:
    text = BASE + "unmanaged:\n  - {kind: domain, name: public.part_code}\n"
    assert any("unmanaged: domain public.part_code is defined by the spec itself (domains:)" in p for p in problems(text))


def test_the_data_dictionary_shows_a_generated_column_as_generated() -> None:
    from generator.schema.docs import data_dictionary

    text = data_dictionary(parse_spec(BASE))
    assert "generated: width * width (stored)" in text and "generated: id / 2 (virtual)" in text
