"""Sequences and identity options in the spec (generator/spec/sequences.py), their DDL
(generator/schema/sequences_ddl.py) and the catalog comparison (generator/pg/catalog_sequences.py).
No server: the DDL and the import against PostgreSQL are tested in tests/drift,
tests/migrations and tests/adopt."""

from __future__ import annotations

import pytest

from generator.pg.catalog import Change, Snapshot, compare
from generator.pg.catalog_sequences import IdentityState, SequenceState
from generator.schema.ddl import ddl_script
from generator.schema.sequences_ddl import identity_sequence_name
from generator.spec import parse_spec
from generator.spec.sequences import SequenceOptions, option_problems

SPEC = """\
version: 1
settings: {require_comments: false}
sequences:
  order_no_seq: {type: integer, start: 1000, increment: -5, min: 10, max: 99999, cache: 3, cycle: true, comment: "it's"}
  shop_id_seq: {owned_by: shop.id}
tables:
  shop:
    columns:
      id: {type: bigint, primary_key: true, default_sql: "nextval('shop_id_seq'::regclass)"}
  ticket:
    columns:
      id: {type: bigint, primary_key: true, identity: {generated: always, sequence: ticket_numbers, start: 50, cache: 10}}
      plain: {type: integer, nullable: false, identity: by default}
"""


def test_the_spec_reads_sequences_and_both_identity_forms() -> None:
    spec = parse_spec(SPEC)
    seq = spec.sequences["order_no_seq"]
    assert (seq.type, seq.options, seq.comment) == ("integer", SequenceOptions(1000, -5, 10, 99999, 3, True), "it's")
    assert spec.sequences["shop_id_seq"].type == "bigint" and spec.sequences["shop_id_seq"].owner == ("shop", "id")
    ticket = spec.tables["ticket"].columns
    assert ticket["id"].identity == "always" and ticket["id"].identity_options is not None
    assert ticket["id"].identity_options.sequence == "ticket_numbers"
    assert ticket["plain"].identity == "by default" and ticket["plain"].identity_options is None


def test_ddl_creates_sequences_before_tables_and_owns_them_after() -> None:
    script = ddl_script(parse_spec(SPEC))
    create = script.index('CREATE SEQUENCE "order_no_seq" AS integer START WITH 1000 INCREMENT BY -5 MINVALUE 10 MAXVALUE 99999 CACHE 3 CYCLE')
    table = next(i for i, s in enumerate(script) if s.startswith("CREATE TABLE shop"))
    owned = script.index('ALTER SEQUENCE "shop_id_seq" OWNED BY "shop"."id"')
    assert create < table < owned
    assert "COMMENT ON SEQUENCE \"order_no_seq\" IS 'it''s'" in script
    assert 'ALTER SEQUENCE "ticket_id_seq" RENAME TO "ticket_numbers"' in script
    ticket = next(s for s in script if s.startswith("CREATE TABLE ticket"))
    assert "GENERATED ALWAYS AS IDENTITY (START WITH 50 CACHE 10)" in ticket


@pytest.mark.parametrize(
    ("options", "type_", "problems"),
    [
        (SequenceOptions(), "bigint", []),
        (SequenceOptions(increment=-1), "smallint", []),  # descending: starts at max (-1)
        (SequenceOptions(start=32768), "smallint", ["start"]),
        (SequenceOptions(increment=0), "bigint", ["increment"]),
        (SequenceOptions(cache=0), "bigint", ["cache"]),
        (SequenceOptions(min=5, max=5), "integer", ["min"]),
        (SequenceOptions(start=0), "integer", ["start"]),  # ascending: min defaults to 1
        (SequenceOptions(increment=-1, start=1), "integer", ["start"]),  # descending: max defaults to -1
        (SequenceOptions(max=2**31), "integer", ["max"]),
    ],
)
def test_option_problems_refuse_what_postgresql_refuses(options: SequenceOptions, type_: str, problems: list[str]) -> None:
    assert [key for key, _ in option_problems(options, type_)] == problems


def test_resolved_defaults_are_postgresqls() -> None:
    assert SequenceOptions().resolved("integer") == (1, 1, 1, 2**31 - 1, 1, False)
    assert SequenceOptions(increment=-2).resolved("smallint") == (-1, -2, -(2**15), -1, 1, False)


@pytest.mark.parametrize(
    ("table", "column", "expected"),
    [
        ("orders", "id", "orders_id_seq"),
        ("t" * 40, "c" * 40, "t" * 29 + "_" + "c" * 29 + "_seq"),  # 63 bytes: the longer part is cut first
        ("t" * 63, "id", "t" * 56 + "_id_seq"),
        ("é" * 31, "id", "é" * 28 + "_id_seq"),  # cut on a character boundary (56 of 57 bytes)
        ("é" * 20, "ü" * 20, "é" * 14 + "_" + "ü" * 14 + "_seq"),
    ],
)
def test_identity_sequence_name_is_postgresqls_choice(table: str, column: str, expected: str) -> None:
    """The expected names are what PostgreSQL 17.6 named these identities (checked by hand)."""
    assert identity_sequence_name(table, column) == expected
    assert len(expected.encode()) <= 63


def test_compare_names_each_difference_and_never_the_current_value() -> None:
    seq = SequenceState("bigint", 1, 1, 1, 2**63 - 1, 1, False, ("shop", "id"), None)
    live, spec = Snapshot(tables={"t": None}), Snapshot(tables={"t": None})
    live.sequences = {"a": seq, "gone": seq}
    spec.sequences = {"a": SequenceState("integer", 5, 1, 1, 100, 1, True, None, "x"), "new": seq}
    changes = compare(live, spec)
    assert Change("sequence", "new", "added") in changes and Change("sequence", "gone", "removed") in changes
    detail = next(c.detail for c in changes if c.name == "a")
    assert detail == ("type: bigint -> integer; start: 1 -> 5; max: 9223372036854775807 -> 100; cycle: false -> true; "
                      "owned by: shop.id -> none; comment: none -> 'x'")


def test_compare_identity_options_and_name() -> None:
    from generator.pg.catalog import Column

    col = Column("bigint", True, None, "a", None)
    live = Snapshot(tables={"t": None}, columns={("t", "id"): col})
    spec = Snapshot(tables={"t": None}, columns={("t", "id"): col})
    live.identities = {("t", "id"): IdentityState("t_id_seq", 1, 1, 1, 2**63 - 1, 1, False)}
    spec.identities = {("t", "id"): IdentityState("t_ids", 1, 2, 1, 2**63 - 1, 1, False)}
    assert compare(live, spec) == [Change("identity", "t.id", "changed", "sequence: t_id_seq -> t_ids; increment: 1 -> 2")]
