"""Overloaded functions (issue 17 item 4 brief (c)): the spec keys functions by name, so it
holds one function per name, but `diff` compares functions by name(argument types): a live
overload beside the spec's function is drift of its own, fixed by dropping exactly that
overload, and a change to the spec's one is reported on its signature only. (`import`
names each overload as unsupported: tests/adopt/test_import_corpus.py, case leftovers.)"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from checkout import copy_project
from drift_corpus import execute
from psqlrun import converge

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

SPEC = """\
version: 1
settings: {require_comments: false}
functions:
  feed_rate:
    language: sql
    volatility: immutable
    arguments: [{name: rpm, type: integer}]
    returns: numeric
    body: "SELECT rpm * 0.05"
tables:
  machines:
    columns:
      id: {type: bigint, primary_key: true}
"""


def test_a_live_overload_is_drift_of_its_own_and_the_fix_drops_only_it(run_cli, pg: LocalServer, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "overloads", SPEC)
    with scratch_database(pg.url(), prefix="drift_overload") as url:
        converge(run_cli, url, pg.url(), cwd=project)
        execute(url, "CREATE FUNCTION feed_rate(rpm integer, flutes integer) RETURNS numeric LANGUAGE sql "
                     "IMMUTABLE AS 'SELECT rpm * 0.05 * flutes'; "
                     "CREATE OR REPLACE FUNCTION feed_rate(rpm integer) RETURNS numeric LANGUAGE sql "
                     "IMMUTABLE AS 'SELECT rpm * 0.06'")
        result = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=project)
        assert result.code == 2, result.output
        found = {(c["kind"], c["name"], c["action"]) for c in json.loads(result.stdout)["changes"]}
        assert found == {("function", "feed_rate(rpm integer, flutes integer)", "removed"),
                         ("function", "feed_rate(rpm integer)", "changed")}, found
        converge(run_cli, url, pg.url(), cwd=project)
        with psycopg.connect(libpq_url(url)) as conn:
            assert conn.execute("SELECT feed_rate(100)").fetchone()[0] == 5
            assert conn.execute("SELECT count(*) FROM pg_proc WHERE proname = 'feed_rate'").fetchone()[0] == 1
