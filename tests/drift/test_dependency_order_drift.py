"""`diff`'s fix SQL creates functions in dependency order (issue 17 item 6): a function that a
CHECK, a column default or an index expression calls comes before the table (migra writes
every function after the tables), a sql function reading a table or view after it. The spec
is the generate case function_dependency_order's after.yaml; an empty database is brought to
it by `diff --format sql` applied as psql -f with ON_ERROR_STOP, and a second diff is clean."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
from drift_helpers import apply_script

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "generate" / "function_dependency_order" / "after.yaml"


def test_an_empty_database_converges_with_functions_before_the_tables_that_call_them(
    tmp_path: Path, pg: LocalServer, run_cli
) -> None:
    shutil.copy(SPEC, tmp_path / "schema.yaml")
    with scratch_database(pg.url(), prefix="drift_dependency_order") as url:
        script = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "sql", cwd=tmp_path)
        assert script.code == 2, script.output
        text = script.stdout.lower()
        table = text.index('create table "public"."tasks"')
        for fn in ("double_it", "next_code", "norm"):
            assert text.index(f"function public.{fn}(") < table, fn
        apply_script(url, script.stdout)
        again = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "json", cwd=tmp_path)
        assert again.code == 0, again.stdout
        with psycopg.connect(libpq_url(url)) as conn:
            conn.execute("INSERT INTO jobs (id, size) VALUES (1, 1)")
            conn.execute("INSERT INTO tasks (id, size, name) VALUES (1, 10, 'X')")
            assert conn.execute("SELECT reads_summary()").fetchone() == (1,)
