"""`diff -f sql` applies on a database whose search_path is '' (issue 17 item 5: DDL that does
not depend on search_path), for the objects whose text comes from PostgreSQL's own deparsers:
view queries (pg_get_viewdef), trigger definitions (pg_get_triggerdef) and function bodies name
public's objects bare, as read with search_path = public; the script pins that path. On every
server of SCHEMACTL_TEST_PG."""

from __future__ import annotations

from pathlib import Path

import psycopg
from psqlrun import converge, psql

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

SPEC = """version: 1
settings: {require_comments: false, naming: verbatim}
functions:
  double_it:
    language: sql
    arguments: [{name: x, type: integer}]
    returns: integer
    volatility: immutable
    body: " SELECT x * 2 "
  touch:
    language: plpgsql
    returns: trigger
    body: " BEGIN NEW.updated_at := now(); RETURN NEW; END "
tables:
  t:
    columns:
      id: {type: integer, nullable: false}
      amount: {type: integer, nullable: false}
      updated_at: {type: timestamptz}
    primary_key: {name: t_pkey, columns: [id]}
    triggers:
      - {name: t_touch, timing: before, events: [update], level: row, function: touch}
views:
  doubled:
    sql: "SELECT id, double_it(amount) AS d FROM t"
  doubled_again:
    sql: "SELECT id, double_it(d) AS dd FROM doubled"
"""


def _empty_search_path(url: str) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute(f"ALTER DATABASE \"{name}\" SET search_path = ''")  # type: ignore[arg-type]


def test_views_triggers_and_functions_are_built_on_a_database_without_search_path(
        pg: LocalServer, run_cli, tmp_path: Path) -> None:
    (tmp_path / "schema.yaml").write_text(SPEC, encoding="utf-8")
    with scratch_database(pg.url(), prefix="drift_no_search_path") as url:
        _empty_search_path(url)
        script = converge(run_cli, url, pg.url(), cwd=tmp_path)
        assert script.index("SET search_path = public;") < script.index("CREATE TRIGGER")
        psql(url, "INSERT INTO public.t VALUES (1, 21); UPDATE public.t SET amount = 22;")
        with psycopg.connect(libpq_url(url)) as conn:
            assert conn.execute("SELECT dd FROM public.doubled_again").fetchone() == (88,)
            assert conn.execute("SELECT updated_at IS NOT NULL FROM public.t").fetchone() == (True,)
        # drift: the trigger and the chain of views go; the fix re-creates them, still without a search_path
        psql(url, "DROP VIEW public.doubled_again; DROP VIEW public.doubled; DROP TRIGGER t_touch ON public.t;")
        converge(run_cli, url, pg.url(), cwd=tmp_path)
