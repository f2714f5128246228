"""``append_only: true`` on a table, as an ordinary use of a function and two triggers
(issue 17 item 3).

When the spec is loaded (``generator.spec.model.build_spec``), every append-only table adds
to ``Spec.functions`` a plpgsql function ``<table>_append_only()`` returning trigger, and to
``Spec.triggers[<table>]`` two triggers calling it: ``<table>_append_only_row`` (BEFORE
UPDATE OR DELETE, FOR EACH ROW) and ``<table>_append_only_truncate`` (BEFORE TRUNCATE, FOR
EACH STATEMENT). Each carries ``from_append_only=True``; from there on the DDL, the catalog
snapshot, the comparison, the fix SQL, autogenerate and the data dictionary treat them as
any function and trigger of the spec. ``schemactl import`` writes ``append_only: true``
back for a table whose guard is exactly this one (``matches_function`` /
``matches_trigger``), and a user's own function or trigger may not take these names
(``reserved_problem``).

The body is byte-identical to the one revision 0005 wrote through the older
``op.create_append_only_guard`` (``generator.schema.guards.append_only_create`` builds its
statements from ``body`` below), so a database migrated by that revision and the spec's
database compare equal. Pure.
"""

from __future__ import annotations

from typing import Any

from generator.spec import naming
from generator.spec.functions import FunctionSpec, TriggerSpec
from generator.spec.source import Path


def _in_raise_format(text: str) -> str:
    """``text`` inside the format string of RAISE ... '...': quotes doubled, ``%`` doubled
    (a lone ``%`` is a placeholder there)."""
    return text.replace("'", "''").replace("%", "%%")


def body(table: str) -> str:
    """The plpgsql body of the guard function of ``table`` (its ``prosrc``)."""
    shown = _in_raise_format(table)
    hint = table.replace("'", "''")
    return f"""
BEGIN
  RAISE EXCEPTION '{shown} is append-only: % is refused', TG_OP
    USING ERRCODE = 'raise_exception',
          HINT = 'rows of {hint} are never changed or removed; append a new row instead';
END
"""


def function(table: str, path: Path = ()) -> FunctionSpec:
    """The guard function of ``table``, as a spec function (defaults everywhere: volatile,
    not strict, security invoker, parallel unsafe, no comment)."""
    return FunctionSpec(naming.append_only_function(table), "function", "plpgsql", (), "trigger",
                        body=body(table), path=path, from_append_only=True)


def triggers(table: str, path: Path = ()) -> tuple[TriggerSpec, TriggerSpec]:
    """The row trigger (UPDATE, DELETE) and the statement trigger (TRUNCATE) of ``table``."""
    fn = naming.append_only_function(table)
    row, truncate = naming.append_only_triggers(table)
    return (
        TriggerSpec(row, table, "before", ("update", "delete"), (), "row", None, fn, (), path=path, from_append_only=True),
        TriggerSpec(truncate, table, "before", ("truncate",), (), "statement", None, fn, (), path=path,
                    from_append_only=True),
    )


def expand(tables: dict[str, Any], functions: dict[str, FunctionSpec],
           relation_triggers: dict[str, tuple[TriggerSpec, ...]]) -> None:
    """Add the guard function and triggers of every append-only table of ``tables`` (in
    place, after the user's own). A user's function or trigger already holding a guard's
    name stays (``reserved_problem`` reports it at its line)."""
    for table in tables.values():
        if not table.append_only:
            continue
        path = table.path + ("append_only",)
        fn = function(table.name, path)
        functions.setdefault(fn.name, fn)
        own = relation_triggers.get(table.name, ())
        taken = {t.name for t in own}
        relation_triggers[table.name] = own + tuple(t for t in triggers(table.name, path) if t.name not in taken)


def _reserved(tables: dict[str, Any]) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """(function name -> table, (table, trigger name) -> table) of every table's guard names,
    append-only or not (``schemactl import`` reads any object by these names as a guard)."""
    fns = {naming.append_only_function(t): t for t in tables}
    trigs = {(t, name): t for t in tables for name in naming.append_only_triggers(t)}
    return fns, trigs


def reserved_problems(spec: Any) -> list[tuple[Path, str]]:
    """(path, message) for each user function or trigger named like a table's append-only
    guard: those names belong to ``append_only: true``."""
    fns, trigs = _reserved(spec.tables)
    out: list[tuple[Path, str]] = []
    for fn in spec.functions.values():
        if not fn.from_append_only and fn.name in fns:
            out.append((fn.path, f"function {fn.name}: the name is reserved for the append-only guard of table "
                                 f"{fns[fn.name]}; rename the function, or write append_only: true on the table"))
    for relation, items in spec.triggers.items():
        for trig in items:
            if not trig.from_append_only and (relation, trig.name) in trigs:
                out.append((trig.path + ("name",), f"trigger {relation}.{trig.name}: the name is reserved for the "
                            f"append-only guard of table {relation}; rename the trigger, or write append_only: true"))
    return out


def matches_function(table: str, entry: dict[str, Any]) -> bool:
    """Whether ``entry`` (a function as ``schemactl import`` writes it) is the guard of ``table``."""
    return entry == {"language": "plpgsql", "returns": "trigger", "body": body(table)}


def matches_trigger(table: str, entry: dict[str, Any]) -> bool:
    """Whether ``entry`` (a trigger as ``schemactl import`` writes it) is one of the guard's."""
    fn = naming.append_only_function(table)
    row, truncate = naming.append_only_triggers(table)
    return entry in (
        {"name": row, "timing": "before", "events": ["update", "delete"], "level": "row", "function": fn},
        {"name": truncate, "timing": "before", "events": ["truncate"], "level": "statement", "function": fn},
    )
