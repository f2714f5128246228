"""``generator.spec.sql_fragments``: a spec's SQL fragment is exactly one expression (issue 12,
finding 1). What PostgreSQL would run is covered on real servers in
tests/acceptance/test_hostile_corpus.py; here, which texts pass and which are refused."""

from __future__ import annotations

import pytest

from generator.spec.sql_fragments import FragmentProblem, check_fragment

SMUGGLED = (
    "true)); CREATE ROLE x SUPERUSER LOGIN PASSWORD 'x'; COPY (SELECT 1) TO PROGRAM 'id > /tmp/p'; "
    "CREATE TABLE zz (a int, CHECK (true"
)

ACCEPTED = [
    ("check", "a > 0"),
    ("check", "discount ~ '^[0-9]{1,2}%$'"),
    ("check", "note <> 'a;b' AND note <> '--' AND note <> '/* x */'"),
    ("check", "note <> $$a; DROP TABLE x; --$$"),
    ("check", "note <> $q$ '); DROP TABLE x; -- $q$"),
    ("check", "status IN ('a', 'b') OR note IS NULL"),
    ("check", "x = E'\\\\'';'"),
    ("check", "note <> ':name $1 %% \\'"),
    ("where", "deleted_at IS NULL"),
    ("default", "'100% off'"),
    ("default", "now()"),
    ("default", "'{}'::jsonb"),
    ("default", "(1 + 2)"),
    ("check", "lower(email) = email AND length(code) BETWEEN 1 AND 64"),
    ("default", "gen_random_uuid()"),
]

REFUSED = [
    ("check", SMUGGLED, "';'"),
    ("where", "true; CREATE ROLE pwned", "';'"),
    ("default", "1; SELECT 2", "';'"),
    ("check", "a > 0 -- x", "comment"),
    ("check", "a > 0 /* x */", "comment"),
    ("where", "true) WHERE (false", "not a valid SQL expression"),
    ("check", "true) OR (false", "not a valid SQL expression"),
    ("check", "1 FROM pg_authid", "not a query"),
    ("check", "1 UNION SELECT 2", "not a query"),
    ("check", "1 INTO t", "not a query"),
    ("check", "1 FOR UPDATE", "not a query"),
    ("check", "a > 0 ORDER BY 1", "not a query"),
    ("check", "1, 2", "found 2"),
    ("check", "1 AS x", "alias"),
    ("check", "a IN (SELECT 1)", "subquery"),
    ("default", "(SELECT 1)", "subquery"),
    ("check", "a = $1", "parameter"),
    ("default", "1 COLLATE \"C\"", "does not stay one expression"),
    ("default", "1 NOT NULL", "not a valid SQL expression"),
    ("check", "'unterminated", "not valid SQL"),
    ("check", "", "empty"),
    ("check", "lo_export(lo_from_bytea(0, 'x'), '/tmp/p') > 0", "calls lo_"),
    ("default", "pg_catalog.pg_read_file('/etc/passwd')", "calls pg_read_file()"),
    ("default", "dblink_exec('dbname=postgres', 'CREATE ROLE pwned SUPERUSER')", "calls dblink_exec()"),
    ("check", "(query_to_xml('select 1', true, true, '')) IS NOT NULL", "calls query_to_xml()"),
    ("check", "set_config('role', 'postgres', false) <> ''", "calls set_config()"),
    ("default", "pg_sleep(100)::text", "calls pg_sleep()"),
    # spellings a text search misses, and server-wide side effects of allowed extensions
    ("check", 'U&"lo\\005fexport"(1, \'/tmp/p\') > 0', "calls lo_export()"),
    ("default", 'PG_CATALOG."pg_read_file"(\'/etc/passwd\')', "calls pg_read_file()"),
    ("default", "pg_stat_statements_reset()", "calls pg_stat_statements_reset()"),
    ("check", "binary_upgrade_set_next_pg_type_oid(1) IS NULL", "calls binary_upgrade_set_next_pg_type_oid()"),
    ("check", "\"PG_TERMINATE_BACKEND\"(1)", "calls pg_terminate_backend()"),
    ("check", "   ", "empty"),
]


@pytest.mark.parametrize(("kind", "text"), ACCEPTED)
def test_one_expression_is_accepted(kind: str, text: str) -> None:
    check_fragment(text, kind)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "text", "reason"), REFUSED)
def test_anything_else_is_refused(kind: str, text: str, reason: str) -> None:
    with pytest.raises(FragmentProblem) as refused:
        check_fragment(text, kind)  # type: ignore[arg-type]
    assert reason in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (" + ".join(["1"] * 100_000), "over 10000"),  # crashed the process inside the parser
        ("+".join(["1"] * 4_999), "nested too deeply"),
        ("NOT " * 2_499 + "true", "nested too deeply"),
    ],
)
def test_huge_or_deep_fragments_are_refused_not_crashed(text: str, reason: str) -> None:
    with pytest.raises(FragmentProblem) as refused:
        check_fragment(text, "check")
    assert reason in str(refused.value)


def test_a_long_flat_fragment_is_fine() -> None:
    check_fragment("status IN (" + ", ".join(f"'v{i}'" for i in range(1000)) + ")", "check")
