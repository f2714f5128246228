"""Drift of sequences and identity options through `schemactl diff`, on every server of
SCHEMACTL_TEST_PG.

The repo's spec has no sequence of its own (tests/drift/cases has the extra-sequence and
identity cases on it), so here a small project whose spec has a standalone sequence with
options, a serial-style sequence OWNED BY its column and an identity with options: its
database is built from the spec's own DDL, drifted by each case's SQL, and then
`diff -f json` must report exactly the expected changes, and `diff -f sql`, applied
statement by statement as ``psql -v ON_ERROR_STOP=1 -f`` does, must bring it back (a second
diff exits 0). A sequence's current value is data: moving it is not drift.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from checkout import copy_project
from drift_corpus import execute
from drift_helpers import execute_autocommit
from psqlrun import converge

from generator.pg.database import scratch_database
from generator.pg.server import LocalServer
from generator.schema.ddl import ddl_script
from generator.spec import parse_spec

SPEC = """\
version: 1
settings: {require_comments: false}
sequences:
  order_no_seq: {type: integer, start: 1000, increment: 5, max: 999999, cache: 3, comment: "Order numbers."}
  shop_id_seq: {owned_by: shop.id}
tables:
  shop:
    columns:
      id: {type: bigint, primary_key: true, default_sql: "nextval('shop_id_seq'::regclass)"}
      order_no: {type: integer, nullable: false, default_sql: "nextval('order_no_seq'::regclass)"}
  ticket:
    columns:
      id: {type: bigint, primary_key: true, identity: {generated: always, sequence: ticket_numbers, start: 50, increment: 5, cache: 10}}
      plain: {type: integer, nullable: false, identity: "by default"}
"""

CASES = {
    "sequence_added": (
        "ALTER TABLE shop ALTER COLUMN order_no DROP DEFAULT; DROP SEQUENCE order_no_seq",
        {("sequence", "order_no_seq", "added"), ("column", "shop.order_no", "changed")},
    ),
    "owned_sequence_added": (
        "DROP SEQUENCE shop_id_seq CASCADE",  # takes the default along
        {("sequence", "shop_id_seq", "added"), ("column", "shop.id", "changed")},
    ),
    "sequence_removed": ("CREATE SEQUENCE extra_seq AS smallint START 7", {("sequence", "extra_seq", "removed")}),
    "options_changed": (
        "ALTER SEQUENCE order_no_seq AS bigint INCREMENT BY 1 MINVALUE 10 MAXVALUE 5000000 CACHE 1 CYCLE",
        {("sequence", "order_no_seq", "changed")},
    ),
    "start_changed": ("ALTER SEQUENCE order_no_seq START WITH 1005", {("sequence", "order_no_seq", "changed")}),
    "owner_changed": ("ALTER SEQUENCE shop_id_seq OWNED BY NONE", {("sequence", "shop_id_seq", "changed")}),
    "owner_moved": ("ALTER SEQUENCE order_no_seq OWNED BY shop.order_no", {("sequence", "order_no_seq", "changed")}),
    "comment_changed": ("COMMENT ON SEQUENCE order_no_seq IS 'x'", {("sequence", "order_no_seq", "changed")}),
    "identity_options_changed": (
        "ALTER TABLE ticket ALTER COLUMN id SET START WITH 1 SET INCREMENT BY 1 SET CACHE 1 SET CYCLE",
        {("identity", "ticket.id", "changed")},
    ),
    "identity_default_options_changed": (
        "ALTER TABLE ticket ALTER COLUMN plain SET MAXVALUE 100",
        {("identity", "ticket.plain", "changed")},
    ),
    "identity_sequence_renamed": ("ALTER SEQUENCE ticket_numbers RENAME TO t_numbers", {("identity", "ticket.id", "changed")}),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project", SPEC)


@pytest.mark.parametrize("name", sorted(CASES))
def test_sequence_drift_is_reported_and_fixed(run_cli, pg: LocalServer, project: Path, name: str) -> None:
    sql, expected = CASES[name]
    with scratch_database(pg.url(), prefix="drift_seq") as url:
        execute_autocommit(url, *ddl_script(parse_spec(SPEC)))
        clean = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=project)
        assert clean.code == 0, clean.output
        execute(url, sql)
        result = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=project)
        assert result.code == 2, result.output
        report = json.loads(result.stdout)
        found = {(c["kind"], c["name"], c["action"]) for c in report["changes"]}
        assert found == expected, report["changes"]
        assert report["complete"] is True
        converge(run_cli, url, pg.url(), cwd=project)


def test_a_new_sequence_is_created_with_the_specs_options(run_cli, pg: LocalServer, project: Path) -> None:
    """migra writes ``create sequence x`` (a bigint, default options): the fix writes the spec's."""
    with scratch_database(pg.url(), prefix="drift_seq") as url:
        execute_autocommit(url, *ddl_script(parse_spec(SPEC)))
        execute(url, CASES["sequence_added"][0])
        script = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "sql", cwd=project)
    assert 'CREATE SEQUENCE "public"."order_no_seq" AS integer START WITH 1000 INCREMENT BY 5 MINVALUE 1 MAXVALUE 999999 CACHE 3 NO CYCLE;' in script.stdout
    assert "create sequence" not in script.stdout  # migra's is replaced
    assert "COMMENT ON SEQUENCE \"public\".\"order_no_seq\" IS 'Order numbers.';" in script.stdout


def test_the_current_value_is_data_not_drift(run_cli, pg: LocalServer, project: Path) -> None:
    with scratch_database(pg.url(), prefix="drift_seq") as url:
        execute_autocommit(url, *ddl_script(parse_spec(SPEC)))
        execute_autocommit(url, "SELECT setval('order_no_seq', 5000)", "SELECT nextval('shop_id_seq')",
                           "INSERT INTO ticket DEFAULT VALUES")
        run = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=project)
    assert run.code == 0, run.stdout

