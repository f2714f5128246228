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


def test_a_view_in_another_schema_is_refused_by_name(pg: LocalServer, run_cli) -> None:
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        _load(url, "CREATE SCHEMA crm; CREATE TABLE crm.lead (id int PRIMARY KEY, name text);"
                   "CREATE VIEW crm.named_lead AS SELECT id, name FROM crm.lead WHERE name IS NOT NULL;")
        run = run_cli("import", "--db", url, "--dev-db", pg.url())
        assert run.code == 1
        lines = {line.strip()[2:] for line in run.stderr.splitlines() if line.strip().startswith("- ")}
        assert any(line.startswith("view crm.named_lead") for line in lines), run.stderr
        assert not any(line.startswith("table crm.lead") for line in lines), run.stderr
        skipped = run_cli("import", "--db", url, "--dev-db", pg.url(), "--skip-unsupported")
        assert skipped.code == 0, skipped.output
        assert list(yaml.safe_load(skipped.stdout)["tables"]) == ["crm.lead"]
