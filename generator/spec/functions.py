"""Functions and procedures (top-level ``functions:``), aggregates (``aggregates:``) and
triggers (``triggers:`` on a table; the same form will serve views' INSTEAD OF triggers).

A function is keyed by its name (overloads are not supported yet). Every piece of text from the
spec reaches SQL only in a parsed shape (issue 17 item 8):

* argument and return types follow the single-type-name rule of columns
  (``generator.spec.opaque_types``); ``setof <type>`` and ``table(name type, ...)`` are read
  into that rule too;
* argument defaults and a trigger's ``when`` are SQL fragments (``generator.spec.sql_fragments``);
* the body is dollar-quoted with a tag it cannot contain, and the whole ``CREATE FUNCTION``
  statement built from the spec must parse with pglast as exactly one CreateFunctionStmt
  (plpgsql bodies are not parsed further: the scratch build judges them);
* ``search_path`` must parse as the value list of exactly one ``SET search_path = ...``.

Pure: no SQLAlchemy, no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.spec import naming
from generator.spec.source import Path

if TYPE_CHECKING:
    from generator.errors import Problem
    from generator.spec.source import Source

LANGUAGES = ("plpgsql", "sql")
MODES = ("in", "out", "inout", "variadic")
VOLATILITY = ("volatile", "stable", "immutable")
PARALLEL = ("unsafe", "restricted", "safe")
TIMINGS = ("before", "after", "instead of")
EVENTS = ("insert", "update", "delete", "truncate")
ENABLED = ("origin", "always", "replica", "disabled")


@dataclass(frozen=True)
class ArgumentSpec:
    name: str | None
    type: str
    mode: str = "in"
    default: str | None = None


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    kind: str  # function | procedure
    language: str
    arguments: tuple[ArgumentSpec, ...]
    returns: str | None
    volatility: str = "volatile"
    strict: bool = False
    security: str = "invoker"
    search_path: str | None = None
    parallel: str = "unsafe"
    cost: float | None = None
    rows: float | None = None
    leakproof: bool = False
    body: str = ""
    comment: str = ""
    path: Path = ()

    @property
    def returns_trigger(self) -> bool:
        return (self.returns or "").strip().lower() == "trigger"


@dataclass(frozen=True)
class AggregateSpec:
    name: str
    arguments: tuple[ArgumentSpec, ...]
    sfunc: str
    stype: str
    finalfunc: str | None = None
    initcond: str | None = None
    combinefunc: str | None = None
    parallel: str | None = None
    comment: str = ""
    path: Path = ()


@dataclass(frozen=True)
class TriggerSpec:
    name: str
    table: str  # the relation it is on (a table; views later)
    timing: str
    events: tuple[str, ...]
    columns: tuple[str, ...]
    level: str  # row | statement
    when: str | None
    function: str
    arguments: tuple[str, ...]
    old_table: str | None = None
    new_table: str | None = None
    constraint: bool = False
    deferrable: bool = False
    initially_deferred: bool = False
    enabled: str = "origin"
    comment: str = ""
    path: Path = ()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _arguments(items: Any) -> tuple[ArgumentSpec, ...]:
    out = []
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        default = item.get("default")
        out.append(ArgumentSpec(_text(item.get("name")), str(item.get("type", "")), str(item.get("mode", "in")),
                                str(default) if isinstance(default, (str, int, float)) and not isinstance(default, bool) else None))
    return tuple(out)


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def build_functions(data: Any) -> dict[str, FunctionSpec]:
    body = data.get("functions") if isinstance(data, dict) else None
    out: dict[str, FunctionSpec] = {}
    for name, item in (body.items() if isinstance(body, dict) else ()):
        item = item if isinstance(item, dict) else {}
        kind = str(item.get("kind", "function"))
        out[name] = FunctionSpec(
            name, kind, str(item.get("language", "plpgsql")), _arguments(item.get("arguments")),
            _text(item.get("returns")), str(item.get("volatility", "volatile")), item.get("strict") is True,
            str(item.get("security", "invoker")), _text(item.get("search_path")), str(item.get("parallel", "unsafe")),
            _number(item.get("cost")), _number(item.get("rows")), item.get("leakproof") is True,
            str(item.get("body", "")), str(item.get("comment", "") or ""), ("functions", name),
        )
    return out


def build_aggregates(data: Any) -> dict[str, AggregateSpec]:
    body = data.get("aggregates") if isinstance(data, dict) else None
    out: dict[str, AggregateSpec] = {}
    for name, item in (body.items() if isinstance(body, dict) else ()):
        item = item if isinstance(item, dict) else {}
        out[name] = AggregateSpec(
            name, _arguments(item.get("arguments")), str(item.get("sfunc", "")), str(item.get("stype", "")),
            _text(item.get("finalfunc")), _text(item.get("initcond")), _text(item.get("combinefunc")),
            _text(item.get("parallel")), str(item.get("comment", "") or ""), ("aggregates", name),
        )
    return out


def build_triggers(data: Any) -> dict[str, tuple[TriggerSpec, ...]]:
    """The triggers of every table, by table name (in the spec's order)."""
    tables = data.get("tables") if isinstance(data, dict) else None
    out: dict[str, tuple[TriggerSpec, ...]] = {}
    for table, tbody in (tables.items() if isinstance(tables, dict) else ()):
        items = tbody.get("triggers") if isinstance(tbody, dict) else None
        if not isinstance(items, list):
            continue
        found = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            ref = item.get("referencing") if isinstance(item.get("referencing"), dict) else {}
            found.append(TriggerSpec(
                str(item.get("name", "")), table, str(item.get("timing", "before")),
                tuple(str(e) for e in item.get("events") or () if isinstance(e, str)),
                tuple(str(c) for c in item.get("columns") or () if isinstance(c, str)),
                str(item.get("level", "row")), _text(item.get("when")), str(item.get("function", "")),
                tuple(str(a) for a in item.get("arguments") or ()),
                _text(ref.get("old_table")), _text(ref.get("new_table")), item.get("constraint") is True,
                item.get("deferrable") is True, item.get("initially_deferred") is True,
                str(item.get("enabled", "origin")), str(item.get("comment", "") or ""),
                ("tables", table, "triggers", i),
            ))
        out[table] = tuple(found)
    return out


# --- checks -------------------------------------------------------------------------------

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
    from generator.spec.opaque_types import OpaqueTypeProblem, parse_opaque
    from generator.spec.sql_fragments import FragmentProblem, check_fragment

    for fn in spec.functions.values():
        where = f"function {fn.name}"
        if naming.too_long(fn.name):
            yield source.problem(fn.path, f"{where}: name is over 63 bytes", key=True)
        if fn.kind == "procedure" and fn.returns is not None:
            yield source.problem(fn.path + ("returns",), f"{where}: a procedure returns nothing; remove returns:")
        if fn.kind != "procedure" and fn.returns is None:
            yield source.problem(fn.path, f"{where}: returns: is required for a function (e.g. returns: trigger)")
        if fn.security == "definer" and not fn.search_path:
            yield source.problem(fn.path + ("security",), f"{where}: security definer needs a pinned search_path "
                                 "(search_path: \"pg_catalog, pg_temp\")")
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
        from generator.spec.functions_sql import StatementProblem, create_function

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
        for key in ("sfunc", "finalfunc", "combinefunc"):
            ref = getattr(agg, key)
            if ref is not None and ref not in spec.functions:
                yield source.problem(agg.path + (key,), f"{where}: {key} {ref!r} is not a function of the spec")
    for table, triggers in spec.triggers.items():
        tspec = spec.tables.get(table)
        seen: set[str] = set()
        for trig in triggers:
            yield from _trigger_problems(spec, tspec, trig, seen, source)


def _trigger_problems(spec: Any, table: Any, trig: TriggerSpec, seen: set[str], source: Source) -> Iterator[Problem]:
    from generator.spec.sql_fragments import FragmentProblem, check_fragment

    where = f"trigger {trig.table}.{trig.name}"
    if trig.name in seen:
        yield source.problem(trig.path + ("name",), f"{where}: a trigger of the table has the same name")
    seen.add(trig.name)
    if naming.too_long(trig.name):
        yield source.problem(trig.path + ("name",), f"{where}: name is over 63 bytes")
    fn = spec.functions.get(trig.function)
    if fn is None:
        yield source.problem(trig.path + ("function",), f"{where}: function {trig.function!r} is not a function of the spec")
    elif not fn.returns_trigger:
        yield source.problem(trig.path + ("function",), f"{where}: function {trig.function!r} must return trigger")
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
