"""``append_only: true`` is an ordinary use of a function and two triggers (issue 17 item 3,
generator.spec.append_only): the loaded spec holds them, flagged, with the body revision 0005
wrote through the older op; the spec's DDL builds them with the ordinary function and trigger
statements; a user's function or trigger under their names is refused at its line."""

from __future__ import annotations

import pytest

from generator.errors import SpecError
from generator.schema import functions_ddl, guards
from generator.schema.ddl import ddl_script
from generator.spec import append_only, parse_spec
from generator.spec.functions_sql import create_function

SPEC = """\
version: 1
tables:
  events:
    comment: Security events.
    append_only: true
    columns:
      id: {type: bigint, primary_key: true, identity: always, comment: Identifier.}
    triggers:
      - {name: events_touch, timing: before, events: [insert], function: touch}
functions:
  touch:
    returns: trigger
    body: "BEGIN RETURN NEW; END"
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as err:
        parse_spec(text, "schema.yaml")
    return [str(p) for p in err.value.problems]


def test_append_only_adds_a_flagged_function_and_two_triggers() -> None:
    spec = parse_spec(SPEC, "schema.yaml")
    fn = spec.functions["events_append_only"]
    assert fn.from_append_only and not spec.functions["touch"].from_append_only
    assert (fn.language, fn.returns, fn.arguments, fn.volatility, fn.security, fn.comment) == (
        "plpgsql", "trigger", (), "volatile", "invoker", "")
    assert fn.path == ("tables", "events", "append_only")
    triggers = spec.triggers["events"]
    assert [(t.name, t.from_append_only) for t in triggers] == [
        ("events_touch", False), ("events_append_only_row", True), ("events_append_only_truncate", True)]
    row, truncate = triggers[1:]
    assert (row.timing, row.events, row.level, row.function) == ("before", ("update", "delete"), "row", fn.name)
    assert (truncate.timing, truncate.events, truncate.level) == ("before", ("truncate",), "statement")


def test_the_body_is_the_one_the_older_op_wrote() -> None:
    """prosrc of the function the spec builds == prosrc of revision 0005's (the older op's
    ``$$...$$``), so a database migrated by the chain and the spec's database compare equal."""
    assert parse_spec(SPEC, "schema.yaml").functions["events_append_only"] == append_only.function(
        "events", ("tables", "events", "append_only"))
    for table in ("events", "it's_100%"):  # a verbatim name: quotes and % inside RAISE's format
        old = guards.append_only_create(table)[0]
        body = old[old.index("AS $$") + len("AS $$"):-len("$$")]
        assert append_only.function(table).body == body
        assert create_function(append_only.function(table)).endswith(f"AS $body${body}$body$")
    assert "'it''s_100%% is append-only: % is refused'" in append_only.body("it's_100%")


def test_the_spec_ddl_builds_the_guard_as_ordinary_statements() -> None:
    spec = parse_spec(SPEC, "schema.yaml")
    script = ddl_script(spec)
    create = functions_ddl.function_statements(spec, spec.functions["events_append_only"])
    triggers = functions_ddl.guard_triggers(spec, "events")
    assert len(create) == 1 and len(triggers) == 2
    assert all(s in script for s in create + triggers)
    assert script.index(create[0]) < script.index(triggers[0])
    assert not any(s.startswith("CREATE FUNCTION \"events_append_only\"() RETURNS trigger LANGUAGE") for s in script)


@pytest.mark.parametrize(("text", "expected"), [
    (SPEC.replace("  touch:\n", "  events_append_only:\n").replace("function: touch", "function: events_append_only"),
     "schema.yaml:11:3: function events_append_only: the name is reserved for the append-only guard of table events"),
    (SPEC.replace("name: events_touch", "name: events_append_only_truncate"),
     "schema.yaml:9:16: trigger events.events_append_only_truncate: the name is reserved for the append-only guard"),
    # reserved on a table that is not append-only too: import reads these names as the guard
    (SPEC.replace("    append_only: true\n", "").replace("name: events_touch", "name: events_append_only_row"),
     "schema.yaml:8:16: trigger events.events_append_only_row: the name is reserved"),
])
def test_a_user_function_or_trigger_may_not_take_a_guard_name(text: str, expected: str) -> None:
    problems = _problems(text)
    assert len(problems) == 1 and problems[0].startswith(expected), problems
