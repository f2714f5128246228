"""views: in the spec (generator.spec.views, generator.spec.view_sql; issue 17 items 1 and 8):
the query is exactly one SELECT, options go with their kind of view, names do not clash,
and the DDL is built in read order. Pure: no database."""

from __future__ import annotations

import pytest

from generator.errors import SpecError
from generator.schema.ddl import ddl_script
from generator.spec import parse_spec
from generator.spec.view_sql import ViewSqlProblem, check_view_sql, relations_read

HEAD = """version: 1
settings: {require_comments: false}
tables:
  jobs:
    columns:
      id: {type: bigint, primary_key: true}
      status: {type: text, nullable: false}
views:
"""


def _problems(views: str) -> str:
    with pytest.raises(SpecError) as err:
        parse_spec(HEAD + views, "schema.yaml")
    return "\n".join(str(p) for p in err.value.problems)


@pytest.mark.parametrize("sql", [
    "SELECT 1", "VALUES (1), (2)", "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
    "SELECT a FROM t UNION ALL SELECT b FROM u", "SELECT ';' AS semicolon_in_a_string",
    "SELECT id FROM jobs WHERE status IN (SELECT s FROM other)",  # subqueries are fine in a view
])
def test_one_select_is_accepted(sql: str) -> None:
    check_view_sql(sql)


@pytest.mark.parametrize(("sql", "reason"), [
    ("SELECT 1; DROP TABLE jobs", "holds ';'"),
    ("SELECT 1;", "holds ';'"),
    ("DELETE FROM jobs", "not DeleteStmt"),
    ("SELECT 1 INTO pwned", "SELECT INTO"),
    ("WITH d AS (DELETE FROM jobs RETURNING id) SELECT id FROM d", "is not a SELECT"),
    ("SELECT 1 -- hidden", "comment"),
    ("SELECT 1 /* hidden */", "comment"),
    ("SELECT 1 WITH CASCADED CHECK OPTION", "not valid SQL"),
    ("SELECT pg_read_file('/etc/passwd')", "calls pg_read_file()"),
    ("SELECT dblink_exec('x', 'y')", "calls dblink_exec()"),
    ("SELECT $1", "parameter"),
    ("", "empty"),
    ("SELECT 1 +" * 20000, "characters long"),
])
def test_anything_but_one_select_is_refused(sql: str, reason: str) -> None:
    with pytest.raises(ViewSqlProblem) as err:
        check_view_sql(sql)
    assert reason in str(err.value)


def test_relations_read_leaves_out_ctes_and_names_other_schemas_qualified() -> None:
    assert relations_read("WITH c AS (SELECT * FROM t1) SELECT * FROM c JOIN public.v2 ON true JOIN s.x ON true") == {"t1", "v2", "s.x"}


def test_options_go_with_their_kind_of_view() -> None:
    text = _problems("""  a:
    sql: "SELECT id FROM jobs"
    with_data: false
    indexes: [{name: a_id, columns: [id]}]
  b:
    materialized: true
    sql: "SELECT id FROM jobs"
    check_option: local
    security_barrier: true
""")
    assert "view a: with_data is only for materialized views" in text
    assert "view a: indexes is only for materialized views" in text
    assert "materialized view b: check_option is only for plain views (not materialized)" in text
    assert "materialized view b: security_barrier is only for plain views (not materialized)" in text


def test_a_view_named_like_a_table_and_a_cycle_are_refused() -> None:
    text = _problems("""  jobs:
    sql: "SELECT 1 AS x"
  a:
    sql: "SELECT * FROM b"
  b:
    sql: "SELECT * FROM a"
""")
    assert "view jobs: the name is already used by a table" in text
    assert "views read each other in a cycle: a -> b -> a" in text


def test_a_bad_check_option_is_refused_by_the_schema() -> None:
    assert "check_option" in _problems('  a: {sql: "SELECT 1 AS x", check_option: everything}\n')


def test_a_materialized_view_index_where_follows_the_fragment_rule() -> None:
    text = _problems("""  m:
    materialized: true
    sql: "SELECT id FROM jobs"
    indexes: [{name: m_id, columns: [id], where: "true; DROP TABLE jobs"}]
""")
    assert "materialized view m: index WHERE holds ';'" in text


def test_the_ddl_creates_views_after_the_tables_in_read_order() -> None:
    spec = parse_spec(HEAD + """  top:
    sql: "SELECT id FROM middle"
    comment: "It's on top."
    columns: {id: {comment: "The id."}}
  middle:
    sql: "SELECT id, status FROM jobs WHERE status = 'running'"
    check_option: cascaded
    security_barrier: true
    security_invoker: true
  stats:
    materialized: true
    sql: "SELECT status, count(*) AS n FROM jobs GROUP BY status"
    with_data: false
    indexes: [{name: stats_status, columns: [status], unique: true}]
""", "schema.yaml")
    script = ddl_script(spec)
    views = [s for s in script if "VIEW" in s or "stats_status" in s]
    assert views == [
        'CREATE VIEW "middle" WITH (security_barrier = true, security_invoker = true) AS\n'
        "SELECT id, status FROM jobs WHERE status = 'running'\nWITH CASCADED CHECK OPTION",
        'CREATE VIEW "top" AS\nSELECT id FROM middle',
        "COMMENT ON VIEW \"top\" IS 'It''s on top.'",
        'CREATE MATERIALIZED VIEW "stats" AS\nSELECT status, count(*) AS n FROM jobs GROUP BY status\nWITH NO DATA',
        'CREATE UNIQUE INDEX "stats_status" ON "stats" ("status")',
    ]
    assert "COMMENT ON COLUMN \"top\".\"id\" IS 'The id.'" in script
    assert script.index(views[0]) > max(i for i, s in enumerate(script) if s.startswith("CREATE TABLE"))
