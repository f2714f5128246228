"""Views, materialized views, functions, procedures, aggregates, domains and composite/range
types in schemas other than public, in the spec (issue 17 item 5): keys under the key rule,
references to them (a column's type, a trigger's function, an aggregate's sfunc, a view's or
function's SQL) and the qualified DDL of the spec's script. Pure: no database."""

from __future__ import annotations

import pytest

from generator.errors import SpecError
from generator.schema.ddl import ddl_script
from generator.spec import parse_spec
from generator.spec.dependencies import functions_called, relations_read
from generator.spec.view_sql import relations_read as view_reads

SPEC = """version: 1
settings: {require_comments: false}
schemas:
  billing: {comment: "Invoices"}
domains:
  billing.money_try:
    type: "numeric(12,2)"
    checks:
      - {name: non_negative, sql: "VALUE >= 0"}
    comment: "Money."
types:
  billing.address:
    composite:
      street: {type: text}
      city: {type: text}
functions:
  billing.touch:
    returns: trigger
    body: "BEGIN NEW.n := NEW.n; RETURN NEW; END;"
    comment: "Touch."
  billing.total_of:
    language: sql
    arguments: [{name: inv, type: bigint}]
    returns: billing.money_try
    volatility: stable
    body: "SELECT total FROM billing.invoices WHERE id = inv"
  public.add_money:
    language: sql
    arguments: [{name: a, type: billing.money_try}, {name: b, type: billing.money_try}]
    returns: billing.money_try
    body: "SELECT a + b"
aggregates:
  billing.money_sum:
    arguments: [{type: billing.money_try}]
    sfunc: add_money
    stype: billing.money_try
tables:
  customers:
    columns:
      id: {type: bigint, primary_key: true}
      n: {type: integer}
    triggers:
      - {name: customers_touch, timing: before, events: [update], function: billing.touch}
  billing.invoices:
    columns:
      id: {type: bigint, primary_key: true}
      total: {type: billing.money_try}
      bill_to: {type: billing.address, nullable: true}
views:
  billing.open_invoices:
    sql: "SELECT id, total FROM billing.invoices WHERE total > 0"
    comment: "Open."
  billing.totals:
    materialized: true
    sql: "SELECT sum(total) AS total FROM billing.open_invoices"
    indexes:
      - columns: [total]
"""


def test_objects_in_another_schema_are_keyed_by_their_canonical_names() -> None:
    spec = parse_spec(SPEC)
    assert set(spec.domains) == {"billing.money_try"} and set(spec.types) == {"billing.address"}
    assert set(spec.functions) == {"billing.touch", "billing.total_of", "add_money"}  # public.add_money is add_money
    assert spec.functions["add_money"].path == ("functions", "public.add_money")  # the line is the key as written
    assert set(spec.aggregates) == {"billing.money_sum"}
    assert set(spec.views) == {"billing.open_invoices", "billing.totals"}
    assert spec.triggers["customers"][0].function == "billing.touch"


def test_the_script_names_every_object_with_its_schema() -> None:
    script = ddl_script(parse_spec(SPEC))
    text = "\n".join(script)
    assert 'CREATE DOMAIN "billing"."money_try" AS numeric(12,2)' in text
    assert "COMMENT ON DOMAIN \"billing\".\"money_try\" IS 'Money.'" in text
    assert 'CREATE TYPE "billing"."address" AS ("street" text, "city" text)' in text
    assert 'CREATE FUNCTION "billing"."touch"()' in text
    assert "COMMENT ON FUNCTION \"billing\".\"touch\"() IS 'Touch.'" in text
    assert 'CREATE FUNCTION "add_money"(' in text  # public: bare, as before
    assert 'CREATE AGGREGATE "billing"."money_sum"(billing.money_try) (SFUNC = "add_money"' in text
    assert 'EXECUTE FUNCTION "billing"."touch"()' in text
    assert 'CREATE VIEW "billing"."open_invoices" AS' in text
    assert 'CREATE MATERIALIZED VIEW "billing"."totals" AS' in text
    assert 'ON "billing"."totals" (' in text
    assert "\ttotal billing.money_try," in text  # the column's domain, with its schema
    # order: the schema, then the types and domains, the tables, then what reads them
    at = {s.split(" AS")[0]: i for i, s in enumerate(script)}
    assert script[0] == 'CREATE SCHEMA "billing"'
    assert at['CREATE VIEW "billing"."open_invoices"'] < at['CREATE MATERIALIZED VIEW "billing"."totals"']
    total_of = next(i for i, s in enumerate(script) if s.startswith('CREATE FUNCTION "billing"."total_of"'))
    table = next(i for i, s in enumerate(script) if s.startswith("CREATE TABLE billing.invoices"))
    assert table < total_of  # a sql body reading billing.invoices comes after it


def test_sql_text_names_are_read_as_the_spec_keys_them() -> None:
    assert relations_read("SELECT * FROM billing.invoices JOIN public.customers ON true JOIN t ON true") == {
        "billing.invoices", "customers", "t"}
    assert view_reads("WITH c AS (SELECT 1) SELECT * FROM c, billing.v, public.w") == {"billing.v", "w"}
    assert functions_called(["billing.f(1) + public.g(2) + h(3)"]) == {"billing.f", "g", "h"}


@pytest.mark.parametrize("kind, key", [("views", "sales.v"), ("functions", "sales.f"), ("domains", "sales.d"),
                                       ("types", "sales.t"), ("aggregates", "sales.a")])
def test_an_undeclared_schema_prefix_is_an_error_at_the_key(kind: str, key: str) -> None:
    body = {"views": '{sql: "SELECT 1 AS one"}', "functions": "{returns: integer, language: sql, body: SELECT 1}",
            "domains": "{type: text}", "types": "{composite: {a: {type: text}}}",
            "aggregates": "{arguments: [{type: integer}], sfunc: int4pl, stype: integer}"}[kind]
    with pytest.raises(SpecError) as err:
        parse_spec(SPEC + f"{kind}:\n  {key}: {body}\n".replace(f"{kind}:\n", f"{kind}:\n", 1)
                   if kind not in SPEC else SPEC.replace(f"{kind}:\n", f"{kind}:\n  {key}: {body}\n", 1))
    problems = [str(p) for p in err.value.problems]
    assert any(f"{kind} {key}: schema sales is not declared" in p for p in problems), problems


def test_a_view_keyed_public_dot_name_is_checked_like_its_bare_key() -> None:
    """``public.v`` is the view ``v``: its options are checked at the key as written."""
    text = ("version: 1\nsettings: {require_comments: false}\ntables:\n  t:\n    columns:\n"
            "      id: {type: bigint, primary_key: true}\nviews:\n  public.v: {sql: \"SELECT id FROM t\", with_data: false}\n")
    with pytest.raises(SpecError) as err:
        parse_spec(text, "schema.yaml")
    assert [str(p) for p in err.value.problems] == ["schema.yaml:8:39: view v: with_data is only for materialized views"]
