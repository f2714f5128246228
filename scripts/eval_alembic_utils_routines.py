"""Measure alembic_utils' PGFunction/PGTrigger against schemactl (issue 17 item 7) on a
PostgreSQL 17.6 database. Not part of the test suite: alembic_utils is not a dependency. Run it
with alembic_utils installed in the venv:

    .venv/bin/pip install alembic_utils
    SCHEMACTL_PG17_BIN=... .venv/bin/python scripts/eval_alembic_utils_routines.py

Each scenario starts from a fresh database holding BASE (a table, a function a view calls, a
disabled trigger and its function, a function with a default). alembic_utils' side runs the
statements its entity writes for the change (``to_sql_statement_create_or_replace`` or
``to_sql_statement_drop``); schemactl's side writes the changed spec, runs ``schemactl diff -f
sql`` against the database, applies the script with psql (ON_ERROR_STOP, one transaction) and
diffs again. It prints, per side, ok or the SQLSTATE and PostgreSQL's first line, the time the
SQL took, and what the database holds afterwards where the SQL "succeeded" but lost something.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from alembic_utils.pg_function import PGFunction
from alembic_utils.pg_trigger import PGTrigger

from generator.pg.server import LocalServer, wheel_bin_dir

BASE = """CREATE TABLE t (id int PRIMARY KEY, amount int NOT NULL, updated_at timestamptz);
CREATE FUNCTION double_it(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;
CREATE VIEW doubled AS SELECT id, double_it(amount) AS d FROM t;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE t DISABLE TRIGGER t_touch;
CREATE FUNCTION scaled(a int, factor int DEFAULT 2) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a * factor $$;"""

# what `schemactl import` writes for BASE (round trip proven)
SPEC = """version: 1
settings: {require_comments: false, naming: verbatim}
functions:
  double_it:
    language: sql
    arguments:
      - {name: x, type: integer}
    returns: integer
    volatility: immutable
    body: " SELECT x * 2 "
  scaled:
    language: sql
    arguments:
      - {name: a, type: integer}
      - {name: factor, type: integer, default: "2"}
    returns: integer
    volatility: immutable
    body: " SELECT a * factor "
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
      - {name: t_touch, timing: before, events: [update], level: row, function: touch, enabled: disabled}
views:
  doubled:
    sql: "SELECT id, double_it(amount) AS d FROM t"
"""

TOUCH_BODY = "BEGIN NEW.updated_at := now(); RETURN NEW; END"
TRIGGER_WHEN = "BEFORE UPDATE ON public.t FOR EACH ROW WHEN (OLD.amount IS DISTINCT FROM NEW.amount) EXECUTE FUNCTION public.touch()"


def _sql(items: object) -> list[str]:
    return [str(s) for s in (items if isinstance(items, list | tuple) or hasattr(items, "__next__") else [items])]


SCENARIOS: list[tuple[str, Callable[[], list[str]], Callable[[str], str], str]] = [
    ("double_it's body changes",
     lambda: _sql(PGFunction("public", "double_it(x int)", "RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x * 3 $$")
                  .to_sql_statement_create_or_replace()),
     lambda s: s.replace('body: " SELECT x * 2 "', 'body: " SELECT x * 3 "'),
     "SELECT prosrc FROM pg_proc WHERE proname = 'double_it'"),
    ("double_it returns bigint (view doubled calls it)",
     lambda: _sql(PGFunction("public", "double_it(x int)", "RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$")
                  .to_sql_statement_create_or_replace()),
     lambda s: s.replace("      - {name: x, type: integer}\n    returns: integer", "      - {name: x, type: integer}\n    returns: bigint"),
     "SELECT format_type(prorettype, NULL) FROM pg_proc WHERE proname = 'double_it'"),
    ("scaled renames its parameter factor to by",
     lambda: _sql(PGFunction("public", "scaled(a int, by int DEFAULT 2)", "RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a * by $$")
                  .to_sql_statement_create_or_replace()),
     lambda s: s.replace("{name: factor, type: integer, default: \"2\"}", "{name: by, type: integer, default: \"2\"}")
                .replace("SELECT a * factor", "SELECT a * by"),
     "SELECT pg_get_function_arguments(oid) FROM pg_proc WHERE proname = 'scaled'"),
    ("scaled loses its default",
     lambda: _sql(PGFunction("public", "scaled(a int, factor int)", "RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a * factor $$")
                  .to_sql_statement_create_or_replace()),
     lambda s: s.replace("{name: factor, type: integer, default: \"2\"}", "{name: factor, type: integer}"),
     "SELECT pg_get_function_arguments(oid) FROM pg_proc WHERE proname = 'scaled'"),
    ("the disabled trigger t_touch gains a WHEN",
     lambda: _sql(list(PGTrigger(schema="public", signature="t_touch", on_entity="public.t", definition=TRIGGER_WHEN)
                       .to_sql_statement_create_or_replace())),
     lambda s: s.replace("function: touch, enabled: disabled}",
                         "function: touch, enabled: disabled, when: \"OLD.amount IS DISTINCT FROM NEW.amount\"}"),
     "SELECT tgenabled::text || ' ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 't_touch'"),
    ("touch and t_touch are dropped",
     lambda: _sql([PGFunction("public", "touch()", f"RETURNS trigger LANGUAGE plpgsql AS $$ {TOUCH_BODY} $$").to_sql_statement_drop(),
                   PGTrigger(schema="public", signature="t_touch", on_entity="public.t", definition=TRIGGER_WHEN).to_sql_statement_drop()]),
     lambda s: s.replace("""  touch:
    language: plpgsql
    returns: trigger
    body: " BEGIN NEW.updated_at := now(); RETURN NEW; END "
""", "").replace("""    triggers:
      - {name: t_touch, timing: before, events: [update], level: row, function: touch, enabled: disabled}
""", ""),
     "SELECT count(*)::text FROM pg_proc WHERE proname = 'touch'"),
]


def run(url: str, statements: list[str]) -> tuple[str, float]:
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        try:
            for sql in statements:
                conn.execute(sql)  # type: ignore[arg-type]
            conn.commit()
            result = "ok"
        except psycopg.Error as exc:
            result = f"{exc.sqlstate}: {str(exc).splitlines()[0]}"
    return result, round((time.perf_counter() - started) * 1000, 1)


def fresh(server: LocalServer, name: str) -> str:
    with psycopg.connect(server.url("postgres").replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")  # type: ignore[arg-type]
        conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    run(server.url(name).replace("+psycopg", ""), [BASE])
    return server.url(name)


def read(url: str, query: str) -> str:
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        row = conn.execute(query).fetchone()  # type: ignore[arg-type]
    return str(row[0]) if row else "(none)"


def ours(server: LocalServer, project: Path, spec: str) -> tuple[str, float, str]:
    (project / "schema.yaml").write_text(spec, encoding="utf-8")
    url = fresh(server, "eval_ours")
    schemactl = str(Path(sys.executable).parent / "schemactl")
    diff = subprocess.run([schemactl, "diff", "--db", url, "--dev-db", server.url(), "-f", "sql"],
                          cwd=project, capture_output=True, text=True)
    if diff.returncode != 2:
        return f"diff exit {diff.returncode}: {diff.stderr.strip().splitlines()[-1:]}", 0.0, ""
    psql = str((wheel_bin_dir() or Path("/usr/bin")) / "psql")
    started = time.perf_counter()
    applied = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", url.replace("+psycopg", ""), "-f", "-"],
                             input=diff.stdout, capture_output=True, text=True)
    ms = round((time.perf_counter() - started) * 1000, 1)
    if applied.returncode != 0:
        return f"fix SQL fails: {applied.stderr.strip().splitlines()[0]}", ms, diff.stdout
    again = subprocess.run([schemactl, "diff", "--db", url, "--dev-db", server.url()], cwd=project, capture_output=True, text=True)
    return ("ok, in sync afterwards" if again.returncode == 0 else f"applied, but diff still exits {again.returncode}"), ms, diff.stdout


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="schemactl-eval-"))
    os.chmod(root, 0o755)
    server = LocalServer(Path(os.environ["SCHEMACTL_PG17_BIN"]), root / "pg17", name="eval", fsync=False)
    server.ensure_running()
    project = root / "project"
    project.mkdir()
    try:
        for name, theirs, change, probe in SCENARIOS:
            url = fresh(server, "eval_theirs")
            statements = theirs()
            result, ms = run(url.replace("+psycopg", ""), statements)
            after = f" -> {read(url, probe)}" if result == "ok" else ""
            print(f"alembic_utils | {name}: {result} ({ms} ms){after}")
            print(f"    sql: {' ; '.join(s.strip() for s in statements)[:240]}")
            result, ms, script = ours(server, project, change(SPEC))
            after = f" -> {read(server.url('eval_ours'), probe)}" if result.startswith("ok") else ""
            print(f"schemactl     | {name}: {result} ({ms} ms){after}")
            body = " ".join(line for line in script.splitlines() if line and not line.startswith("--"))
            print(f"    sql: {body[:240]}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
