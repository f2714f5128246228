"""schemactl import of schemas other than public (issue 17 item 5), on every server of
SCHEMACTL_TEST_PG. The corpus case tests/fixtures/import_corpus/schemas (person and sales
beside public, an enum in sales, foreign keys across schemas) round-trips in
test_import_corpus.py; here: what the written spec says, and what stays refused."""

from __future__ import annotations

from pathlib import Path

import psycopg
import yaml

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "import_corpus"


def _load(url: str, sql: str) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def test_tables_and_enums_in_schemas_are_written_with_schema_keys(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        _load(url, (CORPUS / "schemas" / "schema.sql").read_text(encoding="utf-8"))
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(tmp_path / "schema.yaml"), cwd=tmp_path)
        assert run.code == 0, run.output
        assert "round trip proven" in run.stderr
    spec = yaml.safe_load((tmp_path / "schema.yaml").read_text(encoding="utf-8"))
    assert spec["schemas"] == {"person": {}, "sales": {"comment": "Orders and customers."}}
    assert set(spec["tables"]) == {"address", "country_region", "person.person", "sales.customer", "sales.sales_order"}
    assert spec["enums"]["sales.order_status"]["values"] == ["open", "shipped", "cancelled"]
    order = spec["tables"]["sales.sales_order"]["columns"]
    assert order["status"]["type"] == "sales.order_status"
    assert order["customer_id"]["references"]["table"] == "sales.customer"
    assert spec["tables"]["address"]["columns"]["person_id"]["references"]["table"] == "person.person"
    assert order["order_number"]["default_sql"] == "nextval('sales.order_number'::regclass)"
    assert spec["sequences"]["sales.order_number"] == {"type": "bigint", "start": 5000, "increment": 10,
                                                       "owned_by": "sales.sales_order.order_number"}
    assert spec["sequences"]["sales.receipt_no"]["comment"] == "Receipt numbers, drawn by the application."


def test_code_and_types_in_schemas_are_written_with_schema_keys(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    """The schemas corpus case's domain, composite type, functions, triggers, view and
    materialized view in sales: keys sales.name, references by sales.name."""
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        _load(url, (CORPUS / "schemas" / "schema.sql").read_text(encoding="utf-8"))
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(tmp_path / "schema.yaml"), cwd=tmp_path)
        assert run.code == 0, run.output
    spec = yaml.safe_load((tmp_path / "schema.yaml").read_text(encoding="utf-8"))
    assert spec["domains"]["sales.money_amount"]["comment"] == "An amount of money, never negative."
    assert list(spec["types"]["sales.ship_to"]["composite"]) == ["line1", "city", "postal_code"]
    assert set(spec["functions"]) == {"sales.touch_modified", "sales.with_tax"}
    assert spec["functions"]["sales.with_tax"]["arguments"][0] == {"name": "amount", "type": "sales.money_amount"}
    order = spec["tables"]["sales.sales_order"]
    assert order["columns"]["total"]["type"] == "sales.money_amount"
    assert order["columns"]["ship_to"]["type"] == "sales.ship_to"
    assert order["triggers"][0]["function"] == "sales.touch_modified"
    assert spec["tables"]["address"]["triggers"][0]["function"] == "sales.touch_modified"  # a public table's trigger
    assert set(spec["views"]) == {"sales.open_order", "sales.customer_total"}
    assert "FROM sales.sales_order" in spec["views"]["sales.open_order"]["sql"]
    assert spec["views"]["sales.customer_total"]["indexes"][0]["name"] == "customer_total_customer"


def test_a_view_in_another_schema_is_written_and_so_is_its_schemas_grant(pg: LocalServer, run_cli) -> None:
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        _load(url, "CREATE TABLE note (id int PRIMARY KEY); CREATE SCHEMA crm; CREATE TABLE crm.lead (id int PRIMARY KEY, name text);"
                   "CREATE VIEW crm.named_lead AS SELECT id, name FROM crm.lead WHERE name IS NOT NULL;")
        run = run_cli("import", "--db", url, "--dev-db", pg.url())
        assert run.code == 0, run.output
        assert yaml.safe_load(run.stdout)["views"]["crm.named_lead"]["sql"].endswith("WHERE (name IS NOT NULL)")
        _load(url, "GRANT USAGE ON SCHEMA crm TO PUBLIC")  # a schema's grants are written too (schemas: {crm: {grants}})
        granted = run_cli("import", "--db", url, "--dev-db", pg.url())
        assert granted.code == 0, granted.output
        spec = yaml.safe_load(granted.stdout)
        assert spec["schemas"]["crm"]["grants"] == [{"role": "public", "privileges": ["usage"]}]
        assert "crm.named_lead" in spec["views"] and "crm.lead" in spec["tables"]


def test_a_skipped_view_in_another_schema_is_set_aside_by_the_round_trip(pg: LocalServer, run_cli) -> None:
    """A view of a folded schema that import cannot write (it calls a function import leaves
    out: SET work_mem is not in the spec): --skip-unsupported names it, and the round trip
    sets it and its index aside."""
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        _load(url, "CREATE SCHEMA crm; CREATE TABLE crm.lead (id int PRIMARY KEY, score int);"
                   "CREATE FUNCTION crm.f(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1';"
                   "CREATE AGGREGATE crm.total(integer) (SFUNC = int4pl, STYPE = integer);"
                   "CREATE FUNCTION crm.slow(integer) RETURNS integer LANGUAGE sql IMMUTABLE SET work_mem = '1MB' AS 'SELECT $1';"
                   "CREATE MATERIALIZED VIEW crm.scores AS SELECT id, crm.total(crm.slow(score)) AS s FROM crm.lead GROUP BY id;"
                   "CREATE UNIQUE INDEX scores_id ON crm.scores (id);")
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), "--skip-unsupported")
        assert run.code == 0, run.output
        spec = yaml.safe_load(run.stdout)
        assert set(spec["aggregates"]) == {"crm.total"} and set(spec["functions"]) == {"crm.f"}
        assert {"kind": "materialized view", "name": "public.crm.scores"} in spec["unmanaged"]
