"""The index and constraint forms of the spec (issue 16): model, validators and the DDL text
they build. No server (the import corpus case ``bookings`` builds every form on 17 and 18)."""

from __future__ import annotations

import pytest
import yaml

from generator.schema.ddl import ddl_script
from generator.spec.index_forms import name_problem, operator_problem, storage_problems
from generator.spec.model import build_spec
from generator.spec.sql_fragments import FragmentProblem, check_fragment

SPEC = """
version: 1
extensions: [btree_gist]
tables:
  booking:
    columns:
      id: {type: integer}
      room: {type: integer, nullable: false}
      email: {type: text}
      starts: {type: timestamptz, nullable: false}
      ends: {type: timestamptz, nullable: false}
      cancelled: {type: boolean, nullable: false}
    primary_key: {name: booking_pkey, columns: [id], deferrable: true, initially_deferred: true}
    unique:
      - {name: uq_room_starts, columns: [room, starts], deferrable: true, include: [ends]}
    indexes:
      - name: ix_email
        columns:
          - {expression: "lower(email)", opclass: text_pattern_ops, collation: "C", order: desc, nulls: last}
          - "room desc"
        unique: true
        include: [starts]
        nulls_not_distinct: true
        with: {fillfactor: 70}
        where: "NOT cancelled"
    checks:
      - {name: ordered, sql: "ends > starts", not_valid: true, no_inherit: true}
    exclusions:
      - name: no_overlap
        elements:
          - {column: room, with: "="}
          - {expression: "tstzrange(starts, ends)", with: "public.&&"}
        where: "NOT cancelled"
        include: [email]
        deferrable: true
"""


@pytest.fixture
def statements() -> list[str]:
    return ddl_script(build_spec(yaml.safe_load(SPEC)))


def test_an_expression_index_with_every_option(statements: list[str]) -> None:
    (index,) = [s for s in statements if "INDEX" in s]
    assert index.strip() == (
        'CREATE UNIQUE INDEX "ix_email" ON booking ((lower(email)) COLLATE "C" "text_pattern_ops" DESC NULLS LAST, "room" DESC) '
        "INCLUDE (starts) NULLS NOT DISTINCT WITH (fillfactor = '70') WHERE NOT cancelled"
    ).replace('"ix_email"', "ix_email")


def test_exclusion_and_late_check_are_alter_table(statements: list[str]) -> None:
    assert 'ALTER TABLE "booking" ADD CONSTRAINT "ck_booking_ordered" CHECK (ends > starts) NO INHERIT NOT VALID' in statements
    assert (
        'ALTER TABLE "booking" ADD CONSTRAINT "no_overlap" EXCLUDE USING "gist" ("room" WITH =, '
        '(tstzrange(starts, ends)) WITH OPERATOR("public".&&)) INCLUDE ("email") WHERE (NOT cancelled) DEFERRABLE'
    ) in statements
    create = next(s for s in statements if s.startswith("CREATE TABLE"))
    assert "ck_booking_ordered" not in create  # NOT VALID only holds when added by ALTER TABLE
    assert "PRIMARY KEY (id) DEFERRABLE INITIALLY DEFERRED" in create
    assert "UNIQUE (room, starts) INCLUDE (ends) DEFERRABLE INITIALLY IMMEDIATE" in create


@pytest.mark.parametrize("text", ["=", "&&", "<->", "public.&&", "-|-"])
def test_operators_accepted(text: str) -> None:
    assert operator_problem(text) is None


@pytest.mark.parametrize("text", ["= ); DROP TABLE x; --", "&&--", "/*", "a b", "OPERATOR(=)", "", "=\n"])
def test_operators_refused(text: str) -> None:
    assert operator_problem(text) is not None


@pytest.mark.parametrize("text", ["text_pattern_ops", "public.gin_trgm_ops", "C", "und-x-icu", "pg_catalog.default"])
def test_names_accepted(text: str) -> None:
    assert name_problem(text, "operator class") is None


@pytest.mark.parametrize("text", ['C"); --', "a b", "a.b.c", "", "x)", "a;b"])
def test_names_refused(text: str) -> None:
    assert name_problem(text, "collation") is not None


def test_storage_parameters() -> None:
    assert storage_problems({"fillfactor": 70, "deduplicate_items": False, "siglen": "32"}, "ix") == []
    assert len(storage_problems({"a = 1); --": 1, "fillfactor": "7'0", "x": [1]}, "ix")) == 3


@pytest.mark.parametrize("text", ["lower(email)", "(a + b)", "tstzrange(starts, ends, '[)')", "a COLLATE \"C\""])
def test_index_expression_fragments(text: str) -> None:
    check_fragment(text, "index_expression")


@pytest.mark.parametrize("text", ["a) WHERE (true", "a; SELECT 1", "x DESC", "a, b", "(SELECT 1)", "a /* c */"])
def test_index_expression_fragments_refused(text: str) -> None:
    with pytest.raises(FragmentProblem):
        check_fragment(text, "index_expression")


def test_seed_keys_leave_out_what_on_conflict_cannot_arbitrate() -> None:
    """ON CONFLICT refuses deferrable keys as arbiters, and cannot name an expression by columns."""
    from generator.seeds.spec import unique_keys

    assert unique_keys(build_spec(yaml.safe_load(SPEC)).tables["booking"]) == []


def test_data_dictionary_names_expressions_and_exclusions() -> None:
    from generator.schema.docs import data_dictionary

    text = data_dictionary(build_spec(yaml.safe_load(SPEC)))
    assert "| lower(email) text_pattern_ops desc nulls last, room desc |" in text
    assert "| `no_overlap` | exclusion gist | room with =, tstzrange(starts, ends) with public.&amp;&amp; |" in text
