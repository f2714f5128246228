"""The DDL of the spec's functions, procedures, aggregates (before the tables: a default or
CHECK may call one) and triggers (after their tables). Pure; the SQL itself is built and
parsed in ``generator.spec.functions_sql``.
"""

from __future__ import annotations

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
    """Whether ``fn`` needs the tables first: a language sql body is checked at CREATE time,
    and a table's row type may be an argument or the return type (``setof jobs``)."""
    words = {w.strip('"').lower() for a in fn.arguments for w in a.type.replace("(", " ").split()}
    words |= {w.strip('"').lower() for w in (fn.returns or "").replace("(", " ").replace(",", " ").split()}
    return fn.language == "sql" or bool(words & {t.lower() for t in spec.tables})


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


def after_tables(spec: Spec) -> list[str]:
    """The functions that need the tables (language sql, a table's row type)."""
    return _functions(spec, [f for f in spec.functions.values() if _after_tables(f, spec)])


def table_triggers(spec: Spec, table: str) -> list[str]:
    """CREATE TRIGGER, its comment and its enabled state, for the triggers of ``table``."""
    out: list[str] = []
    for trig in spec.triggers.get(table, ()):
        out.append(create_trigger(trig))
        if trig.comment:
            out.append(comment_sql("TRIGGER", f"{quote_ident(trig.name)} ON {quote_ident(table)}", trig.comment))
        state = enable_trigger(trig)
        if state:
            out.append(state)
    return out
