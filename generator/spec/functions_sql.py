"""The SQL of functions, procedures, aggregates and triggers (generator.spec.functions), built
only in parsed shapes: every statement is parsed with pglast and must be exactly one statement
of the expected kind before it is returned (issue 17 item 8). Pure: pglast only.
"""

from __future__ import annotations

from pglast import ast, parse_sql
from pglast.parser import ParseError

from generator.qualnames import PUBLIC, ref, split
from generator.spec.functions import AggregateSpec, ArgumentSpec, FunctionSpec, TriggerSpec
from generator.spec.naming import quote_ident
from generator.spec.types import quote_literal


class StatementProblem(ValueError):
    """A statement built from the spec that is not exactly one statement of its kind."""


def dollar_quoted(body: str) -> str:
    """``body`` dollar-quoted with a tag the body does not contain (and cannot end)."""
    n = 0
    tag = "$body$"
    while tag in body or body.endswith("$"):
        n += 1
        tag = f"$body{n}$"
    return f"{tag}{body}{tag}"


def _arg(arg: ArgumentSpec) -> str:
    parts = [] if arg.mode == "in" else [arg.mode.upper()]
    if arg.name:
        parts.append(quote_ident(arg.name))
    parts.append(arg.type)
    text = " ".join(parts)
    return text + (f" DEFAULT {arg.default}" if arg.default is not None else "")


def signature(fn: FunctionSpec) -> str:
    return f"{ref(fn.name)}({', '.join(_arg(a) for a in fn.arguments)})"


def identity(fn: FunctionSpec | AggregateSpec) -> str:
    """``name(type, ...)`` of the input arguments: what DROP and COMMENT ON name."""
    types = [a.type for a in fn.arguments if a.mode in ("in", "inout", "variadic")]
    return f"{ref(fn.name)}({', '.join(types)})"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _search_path(text: str) -> str:
    """``text`` as the value list of one ``SET search_path = ...``."""
    sql = f"SET search_path = {text}"
    try:
        stmts = parse_sql(sql)
    except ParseError as exc:
        raise StatementProblem(f"search_path {text!r} is not a list of schema names: {exc.args[0] if exc.args else exc}") from None
    if len(stmts) != 1 or not isinstance(stmts[0].stmt, ast.VariableSetStmt) or stmts[0].stmt.name != "search_path":
        raise StatementProblem(f"search_path {text!r} is not a list of schema names")
    return text


def create_function(fn: FunctionSpec, replace: bool = False) -> str:
    """CREATE [OR REPLACE] FUNCTION|PROCEDURE for ``fn``; StatementProblem unless it parses as
    exactly one CreateFunctionStmt naming ``fn``."""
    head = f"CREATE {'OR REPLACE ' if replace else ''}{'PROCEDURE' if fn.kind == 'procedure' else 'FUNCTION'} {signature(fn)}"
    parts = [head]
    if fn.kind != "procedure":
        parts.append(f"RETURNS {fn.returns}")
    parts.append(f"LANGUAGE {fn.language}")
    if fn.kind != "procedure":
        parts.append(fn.volatility.upper())
        if fn.strict:
            parts.append("STRICT")
        if fn.leakproof:
            parts.append("LEAKPROOF")
        parts.append(f"PARALLEL {fn.parallel.upper()}")
        if fn.cost is not None:
            parts.append(f"COST {_number(fn.cost)}")
        if fn.rows is not None:
            parts.append(f"ROWS {_number(fn.rows)}")
    if fn.security == "definer":
        parts.append("SECURITY DEFINER")
    if fn.search_path:
        parts.append(f"SET search_path = {_search_path(fn.search_path)}")
    sql = "\n".join(parts) + f"\nAS {dollar_quoted(fn.body)}"
    _one(sql, ast.CreateFunctionStmt, fn.name, "the function")
    return sql


def _one(sql: str, kind: type, name: str, what: str) -> None:
    if "\x00" in sql:
        raise StatementProblem(f"{what} holds a NUL character")
    try:
        stmts = parse_sql(sql)
    except ParseError as exc:
        raise StatementProblem(f"{what} does not parse: {exc.args[0] if exc.args else exc}") from None
    except RecursionError:
        raise StatementProblem(f"{what} is nested too deeply") from None
    if len(stmts) != 1 or not isinstance(stmts[0].stmt, kind):
        raise StatementProblem(f"{what} is not exactly one {kind.__name__}")
    stmt = stmts[0].stmt
    if isinstance(stmt, ast.CreateTrigStmt):
        same = stmt.trigname == name
    else:
        names = stmt.funcname if isinstance(stmt, ast.CreateFunctionStmt) else stmt.defnames
        schema, bare = split(name)  # billing.touch: the parsed name is ("billing", "touch")
        want = (bare,) if schema == PUBLIC else (schema, bare)
        same = tuple(n.sval for n in names or ()) == want
    if not same:
        raise StatementProblem(f"{what} does not stay one statement about {name!r}")


def create_aggregate(agg: AggregateSpec) -> str:
    args = ", ".join(a.type for a in agg.arguments) or "*"
    opts = [f"SFUNC = {ref(agg.sfunc)}", f"STYPE = {agg.stype}"]
    if agg.finalfunc:
        opts.append(f"FINALFUNC = {ref(agg.finalfunc)}")
    if agg.combinefunc:
        opts.append(f"COMBINEFUNC = {ref(agg.combinefunc)}")
    if agg.initcond is not None:
        opts.append(f"INITCOND = {quote_literal(agg.initcond)}")
    if agg.parallel:
        opts.append(f"PARALLEL = {agg.parallel.upper()}")
    sql = f"CREATE AGGREGATE {ref(agg.name)}({args}) ({', '.join(opts)})"
    _one(sql, ast.DefineStmt, agg.name, "the aggregate")
    return sql


def aggregate_identity(agg: AggregateSpec) -> str:
    return f"{ref(agg.name)}({', '.join(a.type for a in agg.arguments) or '*'})"


_ENABLE = {"always": "ENABLE ALWAYS", "replica": "ENABLE REPLICA", "disabled": "DISABLE", "origin": "ENABLE"}


BUILT_IN = "pg_catalog."  # a trigger may execute PostgreSQL's own trigger functions (tsvector_update_trigger, ...)


def trigger_function_sql(name: str) -> str:
    """A trigger's ``function:`` as SQL: ``pg_catalog."name"`` for a built-in one, else the
    spec's function with its schema (generator.qualnames)."""
    if name.startswith(BUILT_IN):
        return "pg_catalog." + quote_ident(name[len(BUILT_IN):])
    return ref(name)


def create_trigger(trig: TriggerSpec, relation: str | None = None) -> str:
    events = []
    for e in trig.events:
        if e == "update" and trig.columns:
            events.append("UPDATE OF " + ", ".join(quote_ident(c) for c in trig.columns))
        else:
            events.append(e.upper())
    parts = [f"CREATE {'CONSTRAINT ' if trig.constraint else ''}TRIGGER {quote_ident(trig.name)}",
             f"{trig.timing.upper()} {' OR '.join(events)} ON {relation or ref(trig.table)}"]
    if trig.constraint:
        parts.append("DEFERRABLE" if trig.deferrable else "NOT DEFERRABLE")
        parts.append("INITIALLY DEFERRED" if trig.initially_deferred else "INITIALLY IMMEDIATE")
    refs = []
    if trig.old_table:
        refs.append(f"OLD TABLE AS {quote_ident(trig.old_table)}")
    if trig.new_table:
        refs.append(f"NEW TABLE AS {quote_ident(trig.new_table)}")
    if refs:
        parts.append("REFERENCING " + " ".join(refs))
    parts.append(f"FOR EACH {trig.level.upper()}")
    if trig.when is not None:
        parts.append(f"WHEN ({trig.when})")
    args = ", ".join(quote_literal(a) for a in trig.arguments)
    parts.append(f"EXECUTE FUNCTION {trigger_function_sql(trig.function)}({args})")
    sql = " ".join(parts)
    _one(sql, ast.CreateTrigStmt, trig.name, "the trigger")
    return sql


def enable_trigger(trig: TriggerSpec, relation: str | None = None) -> str | None:
    """ALTER TABLE ... ENABLE/DISABLE TRIGGER for a state other than the default (origin)."""
    if trig.enabled == "origin":
        return None
    return f"ALTER TABLE {relation or ref(trig.table)} {_ENABLE[trig.enabled]} TRIGGER {quote_ident(trig.name)}"


def comment_sql(kind: str, target: str, comment: str | None) -> str:
    return f"COMMENT ON {kind} {target} IS {quote_literal(comment) if comment else 'NULL'}"
