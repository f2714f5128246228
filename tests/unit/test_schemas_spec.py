"""schemas: in the spec (generator.spec.namespaces; issue 17 item 5): the [schema.]name key
rule, canonical names, what is refused outside public so far, and the DDL's order and
qualification. Pure: no database."""

from __future__ import annotations

import pytest

from generator.errors import SpecError
from generator.schema.ddl import ddl_script
from generator.spec import parse_spec
from generator.spec.namespaces import canonical, split

SPEC = """version: 1
settings: {require_comments: false}
schemas:
  billing: {comment: "Invoices"}
enums:
  billing.currency: {values: [eur, usd]}
tables:
  customers:
    columns:
      id: {type: bigint, primary_key: true}
  billing.invoices:
    columns:
      id: {type: bigint, primary_key: true}
      customer_id: {type: bigint, references: {table: public.customers}}
      currency: {type: billing.currency}
    indexes:
      - columns: [customer_id]
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as err:
        parse_spec(text, "schema.yaml")
    return [str(p) for p in err.value.problems]


def test_the_key_rule_splits_at_the_first_dot_only_for_a_declared_schema() -> None:
    schemas = frozenset({"public", "billing"})
    assert split("billing.invoices", schemas) == ("billing", "invoices")
    assert split("billing.a.b", schemas) == ("billing", "a.b")
    assert split("public.customers", schemas) == ("public", "customers")
    assert split("other.x", schemas) == ("public", "other.x")  # verbatim: one name in public
    assert canonical("public.customers", schemas) == "customers"
    assert canonical("billing.invoices", schemas) == "billing.invoices"


def test_objects_in_a_schema_get_canonical_names_and_bare_conventional_names() -> None:
    spec = parse_spec(SPEC)
    assert list(spec.tables) == ["customers", "billing.invoices"]
    assert list(spec.enums) == ["billing.currency"]
    invoices = spec.tables["billing.invoices"]
    assert invoices.primary_key_name == "pk_invoices"
    assert [ix.name for ix in invoices.indexes] == ["ix_invoices_customer_id"]
    (fk,) = invoices.fks
    assert (fk.ref_table, fk.name) == ("customers", "fk_invoices_customer_id_customers")
    assert invoices.columns["customer_id"].references.table == "customers"
    assert invoices.columns["currency"].ctype is not None and invoices.columns["currency"].ctype.enum
    assert spec.schemas["billing"].comment == "Invoices"


def test_the_ddl_creates_schemas_first_and_names_every_object_with_its_schema() -> None:
    script = ddl_script(parse_spec(SPEC))
    assert script[:2] == ['CREATE SCHEMA "billing"', "COMMENT ON SCHEMA \"billing\" IS 'Invoices'"]
    assert 'CREATE TYPE "billing"."currency" AS ENUM (\'eur\', \'usd\')' in script
    assert any(s.startswith("CREATE TABLE billing.invoices (") and "currency billing.currency" in s for s in script)
    assert "CREATE INDEX ix_invoices_customer_id ON billing.invoices (customer_id)" in script
    assert ('ALTER TABLE "billing"."invoices" ADD CONSTRAINT "fk_invoices_customer_id_customers" FOREIGN KEY '
            '("customer_id") REFERENCES "customers" ("id") ON DELETE RESTRICT') in script


def test_an_undeclared_schema_is_an_error_at_the_key() -> None:
    text = SPEC.replace("  billing.invoices:", "  sales.orders:\n    columns: {id: {type: bigint, primary_key: true}}\n  billing.invoices:")
    (problem,) = _problems(text)
    line = text.splitlines().index("  sales.orders:") + 1
    assert problem.startswith(f"schema.yaml:{line}:3: tables sales.orders: schema sales is not declared")
    assert "schemas: {sales: {}}" in problem


def test_a_reference_to_an_undeclared_schema_is_an_error() -> None:
    text = SPEC.replace("references: {table: public.customers}", "references: {table: sales.customers}")
    problems = _problems(text)
    assert any("schema sales of sales.customers is not declared" in p for p in problems), problems


def test_a_sequence_in_a_schema_is_created_and_owned_there() -> None:
    text = SPEC.replace("      currency: {type: billing.currency}\n", "      currency: {type: billing.currency}\n      n: {type: bigint}\n")
    text += "sequences:\n  billing.invoice_no: {start: 10, owned_by: billing.invoices.n, comment: Numbers.}\n"
    script = ddl_script(parse_spec(text))
    assert 'CREATE SEQUENCE "billing"."invoice_no" AS bigint START WITH 10' in script
    assert 'ALTER SEQUENCE "billing"."invoice_no" OWNED BY "billing"."invoices"."n"' in script
    assert "COMMENT ON SEQUENCE \"billing\".\"invoice_no\" IS 'Numbers.'" in script
    wrong = text.replace("owned_by: billing.invoices.n", "owned_by: customers.id")
    assert any("owned_by customers.id is a table in another schema" in p for p in _problems(wrong))


def test_a_table_feature_not_built_outside_public_is_refused() -> None:
    text = SPEC.replace("  billing.invoices:\n", "  billing.invoices:\n    append_only: true\n")
    assert any("append_only is built for tables in public only" in p for p in _problems(text))


def test_the_same_table_under_two_keys_is_refused() -> None:
    text = SPEC + "  public.customers:\n    columns: {id: {type: bigint, primary_key: true}}\n"
    assert any("the same table as customers" in p for p in _problems(text))


@pytest.mark.parametrize("name", ["pg_stuff", "information_schema"])
def test_reserved_schema_names_are_refused(name: str) -> None:
    text = SPEC.replace("  billing: {comment: \"Invoices\"}", f"  billing: {{comment: \"Invoices\"}}\n  {name}: {{}}")
    assert any("reserved" in p for p in _problems(text))


def test_verbatim_naming_keeps_an_undeclared_prefix_as_part_of_the_name() -> None:
    text = """version: 1
settings: {require_comments: false, naming: verbatim}
tables:
  Order.Items:
    columns:
      id: {type: bigint}
    primary_key: {name: order_items_pkey, columns: [id]}
"""
    spec = parse_spec(text)
    assert list(spec.tables) == ["Order.Items"]
    assert any(s.startswith('CREATE TABLE "Order.Items"') for s in ddl_script(spec))


def test_generate_refuses_a_rename_outside_public_in_one_line(tmp_path) -> None:
    """Revisions write schemas (tests/migrations/test_schemas_generate.py) but not renames in
    them yet: generate says so at the renamed_from key, before any database is touched (the
    dev URL here reaches nothing)."""
    from generator.migrate.revision import generate

    text = SPEC.replace("      currency: {type: billing.currency}", "      currency: {type: billing.currency, renamed_from: cur}")
    (tmp_path / "schema.yaml").write_text(text, encoding="utf-8")
    from generator.spec import load_spec

    spec = load_spec(tmp_path / "schema.yaml")
    with pytest.raises(SpecError) as err:
        generate(tmp_path, spec, "postgresql+psycopg://nobody@127.0.0.1:1/none", "x")
    (problem,) = err.value.problems
    line = text.splitlines().index("      currency: {type: billing.currency, renamed_from: cur}") + 1
    assert f":{line}:" in str(problem)
    assert str(problem).endswith("column billing.invoices.currency: generate does not rename objects outside public yet; "
                                 "drop renamed_from (the revision then drops and re-creates it) or rename it by hand "
                                 "in its own revision")


def test_models_maps_a_table_outside_public_with_its_schema(tmp_path, run_cli) -> None:
    """models.py maps tables and enums in other schemas (create_all is proven in
    tests/migrations/test_schemas_models.py)."""
    (tmp_path / "schema.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "cadb").mkdir()
    run = run_cli("models", cwd=tmp_path)
    assert run.code == 0, run.output
    models = (tmp_path / "cadb" / "models.py").read_text(encoding="utf-8")
    assert '__tablename__ = "invoices"' in models and '{"schema": "billing", "comment": None},' in models
    assert 'BILLING_CURRENCY_TYPE.schema = "billing"' in models


def test_conventional_names_repeat_across_schemas_but_not_within_one() -> None:
    """pk_invoices in public and in billing are two relations; a 63-byte limit counts the bare name."""
    long = "t" * 61
    text = SPEC + (f"  invoices:\n    columns: {{id: {{type: bigint, primary_key: true}}}}\n"
                   f"  billing.{long}:\n    columns: {{id: {{type: bigint, primary_key: true}}}}\n")
    problems = _problems(text)
    assert not any("pk_invoices" in p for p in problems), problems
    assert any(f"primary key of billing.{long}" in p and "64 bytes" in p for p in problems), problems
    assert not any(f"name 'billing.{long}'" in p for p in problems)  # the table's own name fits


def test_seeds_for_a_table_outside_public_are_refused_in_one_line(tmp_path) -> None:
    from generator.seeds.spec import parse_seeds

    spec = parse_spec(SPEC)
    with pytest.raises(SpecError) as err:
        parse_seeds("version: 1\ntables:\n  billing.invoices:\n    key: [id]\n    rows: [{id: 1}]\n", spec)
    assert "seeds.yaml:3:3: billing.invoices: seeds for tables outside public are not supported yet" in [
        str(p) for p in err.value.problems]


def test_an_identity_sequence_named_by_the_spec_is_renamed_in_its_tables_schema() -> None:
    text = SPEC.replace("  billing.invoices:\n    columns:\n      id: {type: bigint, primary_key: true}",
                        "  billing.invoices:\n    columns:\n      id: {type: bigint, primary_key: true, "
                        "identity: {generated: always, sequence: inv_seq}}")
    assert 'ALTER SEQUENCE "billing"."invoices_id_seq" RENAME TO "inv_seq"' in ddl_script(parse_spec(text))


def test_an_unmanaged_entry_naming_a_table_in_a_schema_the_spec_defines_is_refused() -> None:
    text = SPEC + "unmanaged:\n  - {kind: table, name: billing.invoices}\n"
    assert any("unmanaged: table billing.invoices is defined by this spec" in p for p in _problems(text))
