"""The DDL of the spec's functions, procedures, aggregates (before the tables: a default or
CHECK may call one) and triggers (after their tables). Pure; the SQL itself is built and
parsed in ``generator.spec.functions_sql``.
"""

from __future__ import annotations

from generator.qualnames import ref
from generator.spec.functions import FunctionSpec
from generator.spec.functions_sql import (
    aggregate_identity,
    comment_sql,
    create_aggregate,
    create_function,
    create_trigger,
    enable_trigger,
    identity,
)
from generator.spec.model import Spec
from generator.spec.naming import quote_ident


def _after_tables(fn: FunctionSpec, spec: Spec) -> bool:
    """Whether ``fn`` needs the tables first (generator.spec.dependencies: a language sql
    body that reads a table or view, a table's row type as an argument or the return type;
    never a function a table's CHECK, default or index calls)."""
    from generator.spec.dependencies import after_tables

    return after_tables(fn, spec)


def _functions(spec: Spec, fns: list[FunctionSpec]) -> list[str]:
    out: list[str] = []
    for fn in fns:
        out.append(create_function(fn))
        if fn.comment:
            out.append(comment_sql("PROCEDURE" if fn.kind == "procedure" else "FUNCTION", identity(fn), fn.comment))
    return out


def before_tables(spec: Spec) -> list[str]:
    """CREATE FUNCTION/PROCEDURE (in the spec's order) of the functions that need no table,
    then CREATE AGGREGATE (their functions are plpgsql or built in), with comments."""
    out = _functions(spec, [f for f in spec.functions.values() if not _after_tables(f, spec)])
    for agg in spec.aggregates.values():
        out.append(create_aggregate(agg))
        if agg.comment:
            out.append(comment_sql("AGGREGATE", aggregate_identity(agg), agg.comment))
    return out


def function_statements(spec: Spec, fn: FunctionSpec) -> list[str]:
    """CREATE FUNCTION/PROCEDURE of one function, and its comment."""
    return _functions(spec, [fn])


def after_tables(spec: Spec) -> list[str]:
    """The functions that need the tables (a sql body reading them, a table's row type); the
    spec's script interleaves them with the views (generator.schema.late_ddl)."""
    return _functions(spec, [f for f in spec.functions.values() if _after_tables(f, spec)])


def guard_triggers(spec: Spec, table: str) -> list[str]:
    """CREATE TRIGGER of the append-only guard of ``table`` (generator.spec.append_only) alone."""
    return table_triggers(spec, table, only_guard=True)


def table_triggers(spec: Spec, table: str, only_guard: bool = False) -> list[str]:
    """CREATE TRIGGER, its comment and its enabled state, for the triggers of ``table``."""
    out: list[str] = []
    for trig in spec.triggers.get(table, ()):
        if only_guard and not trig.from_append_only:
            continue
        out.append(create_trigger(trig))
        if trig.comment:
            out.append(comment_sql("TRIGGER", f"{quote_ident(trig.name)} ON {ref(table)}", trig.comment))
        state = enable_trigger(trig)
        if state:
            out.append(state)
    return out
