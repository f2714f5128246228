"""`generate` and `models` for schemas other than public (issue 17 item 5), without a server:
what they still refuse (renames there, and kinds not built there: namespaces.refuse_not_built),
and how a revision's ops carry names outside public (generator.migrate.qualified). The rest is
generated and proven in tests/migrations/test_schemas_generate.py, test_schemas_models.py and
the golden case schemas_created_changed."""

from __future__ import annotations

import pytest

from generator.errors import SpecError
from generator.migrate.qualified import QName, known_schemas, qualify, split
from generator.spec import parse_spec
from generator.spec.namespaces import refuse_not_built

SPEC = """version: 1
settings: {require_comments: false}
schemas:
  billing: {}
enums:
  billing.currency: {values: [eur, usd]}
tables:
  customers:
    columns:
      id: {type: bigint, primary_key: true}
      nick: {type: text, renamed_from: name}
  billing.invoices:
    columns:
      id: {type: bigint, primary_key: true}
      currency: {type: billing.currency}
"""


def test_a_spec_with_schemas_and_renames_in_public_only_is_accepted() -> None:
    refuse_not_built(parse_spec(SPEC), "generate")
    refuse_not_built(parse_spec(SPEC), "models")


@pytest.mark.parametrize("old, new, where", [
    ("  billing.invoices:\n", "  billing.invoices:\n    renamed_from: bills\n", "table billing.invoices"),
    ("      currency: {type: billing.currency}\n", "      currency: {type: billing.currency, renamed_from: cur}\n",
     "column billing.invoices.currency"),
    ("  billing.currency: {values: [eur, usd]}\n", "  billing.currency: {values: [eur, usd], renamed_from: money}\n",
     "enum billing.currency"),
])
def test_a_rename_outside_public_is_refused_in_one_line_at_its_key(old: str, new: str, where: str) -> None:
    spec = parse_spec(SPEC.replace(old, new), "schema.yaml")
    with pytest.raises(SpecError) as err:
        refuse_not_built(spec, "generate")
    refuse_not_built(spec, "models")  # models maps the new name only
    [problem] = [str(p) for p in err.value.problems]
    assert problem.startswith("schema.yaml:") and f"{where}: generate does not rename objects outside public yet" in problem
    assert "\n" not in problem


def test_a_qualified_name_keeps_its_split_and_renders_as_code() -> None:
    with known_schemas({"billing", "public"}):
        name = qualify("billing.currency")
        assert qualify("a.b") == "a.b" and not isinstance(qualify("a.b"), QName)  # a verbatim name in public
        assert split("customers") == (None, "customers")
    assert isinstance(name, QName) and name == "billing.currency" and (name.schema, name.bare) == ("billing", "currency")
    assert repr(name) == "QName('billing', 'currency')" and eval(repr(name)) == name
    assert split("billing.currency") == (None, "billing.currency")  # outside the block: no schema is known
    assert split(name) == ("billing", "currency")


@pytest.mark.parametrize("command", ["generate", "models"])
def test_a_kind_not_built_outside_public_is_refused_by_generate_and_models(command: str) -> None:
    """Views, functions, domains, types and aggregates in another schema (helper nsobj's branch
    lets the spec hold them): their ops and models name public's objects, so both commands
    refuse them in one line each until they are built."""
    import dataclasses

    spec = parse_spec(SPEC)
    raw = {**spec.raw, "views": {"billing.open_invoices": {"query": "SELECT 1"}, "public_view": {"query": "SELECT 1"}}}
    with pytest.raises(SpecError) as err:
        refuse_not_built(dataclasses.replace(spec, raw=raw, source=None), command)
    assert [p.message for p in err.value.problems] == [
        f"views billing.open_invoices: {command} does not handle views outside public yet"]


def test_qualify_ops_qualifies_objects_in_schemas_but_not_schemas_columns_or_alembics_ops() -> None:
    from alembic.operations import ops as alembic_ops

    from generator.migrate import ops as xops
    from generator.migrate import schema_ops
    from generator.migrate.qualified import qualify_ops

    with known_schemas({"billing", "billing.x"}):
        enum, schema = xops.CreateEnumOp("billing.currency", ["eur"]), schema_ops.CreateSchemaOp("billing.x")
        column = xops.RenameColumnOp("billing.invoices", "billing.old", "new")  # verbatim column names may hold a dot
        index = xops.RenameIndexOp("billing.ix_a", "billing.ix_b")
        alembic = alembic_ops.DropTableOp("billing.t")  # Alembic's own: named with schema=, never touched
        qualify_ops([enum, schema, column, index, alembic])
    assert isinstance(enum.name, QName) and xops._q(enum.name) == '"billing"."currency"'
    assert not isinstance(schema.name, QName)
    assert isinstance(column.table_name, QName) and not isinstance(column.old_name, QName)
    assert isinstance(index.old_name, QName) and xops._bare(index.new_name) == '"ix_b"'
    assert not isinstance(alembic.table_name, QName)


def test_a_public_tables_triggers_are_not_repeated_for_a_table_of_the_same_name_in_a_schema() -> None:
    """The spec's DDL looked a table's triggers up by its bare name, so billing.invoices got
    the CREATE TRIGGER of public's invoices (before that table existed: the spec's database
    failed to build, for diff and generate alike)."""
    from generator.schema.ddl import ddl_script

    text = SPEC.replace("  customers:\n", """  invoices:
    columns:
      id: {type: bigint, primary_key: true}
    triggers:
      - {name: invoices_touch, timing: before, events: [update], function: touch}
  customers:
""") + """functions:
  touch: {language: plpgsql, returns: trigger, body: "BEGIN RETURN NEW; END"}
"""
    statements = ddl_script(parse_spec(text))
    triggers = [i for i, s in enumerate(statements) if s.startswith('CREATE TRIGGER "invoices_touch"')]
    [create_public] = [i for i, s in enumerate(statements) if s.startswith("CREATE TABLE invoices ")]
    assert len(triggers) == 1 and triggers[0] > create_public
