"""Creation order of functions, views and tables in the spec's script (issue 17 item 6,
generator/spec/dependencies.py): from what each object calls and reads, parsed with pglast.
The pg tests at the bottom build each script on a real server, which refuses a wrong order."""

from __future__ import annotations

import psycopg
import pytest

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer
from generator.schema.ddl import ddl_script
from generator.spec import parse_spec

SPEC = """\
version: 1
settings: {require_comments: false}
functions:
  reads_summary:            # sql, reads a view: after that view
    language: sql
    returns: bigint
    body: "SELECT count(*) FROM job_summary"
  double_it:                # sql, reads no table, called by a CHECK: before the tables
    language: sql
    arguments: [{type: integer}]
    returns: integer
    volatility: immutable
    body: "SELECT $1 * 2"
  next_code:                # called by a column default: before the tables
    language: sql
    returns: text
    body: "SELECT 'J' || floor(random() * 1000)::text"
  norm:                     # called by an index expression: before the tables
    language: sql
    arguments: [{type: text}]
    returns: text
    volatility: immutable
    body: "SELECT lower($1)"
  job_count:                # sql, reads a table: after the tables
    language: sql
    returns: bigint
    body: "SELECT count(*) FROM jobs"
tables:
  jobs:
    columns:
      id: {type: bigint, primary_key: true}
      size: {type: integer, nullable: false}
      code: {type: text, nullable: false, default_sql: "next_code()"}
      name: {type: text}
    checks:
      - {name: size_doubled_small, sql: "double_it(size) < 1000"}
    indexes:
      - {name: jobs_norm_name, columns: [{expression: "norm(name)"}]}
views:
  job_summary:              # calls a late function: after it
    sql: "SELECT job_count() AS n"
"""


def _position(script: list[str], start: str) -> int:
    return next(i for i, s in enumerate(script) if s.startswith(start))


@pytest.fixture(scope="module")
def script() -> list[str]:
    return ddl_script(parse_spec(SPEC, "schema.yaml"))


def test_functions_a_table_calls_come_before_the_table(script: list[str]) -> None:
    table = _position(script, 'CREATE TABLE jobs ')
    for fn in ("double_it", "next_code", "norm"):
        assert _position(script, f'CREATE FUNCTION "{fn}"') < table, fn


def test_a_sql_function_reading_a_table_comes_after_it(script: list[str]) -> None:
    assert _position(script, 'CREATE FUNCTION "job_count"') > _position(script, 'CREATE TABLE jobs ')


def test_views_and_late_functions_follow_what_they_read_and_call(script: list[str]) -> None:
    assert (_position(script, 'CREATE FUNCTION "job_count"') < _position(script, 'CREATE VIEW "job_summary"')
            < _position(script, 'CREATE FUNCTION "reads_summary"'))


@pytest.mark.pg
def test_the_script_builds_on_postgresql(pg: LocalServer, script: list[str]) -> None:
    with scratch_database(pg.url(), prefix="dependency_order") as url, psycopg.connect(libpq_url(url)) as conn:
        for sql in script:
            conn.execute(sql)  # type: ignore[arg-type]
        conn.execute("INSERT INTO jobs (id, size, name) VALUES (1, 10, 'X')")
        assert conn.execute("SELECT reads_summary(), (SELECT code FROM jobs)").fetchone()[0] == 1
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO jobs (id, size) VALUES (2, 600)")
