"""Partitioned and inherited tables in the spec: syntax, semantic checks (at FILE:LINE:COL),
the DDL, and the SQLAlchemy metadata. No database."""

from __future__ import annotations

import pytest

from generator.errors import SpecError
from generator.schema.ddl import ddl_script
from generator.schema.metadata import build_metadata
from generator.spec import parse_spec
from generator.spec.sql_fragments import FragmentProblem, check_partition_bound

GOOD = """\
version: 1
settings: {require_comments: false}
tables:
  sensor:
    columns:
      id: {type: integer, identity: by default, primary_key: true}
  measurement:
    columns:
      sensor_id: {type: integer, nullable: false, references: {table: sensor}}
      logdate: {type: date, nullable: false}
      region: {type: text, nullable: false}
    primary_key: [sensor_id, logdate, region]
    indexes:
      - columns: [logdate]
    partition_by: {range: [logdate]}
    partitions:
      measurement_y2026m01:
        bound: "FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')"
        comment: January
      measurement_y2025:
        bound: "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"
        partition_by: {list: [region]}
        partitions:
          measurement_y2025_eu: {bound: "FOR VALUES IN ('eu')"}
          measurement_y2025_rest: {bound: DEFAULT}
      measurement_default: {bound: DEFAULT}
  cities:
    columns:
      name: {type: text, primary_key: true}
  capitals:
    inherits: [cities]
    columns:
      state: {type: "char(2)", primary_key: true}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    return [str(p) for p in info.value.problems]


def test_a_partitioned_spec_validates_and_builds_in_order() -> None:
    spec = parse_spec(GOOD)
    table = spec.tables["measurement"]
    assert table.partition_by is not None and table.partition_by.strategy == "range"
    assert [p.name for p in table.partitions] == ["measurement_y2026m01", "measurement_y2025", "measurement_default"]
    assert spec.tables["capitals"].inherits == ("cities",)
    ddl = ddl_script(spec)
    text = "\n".join(ddl)
    assert 'PARTITION BY RANGE ("logdate")' in text
    assert " INHERITS ( cities )" in text
    assert ddl.index('CREATE TABLE "measurement_y2025" PARTITION OF "measurement" FOR VALUES FROM (\'2025-01-01\') TO '
                     '(\'2026-01-01\') PARTITION BY LIST ("region")') < ddl.index(
        'CREATE TABLE "measurement_y2025_eu" PARTITION OF "measurement_y2025" FOR VALUES IN (\'eu\')')
    assert 'COMMENT ON TABLE "measurement_y2026m01" IS \'January\'' in ddl
    # the parent's index after its partitions, the inheriting table after its parent
    assert ddl.index('CREATE TABLE "measurement_default" PARTITION OF "measurement" DEFAULT') < next(
        i for i, s in enumerate(ddl) if s.startswith("CREATE INDEX ix_measurement_logdate"))
    assert next(i for i, s in enumerate(ddl) if s.startswith("CREATE TABLE cities")) < next(
        i for i, s in enumerate(ddl) if s.startswith("CREATE TABLE capitals"))


def test_metadata_maps_the_parent_not_the_partitions() -> None:
    md = build_metadata(parse_spec(GOOD))
    assert md.tables["measurement"].dialect_options["postgresql"]["partition_by"] == 'RANGE ("logdate")'
    assert md.tables["capitals"].dialect_options["postgresql"]["inherits"] == ("cities",)
    assert "measurement_y2026m01" not in md.tables
    assert md.sorted_tables.index(md.tables["cities"]) < md.sorted_tables.index(md.tables["capitals"])


def _with(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


def test_primary_key_must_include_the_partition_key_at_its_line() -> None:
    found = problems(_with("primary_key: [sensor_id, logdate, region]", "primary_key: [sensor_id, logdate]"))
    assert found == ["schema.yaml:12:18: table measurement: the primary key must include the partition key column "
                     "region (PostgreSQL's rule for partitioned tables); add them to it"], found


def test_partition_key_column_must_exist() -> None:
    found = problems(_with("partition_by: {range: [logdate]}", "partition_by: {range: [log_date]}"))
    assert any("schema.yaml:15:28: table measurement: partition key column 'log_date' does not exist" in p for p in found), found


def test_partition_key_expression_is_one_expression() -> None:
    found = problems(_with("partition_by: {range: [logdate]}", "partition_by: {range: [\"1); DROP TABLE x; --\"]}"))
    assert any("partition key expression" in p and "schema.yaml:15:28:" in p for p in found), found
    found = problems(_with("partition_by: {range: [logdate]}", "partition_by: {range: [\"date_trunc('month', logdate)\"]}"))
    assert any("primary key is not possible on a table partitioned by an expression" in p for p in found), found


@pytest.mark.parametrize("bound", [
    "FOR VALUES IN ('eu'); DROP TABLE x",
    "FOR VALUES IN ('eu') PARTITION BY LIST (region)",
    "FOR VALUES IN ((SELECT 'eu'))",
    "FOR VALUES IN (pg_sleep(10))",
    "DEFAULT -- hidden",
    "WITH (fillfactor=10)",
])
def test_a_bound_is_exactly_one_partition_bound(bound: str) -> None:
    with pytest.raises(FragmentProblem):
        check_partition_bound(bound, "list")


def test_bound_form_follows_the_strategy_at_its_line() -> None:
    found = problems(_with("measurement_y2025_eu: {bound: \"FOR VALUES IN ('eu')\"}",
                           "measurement_y2025_eu: {bound: \"FOR VALUES WITH (MODULUS 2, REMAINDER 0)\"}"))
    assert found == ["schema.yaml:24:41: partition measurement_y2025_eu: bound of a list partition is written "
                     "FOR VALUES IN (...) (or DEFAULT)"], found


def test_partition_name_clashing_with_a_table() -> None:
    found = problems(_with("      measurement_default: {bound: DEFAULT}", "      cities: {bound: DEFAULT}"))
    assert any(p.startswith("schema.yaml:26:7: partition cities of measurement: a table has the same name") for p in found), found


def test_inherits_an_unknown_table_and_cycles() -> None:
    found = problems(_with("inherits: [cities]", "inherits: [citys]"))
    assert found == ["schema.yaml:31:16: table capitals: inherits 'citys', which is not a table of the spec"], found
    cyc = _with("  cities:\n    columns:", "  cities:\n    inherits: [capitals]\n    columns:")
    found = problems(cyc)
    assert any("which makes a cycle" in p for p in found), found


def test_inheriting_table_lists_only_its_own_columns() -> None:
    found = problems(_with("      state: {type: \"char(2)\", primary_key: true}",
                           "      state: {type: \"char(2)\", primary_key: true}\n      name: {type: text}"))
    assert any("column 'name' is inherited from cities; list only the table's own columns" in p for p in found), found
