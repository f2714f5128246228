"""Functions, aggregates and triggers in the spec (generator/spec/functions*.py): the checks
PostgreSQL would otherwise make at CREATE time, reported at the spec's line, and the SQL built
only in parsed shapes. No server: tests/drift/test_functions_drift.py builds them."""

from __future__ import annotations

import pytest

from generator.errors import SpecError
from generator.schema.ddl import ddl_script
from generator.spec import parse_spec
from generator.spec.functions_sql import StatementProblem, create_function, dollar_quoted

BASE = """\
version: 1
settings: {require_comments: false}
functions:
  touch: {returns: trigger, body: "BEGIN RETURN NEW; END"}
  plain: {returns: integer, language: sql, body: "SELECT 1"}
tables:
  jobs:
    columns:
      id: {type: bigint, primary_key: true}
      status: {type: text}
    triggers:
"""


def problems(trigger: str, functions: str = "") -> list[str]:
    text = BASE + "      - " + trigger + "\n"
    if functions:
        text = text.replace("functions:\n", "functions:\n" + functions + "\n", 1)
    try:
        parse_spec(text)
    except SpecError as exc:
        return [p.message for p in exc.problems]
    return []


@pytest.mark.parametrize(
    ("trigger", "message"),
    [
        ("{name: t, timing: before, events: [update], function: missing}", "'missing' is not a function of the spec"),
        ("{name: t, timing: before, events: [update], function: plain}", "must return trigger"),
        ("{name: t, timing: before, events: [truncate], function: touch}", "must be level: statement"),
        ("{name: t, timing: before, events: [insert], columns: [status], function: touch}", "needs the update event"),
        ("{name: t, timing: before, events: [update], columns: [nope], function: touch}", "'nope' is not a column"),
        ("{name: t, timing: before, events: [delete], level: statement, referencing: {old_table: o}, function: touch}",
         "transition tables need timing: after"),
        ("{name: t, timing: after, events: [insert], level: statement, referencing: {old_table: o}, function: touch}",
         "old_table needs an update or delete event"),
        ("{name: t, timing: after, events: [insert, delete], referencing: {old_table: o}, function: touch}",
         "takes exactly one event"),
        ("{name: t, timing: before, events: [update], constraint: true, function: touch}", "constraint trigger is timing: after"),
        ("{name: t, timing: after, events: [update], deferrable: true, function: touch}", "deferrable needs constraint: true"),
        ("{name: t, timing: instead of, events: [update], function: touch}", "INSTEAD OF triggers are for views"),
        ("{name: t, timing: before, events: [update], when: \"1; SELECT 2\", function: touch}", "holds ';'"),
    ],
)
def test_trigger_problems(trigger: str, message: str) -> None:
    found = problems(trigger)
    assert any(message in m for m in found), found


def test_security_definer_requires_a_search_path() -> None:
    found = problems("{name: t, timing: before, events: [update], function: touch}",
                     "  d: {returns: integer, security: definer, body: \"BEGIN RETURN 1; END\"}")
    assert any("security definer needs a pinned search_path" in m for m in found), found


def test_caller_search_path_is_the_explicit_way_to_keep_a_definer_unpinned() -> None:
    trigger = "{name: t, timing: before, events: [update], function: touch}"
    assert problems(trigger, "  d: {returns: integer, security: definer, caller_search_path: true, "
                             "body: \"BEGIN RETURN 1; END\"}") == []
    both = problems(trigger, "  d: {returns: integer, security: definer, caller_search_path: true, search_path: public, "
                             "body: \"BEGIN RETURN 1; END\"}")
    assert any("caller_search_path: true is for a security definer function without search_path" in m for m in both), both
    invoker = problems(trigger, "  d: {returns: integer, caller_search_path: true, body: \"BEGIN RETURN 1; END\"}")
    assert any("caller_search_path: true is for a security definer" in m for m in invoker), invoker
    script = ddl_script(parse_spec(BASE.replace("functions:\n", "functions:\n  d: {returns: integer, security: definer, "
                                                "caller_search_path: true, body: \"BEGIN RETURN 1; END\"}\n", 1)
                                   + "      - {name: t, timing: before, events: [update], function: touch}\n"))
    definer = next(s for s in script if s.startswith('CREATE FUNCTION "d"'))
    assert "SECURITY DEFINER" in definer and "search_path" not in definer


def test_a_trigger_may_execute_a_built_in_trigger_function() -> None:
    trigger = ("{name: t, timing: before, events: [insert, update], function: pg_catalog.tsvector_update_trigger, "
               "arguments: [fts, pg_catalog.english, title]}")
    assert problems(trigger) == []
    script = ddl_script(parse_spec(BASE + "      - " + trigger + "\n"))
    create = next(s for s in script if s.startswith('CREATE TRIGGER "t"'))
    assert "EXECUTE FUNCTION pg_catalog.\"tsvector_update_trigger\"('fts', 'pg_catalog.english', 'title')" in create
    assert any("is not a function of the spec" in m for m in problems("{name: t, timing: before, events: [update], "
                                                                       "function: other.tsvector_update_trigger}"))


def test_a_valid_trigger_has_no_problem_and_its_ddl_comes_after_its_table() -> None:
    assert problems("{name: t, timing: after, events: [delete], level: statement, referencing: {old_table: o}, "
                    "function: touch, enabled: disabled, arguments: [\"50%\"]}") == []
    script = ddl_script(parse_spec(BASE + "      - {name: t, timing: before, events: [update], function: touch, enabled: replica}\n"))
    fn = next(i for i, s in enumerate(script) if s.startswith('CREATE FUNCTION "touch"'))
    table = next(i for i, s in enumerate(script) if s.startswith("CREATE TABLE jobs"))
    trig = script.index('CREATE TRIGGER "t" BEFORE UPDATE ON "jobs" FOR EACH ROW EXECUTE FUNCTION "touch"()')
    assert fn < table < trig < script.index('ALTER TABLE "jobs" ENABLE REPLICA TRIGGER "t"')
    plain = next(i for i, s in enumerate(script) if s.startswith('CREATE FUNCTION "plain"'))
    assert plain < table  # language sql reading no table: before them (generator.spec.dependencies, issue 17 item 6)


def test_the_body_stays_one_body_whatever_tags_it_holds() -> None:
    body = "SELECT '$body$; CREATE ROLE pwned SUPERUSER; $body1$'"
    quoted = dollar_quoted(body)
    assert quoted.startswith("$body2$") and quoted.endswith("$body2$")
    from generator.spec.functions import FunctionSpec

    sql = create_function(FunctionSpec("f", "function", "sql", (), "text", body=body))
    assert sql.endswith(f"AS $body2${body}$body2$")


@pytest.mark.parametrize(
    ("search_path", "ok"),
    [("pg_catalog, pg_temp", True), ("\"my schema\", public", True), ("public; CREATE ROLE pwned", False),
     ("public AS $$x$$", False)],
)
def test_search_path_is_one_set_statements_value(search_path: str, ok: bool) -> None:
    from generator.spec.functions import FunctionSpec

    fn = FunctionSpec("f", "function", "sql", (), "integer", security="definer", search_path=search_path, body="SELECT 1")
    if ok:
        assert "SET search_path = " + search_path in create_function(fn)
    else:
        with pytest.raises(StatementProblem):
            create_function(fn)
