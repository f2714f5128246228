"""Semantic checks of functions, aggregates and triggers (generator.spec.functions): the
single-type-name rule for argument and return types, the fragment rule for argument
defaults and trigger WHEN, the whole-statement rule for bodies (``functions_sql``), and the
rules PostgreSQL applies at CREATE time (a trigger's function returns trigger, transition
tables only on AFTER triggers, ...), each reported at its FILE:LINE:COL. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from generator.spec import naming
from generator.spec.functions import TriggerSpec
from generator.spec.functions_sql import BUILT_IN, StatementProblem, create_function

if TYPE_CHECKING:
    from generator.errors import Problem
    from generator.spec.source import Source


_TABLE_RETURNS = re.compile(r"^\s*table\s*\((?P<cols>.*)\)\s*$", re.IGNORECASE | re.DOTALL)
_SETOF = re.compile(r"^\s*setof\s+(?P<type>.+)$", re.IGNORECASE | re.DOTALL)


def return_type_problem(text: str) -> str | None:
    """Why ``returns`` is not one type name, ``setof <type>`` or ``table(...)``, else None."""
    from generator.spec.opaque_types import OpaqueTypeProblem, parse_opaque

    m = _TABLE_RETURNS.match(text)
    if m:
        return None  # judged with the whole statement (parsed as one CreateFunctionStmt)
    m = _SETOF.match(text)
    try:
        parse_opaque(m.group("type") if m else text)
    except OpaqueTypeProblem as exc:
        return str(exc)
    return None


def check_functions(spec: Any, source: Source) -> Iterator[Problem]:
    """Functions, aggregates and triggers of a ``generator.spec.model.Spec``."""
    from generator.spec.append_only import reserved_problems
    from generator.spec.opaque_types import OpaqueTypeProblem, parse_opaque
    from generator.spec.sql_fragments import FragmentProblem, check_fragment

    for path, message in reserved_problems(spec):
        yield source.problem(path, message, key=len(path) == 2)
    for fn in spec.functions.values():
        if fn.from_append_only:
            continue  # built by generator.spec.append_only; its name's length: checks.py
        where = f"function {fn.name}"
        if naming.too_long(fn.name):
            yield source.problem(fn.path, f"{where}: name is over 63 bytes", key=True)
        if fn.kind == "procedure" and fn.returns is not None:
            yield source.problem(fn.path + ("returns",), f"{where}: a procedure returns nothing; remove returns:")
        if fn.kind != "procedure" and fn.returns is None:
            yield source.problem(fn.path, f"{where}: returns: is required for a function (e.g. returns: trigger)")
        if fn.security == "definer" and not fn.search_path and not fn.caller_search_path:
            yield source.problem(fn.path + ("security",), f"{where}: security definer needs a pinned search_path "
                                 "(search_path: \"pg_catalog, pg_temp\"; or caller_search_path: true to keep the "
                                 "caller's, as an existing database may)")
        if fn.caller_search_path and (fn.search_path or fn.security != "definer"):
            yield source.problem(fn.path + ("caller_search_path",), f"{where}: caller_search_path: true is for a "
                                 "security definer function without search_path:")
        if fn.rows is not None and not (fn.returns or "").strip().lower().startswith(("setof", "table")):
            yield source.problem(fn.path + ("rows",), f"{where}: rows: applies only to a set-returning function")
        for i, arg in enumerate(fn.arguments):
            try:
                parse_opaque(arg.type)
            except OpaqueTypeProblem as exc:
                yield source.problem(fn.path + ("arguments", i, "type"), f"{where}: {exc}")
            if arg.default is not None:
                try:
                    check_fragment(arg.default, "default")
                except FragmentProblem as exc:
                    yield source.problem(fn.path + ("arguments", i, "default"), f"{where}: argument default: {exc}")
        if fn.returns is not None:
            problem = return_type_problem(fn.returns)
            if problem:
                yield source.problem(fn.path + ("returns",), f"{where}: returns: {problem}")
                continue
        try:
            create_function(fn)
        except StatementProblem as exc:
            yield source.problem(fn.path + ("body",), f"{where}: {exc}")
    for agg in spec.aggregates.values():
        where = f"aggregate {agg.name}"
        if agg.name in spec.functions:
            yield source.problem(agg.path, f"{where}: a function has the same name", key=True)
        for i, arg in enumerate(agg.arguments):
            try:
                parse_opaque(arg.type)
            except OpaqueTypeProblem as exc:
                yield source.problem(agg.path + ("arguments", i, "type"), f"{where}: {exc}")
        try:
            parse_opaque(agg.stype)
        except OpaqueTypeProblem as exc:
            yield source.problem(agg.path + ("stype",), f"{where}: {exc}")
        # sfunc/finalfunc/combinefunc: a function of the spec or a built-in one (textcat); PostgreSQL judges
    from generator.spec.view_triggers import is_view_trigger, view_trigger_problems

    for table, triggers in spec.triggers.items():
        tspec = spec.tables.get(table)
        seen: set[str] = set()
        for trig in triggers:
            if trig.from_append_only:
                seen.add(trig.name)
                continue
            if is_view_trigger(spec, trig):  # INSTEAD OF triggers on a view: generator.spec.view_triggers
                yield from _function_problems(spec, trig, seen, source)
                yield from view_trigger_problems(spec, trig, source)
                continue
            yield from _trigger_problems(spec, tspec, trig, seen, source)


def _function_problems(spec: Any, trig: TriggerSpec, seen: set[str], source: Source) -> Iterator[Problem]:
    """The name (unique on its relation, 63 bytes) and the function (the spec's, returning trigger)."""
    where = f"trigger {trig.table}.{trig.name}"
    if trig.name in seen:
        yield source.problem(trig.path + ("name",), f"{where}: a trigger of the {'view' if trig.path[:1] == ('views',) else 'table'} "
                             "has the same name")
    seen.add(trig.name)
    if naming.too_long(trig.name):
        yield source.problem(trig.path + ("name",), f"{where}: name is over 63 bytes")
    fn = spec.functions.get(trig.function)
    if fn is None and trig.function.startswith(BUILT_IN) and len(trig.function) > len(BUILT_IN):
        return  # PostgreSQL's own (tsvector_update_trigger, ...): the scratch build checks it returns trigger
    if fn is None:
        yield source.problem(trig.path + ("function",), f"{where}: function {trig.function!r} is not a function of the spec")
    elif not fn.returns_trigger:
        yield source.problem(trig.path + ("function",), f"{where}: function {trig.function!r} must return trigger")


def _trigger_problems(spec: Any, table: Any, trig: TriggerSpec, seen: set[str], source: Source) -> Iterator[Problem]:
    from generator.spec.sql_fragments import FragmentProblem, check_fragment

    where = f"trigger {trig.table}.{trig.name}"
    yield from _function_problems(spec, trig, seen, source)
    if trig.timing == "instead of":
        yield source.problem(trig.path + ("timing",), f"{where}: INSTEAD OF triggers are for views; a table takes before or after")
    if not trig.events:
        yield source.problem(trig.path + ("events",), f"{where}: events: needs at least one of insert, update, delete, truncate")
    if "truncate" in trig.events and trig.level == "row":
        yield source.problem(trig.path + ("events",), f"{where}: a truncate trigger must be level: statement")
    if trig.columns and "update" not in trig.events:
        yield source.problem(trig.path + ("columns",), f"{where}: columns: (UPDATE OF) needs the update event")
    for i, col in enumerate(trig.columns):
        if table is not None and col not in table.columns:
            yield source.problem(trig.path + ("columns", i), f"{where}: column {col!r} is not a column of {trig.table}")
    if trig.when is not None:
        if trig.level != "row":
            pass  # PostgreSQL allows WHEN on statement triggers, without OLD/NEW
        try:
            check_fragment(trig.when, "trigger_when")
        except FragmentProblem as exc:
            yield source.problem(trig.path + ("when",), f"{where}: when: {exc}")
    if trig.old_table or trig.new_table:
        if trig.timing != "after":
            yield source.problem(trig.path + ("referencing",), f"{where}: transition tables need timing: after")
        if trig.constraint:
            yield source.problem(trig.path + ("referencing",), f"{where}: a constraint trigger cannot have transition tables")
        if trig.columns:
            yield source.problem(trig.path + ("referencing",), f"{where}: transition tables cannot go with columns: (UPDATE OF)")
        if len(trig.events) != 1 and trig.level == "row":
            yield source.problem(trig.path + ("referencing",), f"{where}: a row trigger with transition tables takes exactly one event")
        if trig.old_table and not set(trig.events) & {"update", "delete"}:
            yield source.problem(trig.path + ("referencing",), f"{where}: old_table needs an update or delete event")
        if trig.new_table and not set(trig.events) & {"update", "insert"}:
            yield source.problem(trig.path + ("referencing",), f"{where}: new_table needs an insert or update event")
    if trig.constraint and (trig.timing != "after" or trig.level != "row"):
        yield source.problem(trig.path + ("constraint",), f"{where}: a constraint trigger is timing: after, level: row")
    if (trig.deferrable or trig.initially_deferred) and not trig.constraint:
        yield source.problem(trig.path + ("deferrable",), f"{where}: deferrable needs constraint: true")
