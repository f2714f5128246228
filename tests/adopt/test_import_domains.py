"""schemactl import of domains and generated columns (issue 16), on 17.6 and 18.6.

The corpus case tests/fixtures/import_corpus/domainshop round-trips in test_import_corpus.py;
here: what the written spec says, a VIRTUAL generated column on 18, and the domains the spec
cannot say (named, with their tables), each against a real server.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import yaml

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "import_corpus"


def test_domainshop_is_written_with_its_domains_and_generated_columns(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute((CORPUS / "domainshop" / "schema.sql").read_text(encoding="utf-8"))  # type: ignore[arg-type]
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(tmp_path / "schema.yaml"), cwd=tmp_path)
        assert run.code == 0, run.output
        assert "round trip proven" in run.stderr
    data = yaml.safe_load((tmp_path / "schema.yaml").read_text(encoding="utf-8"))
    assert data["domains"]["sku_code"] == {
        "type": "text", "nullable": False, "default": "UNSET", "collation": "C",
        "checks": [{"name": "sku_code_format", "sql": "(VALUE ~ '^[A-Z0-9-]{3,32}$'::text)"},
                   {"name": "sku_code_not_reserved", "sql": "(VALUE <> 'NONE'::text)"}],
        "comment": "A stock-keeping unit: upper-case letters, digits and dashes.",
    }
    assert data["domains"]["shop_currency"]["type"] == "currency"  # a domain over an enum
    columns = data["tables"]["product"]["columns"]
    assert columns["sku"]["type"] == "sku_code"
    assert columns["tags"]["type"] == "label[]"  # an array of a domain
    assert columns["net_price"]["generated"]["stored"] is True
    assert "default" not in columns["net_price"] and "default_sql" not in columns["net_price"]
    assert data["tables"]["order_line"]["columns"]["line_total"]["generated"] == {
        "sql": "((quantity)::numeric * (unit_price)::numeric)", "stored": True}


def test_a_virtual_generated_column_round_trips_on_18(pg18: LocalServer, run_cli, tmp_path: Path) -> None:
    with scratch_database(pg18.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("CREATE DOMAIN qty AS integer NOT NULL CHECK (VALUE > 0)")
            conn.execute("CREATE TABLE box (id int PRIMARY KEY, w int NOT NULL, h int NOT NULL, n qty,"
                         " area int GENERATED ALWAYS AS (w * h) VIRTUAL, label text GENERATED ALWAYS AS ('box ' || id) STORED)")
        run = run_cli("import", "--db", url, "--dev-db", pg18.url(), "-o", str(tmp_path / "schema.yaml"), cwd=tmp_path)
        assert run.code == 0, run.output
        assert "round trip proven" in run.stderr
    columns = yaml.safe_load((tmp_path / "schema.yaml").read_text(encoding="utf-8"))["tables"]["box"]["columns"]
    assert columns["area"]["generated"] == {"sql": "(w * h)", "stored": False}
    assert columns["label"]["generated"]["stored"] is True


def test_domains_the_spec_cannot_say_are_named_with_their_tables(pg: LocalServer, run_cli) -> None:
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("CREATE DOMAIN positive AS integer")
            conn.execute("ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID")
            conn.execute("CREATE DOMAIN pos_list AS positive[]")  # over a refused domain
            conn.execute("CREATE DOMAIN fine AS text")
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, p positive, f fine)")
            conn.execute("CREATE TABLE u (id int PRIMARY KEY, f fine[])")
        refused = run_cli("import", "--db", url, "--dev-db", pg.url())
        assert refused.code == 1
        named = {line.strip()[2:].split(":")[0] for line in refused.stderr.splitlines() if line.strip().startswith("- ")}
        assert named == {"domain public.positive", "domain public.pos_list", "table public.t"}
        assert "NOT VALID domain checks are not in the spec" in refused.stderr
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), "--skip-unsupported")
        assert run.code == 0, run.output
        data = yaml.safe_load(run.stdout)
        assert data["domains"] == {"fine": {"type": "text"}}
        assert data["tables"]["u"]["columns"]["f"]["type"] == "fine[]"
