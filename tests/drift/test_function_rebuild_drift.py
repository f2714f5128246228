"""Function changes CREATE OR REPLACE cannot make (a new return type, a renamed parameter, a
removed default: generator.pg.function_replace), through `schemactl diff -f sql` on every
server of SCHEMACTL_TEST_PG. The fix drops the views that call the function and re-creates
them around DROP + CREATE; migra alone wrote a CREATE OR REPLACE that PostgreSQL refuses
(42P13). The generate side is the case tests/fixtures/generate/function_signature_rebuilt."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from psqlrun import build_with_ddl, converge

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

BEFORE = Path(__file__).resolve().parents[1] / "fixtures" / "generate" / "function_signature_rebuilt" / "before.yaml"
AFTER = BEFORE.with_name("after.yaml")


def test_a_new_return_type_a_renamed_parameter_and_a_removed_default_converge(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    (tmp_path / "schema.yaml").write_text(AFTER.read_text(encoding="utf-8"), encoding="utf-8")
    with scratch_database(pg.url(), prefix="drift_fn_rebuild") as url:
        build_with_ddl(url, BEFORE.read_text(encoding="utf-8"))
        with psycopg.connect(libpq_url(url)) as conn:
            conn.execute("INSERT INTO parts (id, amount) VALUES (1, 1000)")
        script = converge(run_cli, url, pg.url(), cwd=tmp_path)
        assert script.index('DROP VIEW "public"."doubled_parts"') < script.index('DROP ROUTINE public."double_it"(x integer)')
        assert script.index('DROP ROUTINE public."double_it"(x integer)') < script.index("FUNCTION public.double_it(x integer)\n RETURNS bigint")
        with psycopg.connect(libpq_url(url)) as conn:
            assert conn.execute("SELECT d, pg_typeof(d)::text FROM doubled_parts").fetchone() == (2000, "bigint")
            assert conn.execute("SELECT s FROM scaled_parts").fetchone() == (3000,)
            assert conn.execute("SELECT obj_description('double_it'::regproc, 'pg_proc')").fetchone() == ("Twice x.",)
            assert conn.execute("SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'parts_touch'").fetchone() == ("D",)
            acl = conn.execute("SELECT proacl::text FROM pg_proc WHERE proname = 'double_it'").fetchone()[0]
            assert "fn_reader=X/" in acl, acl  # granted again after DROP + CREATE


def test_a_function_a_check_calls_is_named_as_what_the_script_cannot_fix(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    spec = BEFORE.read_text(encoding="utf-8").replace(
        "      updated_at: {type: timestamptz}\n",
        "      updated_at: {type: timestamptz}\n    checks:\n      - {name: parts_small, sql: \"double_it(amount) < 100\"}\n")
    (tmp_path / "schema.yaml").write_text(spec.replace("returns: integer\n    volatility: immutable\n    body: \"SELECT x * 2\"",
                                                       "returns: bigint\n    volatility: immutable\n    body: \"SELECT x * 2\""), encoding="utf-8")
    with scratch_database(pg.url(), prefix="drift_fn_rebuild") as url:
        build_with_ddl(url, spec)
        result = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "json", cwd=tmp_path)
    assert result.code == 2, result.output
    report = json.loads(result.stdout)
    assert report["complete"] is False
    assert any(m.startswith("function double_it(x integer): CREATE OR REPLACE cannot make this change and a CHECK")
               for m in report["missing_sql"]), report["missing_sql"]
