"""generator.pg.function_replace: which function changes CREATE OR REPLACE cannot make
(PostgreSQL's 42P13 rules), read from pg_get_functiondef texts with pglast."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from generator.pg.catalog import Change
from generator.pg.function_replace import (
    calls,
    rebuilt,
    renamed_parameters,
    replaceable,
    triggers_using,
)

SCALED = """CREATE OR REPLACE FUNCTION public.scaled(a integer, factor integer DEFAULT 2)
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT a * factor $function$"""


@pytest.mark.parametrize(("new", "ok"), [
    (SCALED.replace("SELECT a * factor", "SELECT a * factor + 0"), True),    # the body
    (SCALED.replace("IMMUTABLE", "STABLE"), True),                            # an attribute
    (SCALED.replace("DEFAULT 2", "DEFAULT 3"), True),                         # a default's value
    (SCALED.replace("(a integer,", "(a integer DEFAULT 1,"), True),           # a default added
    (SCALED.replace(" DEFAULT 2", ""), False),                                # a default removed
    (SCALED.replace("RETURNS integer", "RETURNS bigint"), False),             # the return type
    (SCALED.replace("RETURNS integer", "RETURNS SETOF integer"), False),      # setof
    (SCALED.replace("factor", "by"), False),                                  # a parameter renamed
    (SCALED.replace("(a integer,", "(INOUT a integer,"), False),              # a mode
])
def test_what_create_or_replace_can_do(new: str, ok: bool) -> None:
    assert replaceable(SCALED, new) is ok


def test_an_aggregate_or_unparsable_text_is_left_to_the_caller() -> None:
    assert replaceable("CREATE AGGREGATE public.total(integer) (SFUNC = add_up, STYPE = bigint)", SCALED) is True
    assert replaceable("not sql at all (", SCALED) is True


def test_a_renamed_parameter_pairs_the_old_key_with_the_new_one() -> None:
    live = {"scaled(a integer, factor integer)": SCALED, "other(x integer)": SCALED.replace("scaled", "other")}
    spec = {"scaled(a integer, by integer)": SCALED.replace("factor", "by"),
            "other(x bigint)": SCALED.replace("scaled", "other").replace("factor integer", "factor bigint")}
    assert renamed_parameters(live, spec) == {"scaled(a integer, factor integer)": "scaled(a integer, by integer)"}


def test_rebuilt_lists_changes_and_renames_by_the_live_key() -> None:
    live = SimpleNamespace(functions={"scaled(a integer, factor integer)": SCALED, "f(x integer)": SCALED.replace("scaled", "f")})
    spec = SimpleNamespace(functions={"scaled(a integer, by integer)": SCALED.replace("factor", "by"),
                                      "f(x integer)": SCALED.replace("scaled", "f").replace("RETURNS integer", "RETURNS text")})
    changes = [Change("function", "f(x integer)", "changed", "")]
    assert rebuilt(changes, live, spec) == ["f(x integer)", "scaled(a integer, factor integer)"]


def test_calls_finds_a_function_bare_quoted_or_qualified_and_nothing_else() -> None:
    keys = ["double_it(x integer)"]
    assert calls("SELECT double_it(amount) AS d FROM t", keys)
    assert calls("SELECT public.double_it (amount) FROM t", keys)
    assert calls('SELECT "double_it"(amount) FROM t', keys)
    assert not calls("SELECT redouble_it(amount), double_it_not(1), t.double_it FROM t", keys)


def test_triggers_using_reads_execute_function() -> None:
    snap = SimpleNamespace(triggers={
        ("t", "a"): "CREATE TRIGGER  BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION touch()",
        ("t", "b"): "CREATE TRIGGER  BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION public.touch('x')",
        ("t", "c"): "CREATE TRIGGER  BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION touch_more()",
    })
    assert triggers_using(snap, ["touch()"]) == [("t", "a"), ("t", "b")]
