"""Drift of functions, procedures, aggregates and triggers through `schemactl diff`, on every
server of SCHEMACTL_TEST_PG (the tests/drift/test_sequences_drift.py pattern).

A small project whose spec has plpgsql and sql functions (SECURITY DEFINER with a pinned
search_path, setof a table's rows, an argument default), a procedure, an aggregate and two
triggers (UPDATE OF with WHEN and a comment; a statement trigger with a transition table,
arguments and a disabled state): its database is built from the spec's own DDL, drifted by
each case's SQL, and `diff -f json` must report exactly the expected changes, and
`diff -f sql`, applied as ``psql -v ON_ERROR_STOP=1 -f`` does, must bring it back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from checkout import copy_project
from drift_corpus import execute
from psqlrun import build_with_ddl, converge, drift_report

from generator.pg.database import scratch_database
from generator.pg.server import LocalServer

SPEC = """\
version: 1
settings: {require_comments: false}
functions:
  touch_updated_at:
    language: plpgsql
    returns: trigger
    body: |
      BEGIN NEW.updated_at := now(); RETURN NEW; END
    comment: "Keeps updated_at."
  _group_concat:
    language: plpgsql
    arguments: [{type: text}, {type: text}]
    returns: text
    volatility: immutable
    body: "BEGIN RETURN CASE WHEN $1 IS NULL THEN $2 ELSE $1 || ', ' || $2 END; END"
  job_count:
    language: sql
    arguments: [{name: min_id, type: bigint, default: "0"}]
    returns: bigint
    volatility: stable
    security: definer
    search_path: "pg_catalog, public"
    body: "SELECT count(*) FROM public.jobs WHERE id >= min_id"
  jobs_since:
    language: sql
    arguments: [{name: since, type: timestamptz}]
    returns: "setof jobs"
    rows: 10
    body: "SELECT * FROM public.jobs WHERE updated_at >= since"
  archive:
    kind: procedure
    language: plpgsql
    arguments: [{name: n, type: integer}]
    body: "BEGIN DELETE FROM public.jobs WHERE id < n; END"
aggregates:
  group_concat:
    arguments: [{type: text}]
    sfunc: _group_concat
    stype: text
tables:
  jobs:
    columns:
      id: {type: bigint, primary_key: true}
      status: {type: text, nullable: false}
      updated_at: {type: timestamptz, nullable: false, default: now()}
    triggers:
      - name: jobs_touch
        timing: before
        events: [update]
        columns: [status]
        level: row
        when: "OLD.status IS DISTINCT FROM NEW.status"
        function: touch_updated_at
        comment: "Touch on status change."
      - name: jobs_audit
        timing: after
        events: [delete]
        level: statement
        function: touch_updated_at
        arguments: ["it's", "50%"]
        referencing: {old_table: old_rows}
        enabled: disabled
"""

CASES = {
    "function_added": ("DROP PROCEDURE archive(integer)", {("function", "archive(IN n integer)", "added")}),
    "function_removed": (
        "CREATE FUNCTION extra() RETURNS int LANGUAGE sql AS 'SELECT 1'", {("function", "extra()", "removed")},
    ),
    "function_body_changed": (
        "CREATE OR REPLACE FUNCTION _group_concat(text, text) RETURNS text LANGUAGE plpgsql IMMUTABLE "
        "AS $$BEGIN RETURN $1 || $2; END$$",
        {("function", "_group_concat(text, text)", "changed")},
    ),
    "function_attributes_changed": (
        "ALTER FUNCTION job_count(bigint) VOLATILE SECURITY INVOKER RESET search_path",
        {("function", "job_count(min_id bigint)", "changed")},
    ),
    "function_comment_changed": (
        "COMMENT ON FUNCTION touch_updated_at() IS 'other'", {("comment", "function touch_updated_at()", "changed")},
    ),
    "aggregate_removed": ("DROP AGGREGATE group_concat(text)", {("function", "group_concat(text)", "added")}),
    "trigger_added": ("DROP TRIGGER jobs_touch ON jobs", {("trigger", "jobs.jobs_touch", "added")}),
    "trigger_removed": (
        "CREATE TRIGGER extra AFTER INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION touch_updated_at()",
        {("trigger", "jobs.extra", "removed")},
    ),
    "trigger_changed": (
        "DROP TRIGGER jobs_touch ON jobs; CREATE TRIGGER jobs_touch BEFORE UPDATE ON jobs FOR EACH ROW "
        "EXECUTE FUNCTION touch_updated_at(); COMMENT ON TRIGGER jobs_touch ON jobs IS 'Touch on status change.'",
        {("trigger", "jobs.jobs_touch", "changed")},
    ),
    "trigger_disabled": ("ALTER TABLE jobs DISABLE TRIGGER jobs_touch", {("trigger", "jobs.jobs_touch", "changed")}),
    "trigger_enabled": ("ALTER TABLE jobs ENABLE ALWAYS TRIGGER jobs_audit", {("trigger", "jobs.jobs_audit", "changed")}),
    "trigger_comment_changed": (
        "COMMENT ON TRIGGER jobs_touch ON jobs IS NULL", {("comment", "trigger jobs.jobs_touch", "changed")},
    ),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project", SPEC)


def test_the_spec_builds_and_diffs_clean(run_cli, pg: LocalServer, project: Path) -> None:
    with scratch_database(pg.url(), prefix="drift_fn") as url:
        build_with_ddl(url, SPEC)
        clean = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=project)
        assert clean.code == 0, clean.output


@pytest.mark.parametrize("name", sorted(CASES))
def test_function_and_trigger_drift_is_reported_and_fixed(run_cli, pg: LocalServer, project: Path, name: str) -> None:
    sql, expected = CASES[name]
    with scratch_database(pg.url(), prefix="drift_fn") as url:
        build_with_ddl(url, SPEC)
        execute(url, sql)
        drift_report(run_cli, url, pg.url(), expected, cwd=project)
        converge(run_cli, url, pg.url(), cwd=project)
