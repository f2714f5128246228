"""schemactl import of views and materialized views (issue 17 item 1), on every server of
SCHEMACTL_TEST_PG. The corpus case tests/fixtures/import_corpus/reporting round-trips in
test_import_corpus.py; here: what the written spec says, and the views it cannot write."""

from __future__ import annotations

from pathlib import Path

import psycopg
import yaml

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "import_corpus"


def test_reporting_views_are_written_with_their_options(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute((CORPUS / "reporting" / "schema.sql").read_text(encoding="utf-8"))  # type: ignore[arg-type]
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(tmp_path / "schema.yaml"), cwd=tmp_path)
        assert run.code == 0, run.output
        assert "round trip proven" in run.stderr
    text = (tmp_path / "schema.yaml").read_text(encoding="utf-8")
    views = yaml.safe_load(text)["views"]
    assert list(views) == ["active_customer", "open_invoice", "Region Totals", "big_open_invoice",
                           "monthly_revenue", "region_snapshot"]  # by name, each after what it reads
    assert views["active_customer"]["comment"] == "Customers still active."
    assert views["active_customer"]["columns"] == {"region": {"comment": "Sales region."}}
    assert views["active_customer"]["sql"].startswith("SELECT id,")
    assert not views["active_customer"]["sql"].endswith(";")
    assert views["open_invoice"]["security_barrier"] is True
    assert views["big_open_invoice"]["check_option"] == "local"
    assert views["Region Totals"]["security_invoker"] is True
    assert views["monthly_revenue"]["materialized"] is True
    assert "with_data" not in views["monthly_revenue"]
    assert views["region_snapshot"]["with_data"] is False
    assert views["monthly_revenue"]["indexes"] == [
        {"name": "monthly_revenue_big", "columns": ["revenue desc"], "where": "(revenue > (0)::numeric)"},
        {"name": "monthly_revenue_month", "columns": ["month"], "unique": True},
    ]


def test_a_view_over_what_the_spec_leaves_out_is_named(pg: LocalServer, run_cli) -> None:
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, x int)")
            conn.execute("CREATE UNLOGGED TABLE scratch (a int PRIMARY KEY)")  # a table the spec cannot say (UNLOGGED)
            # SET work_mem is not in the spec: the function is left out, so is the view calling it
            conn.execute("CREATE FUNCTION twice(int) RETURNS int LANGUAGE sql IMMUTABLE SET work_mem = '1MB' AS 'SELECT $1 * 2'")
            conn.execute("CREATE VIEW on_nopk AS SELECT a FROM scratch")
            conn.execute("CREATE VIEW over_on_nopk AS SELECT a FROM on_nopk")
            conn.execute("CREATE VIEW calls AS SELECT twice(x) AS y FROM t")
            conn.execute("CREATE VIEW fine AS SELECT id FROM t")
        run = run_cli("import", "--db", url, "--dev-db", pg.url())
        assert run.code == 1
        lines = {line.strip()[2:] for line in run.stderr.splitlines() if line.strip().startswith("- ")}
        assert "view public.on_nopk: it reads table public.scratch, which the spec leaves out" in lines
        assert "view public.over_on_nopk: it reads view public.on_nopk, which the spec leaves out" in lines
        assert "view public.calls: it calls public.twice(integer), which the spec leaves out" in lines
        assert not any(line.startswith("view public.fine") for line in lines)
        skipped = run_cli("import", "--db", url, "--dev-db", pg.url(), "--skip-unsupported")
        assert skipped.code == 0, skipped.output
        assert "round trip proven" in skipped.stderr
        assert list(yaml.safe_load(skipped.stdout)["views"]) == ["fine"]


def test_a_view_calling_functions_the_spec_writes_round_trips(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    """A view calling a function and an aggregate of the spec is written (the spec creates
    them before the view); it was refused as calling something the spec leaves out."""
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, x int NOT NULL)")
            conn.execute("CREATE FUNCTION twice(v int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT v * 2'")
            conn.execute("CREATE FUNCTION add_up(s bigint, v int) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT s + v'")
            conn.execute("CREATE AGGREGATE total(int) (SFUNC = add_up, STYPE = bigint, INITCOND = '0')")
            conn.execute("CREATE VIEW doubled AS SELECT id, twice(x) AS y FROM t")
            conn.execute("CREATE VIEW summed AS SELECT total(y) AS n FROM doubled")
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(tmp_path / "schema.yaml"), cwd=tmp_path)
        assert run.code == 0, run.output
        assert "round trip proven" in run.stderr
    spec = yaml.safe_load((tmp_path / "schema.yaml").read_text(encoding="utf-8"))
    assert list(spec["views"]) == ["doubled", "summed"]
    assert "twice(x)" in spec["views"]["doubled"]["sql"] and "total(y)" in spec["views"]["summed"]["sql"]
    assert set(spec["functions"]) == {"twice", "add_up"} and set(spec["aggregates"]) == {"total"}
    assert "unmanaged" not in spec
