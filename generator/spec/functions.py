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

The checks are in ``generator.spec.functions_checks``, the SQL in ``generator.spec.functions_sql``.
Pure: no SQLAlchemy, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.spec.source import Path

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
    caller_search_path: bool = False  # security definer on purpose without SET search_path (imported as found)
    from_append_only: bool = False  # the guard of an append_only table (generator.spec.append_only)

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
    table: str  # the relation it is on: a table, or a plain view (INSTEAD OF)
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
    from_append_only: bool = False  # the guard of an append_only table (generator.spec.append_only)


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
            caller_search_path=item.get("caller_search_path") is True,
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
    """The triggers of every table, then of every plain view (INSTEAD OF), by relation name
    (in the spec's order)."""
    out: dict[str, tuple[TriggerSpec, ...]] = {}
    for section in ("tables", "views"):
        relations = data.get(section) if isinstance(data, dict) else None
        for table, tbody in (relations.items() if isinstance(relations, dict) else ()):
            if table in out:
                continue  # a view named like a table: refused by check_views
            found = _relation_triggers(section, table, tbody)
            if found is not None:
                out[table] = found
    return out


def _relation_triggers(section: str, table: str, tbody: Any) -> tuple[TriggerSpec, ...] | None:
    items = tbody.get("triggers") if isinstance(tbody, dict) else None
    if not isinstance(items, list):
        return None
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
            (section, table, "triggers", i),
        ))
    return tuple(found)
