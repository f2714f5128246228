"""INSTEAD OF triggers on views in the spec (generator/spec/view_triggers.py): what PostgreSQL
refuses at CREATE TRIGGER time on a view is refused at the spec's line, and the DDL puts each
view's triggers right after the view. No server: tests/drift/test_view_triggers_drift.py and
the generate case view_triggers build them."""

from __future__ import annotations

import pytest

from generator.errors import SpecError
from generator.schema.ddl import ddl_script
from generator.spec import parse_spec

BASE = """\
version: 1
settings: {require_comments: false}
functions:
  route: {returns: trigger, body: "BEGIN RETURN NEW; END"}
  plain: {returns: integer, language: sql, body: "SELECT 1"}
tables:
  jobs:
    columns:
      id: {type: bigint, primary_key: true}
      status: {type: text}
views:
  open_jobs:
    sql: "SELECT id, status FROM jobs WHERE status = 'open'"
    triggers:
"""


def problems(trigger: str, extra: str = "") -> list[str]:
    try:
        parse_spec(BASE + "      - " + trigger + "\n" + extra, "schema.yaml")
    except SpecError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_a_valid_instead_of_trigger_builds_after_its_view() -> None:
    spec = parse_spec(BASE + "      - {name: open_jobs_write, timing: instead of, events: [insert, update], "
                      "function: route, comment: \"It's routed.\"}\n", "schema.yaml")
    assert [t.name for t in spec.triggers["open_jobs"]] == ["open_jobs_write"]
    script = ddl_script(spec)
    view = next(i for i, s in enumerate(script) if s.startswith('CREATE VIEW "open_jobs"'))
    assert script[view + 1] == ('CREATE TRIGGER "open_jobs_write" INSTEAD OF INSERT OR UPDATE ON "open_jobs" '
                                'FOR EACH ROW EXECUTE FUNCTION "route"()')
    assert script[view + 2] == "COMMENT ON TRIGGER \"open_jobs_write\" ON \"open_jobs\" IS 'It''s routed.'"


@pytest.mark.parametrize(
    ("trigger", "message"),
    [
        ("{name: t, timing: before, events: [insert], function: route}", "a trigger on a view is timing: instead of"),
        ("{name: t, timing: instead of, events: [insert], level: statement, function: route}",
         "an INSTEAD OF trigger is level: row"),
        ("{name: t, timing: instead of, events: [truncate], function: route}", "a view has no truncate event"),
        ("{name: t, timing: instead of, events: [update], columns: [status], function: route}",
         "cannot name columns: (UPDATE OF)"),
        ("{name: t, timing: instead of, events: [update], when: \"NEW.id > 0\", function: route}",
         "cannot have a when: condition"),
        ("{name: t, timing: instead of, events: [delete], referencing: {old_table: o}, function: route}",
         "cannot have transition tables"),
        ("{name: t, timing: instead of, events: [insert], constraint: true, function: route}",
         "a constraint trigger cannot be on a view"),
        ("{name: t, timing: instead of, events: [insert], enabled: disabled, function: route}",
         "cannot enable or disable a trigger on a view"),
        ("{name: t, timing: instead of, events: [insert], function: missing}", "'missing' is not a function of the spec"),
        ("{name: t, timing: instead of, events: [insert], function: plain}", "must return trigger"),
    ],
)
def test_what_postgresql_refuses_on_a_view_is_refused_at_its_line(trigger: str, message: str) -> None:
    found = problems(trigger)
    assert any(message in p for p in found), found
    assert all(p.startswith("schema.yaml:") for p in found)
    line = BASE.count("\n") + 1
    assert any(p.startswith(f"schema.yaml:{line}:") for p in found), found


def test_two_triggers_of_a_view_with_one_name_are_refused() -> None:
    found = problems("{name: t, timing: instead of, events: [insert], function: route}\n"
                     "      - {name: t, timing: instead of, events: [update], function: route}")
    assert any("a trigger of the view has the same name" in p for p in found), found


def test_a_materialized_view_takes_no_triggers() -> None:
    text = BASE.replace("    sql: \"SELECT id, status FROM jobs WHERE status = 'open'\"\n",
                        "    materialized: true\n    sql: \"SELECT id, status FROM jobs WHERE status = 'open'\"\n")
    try:
        parse_spec(text + "      - {name: t, timing: instead of, events: [insert], function: route}\n", "schema.yaml")
    except SpecError as exc:
        assert any("triggers is only for plain views" in str(p) for p in exc.problems), exc.problems
    else:
        raise AssertionError("a materialized view with triggers was accepted")


def test_instead_of_stays_refused_on_a_table() -> None:
    text = BASE.replace("      status: {type: text}\n", "      status: {type: text}\n    triggers:\n"
                        "      - {name: t, timing: instead of, events: [insert], function: route}\n")
    with pytest.raises(SpecError) as exc:
        parse_spec(text.split("views:")[0], "schema.yaml")
    assert any("INSTEAD OF triggers are for views" in str(p) for p in exc.value.problems)
