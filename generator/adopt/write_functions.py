"""``functions:``, ``aggregates:`` and a table's ``triggers:`` for ``schemactl import``
(generator.adopt.writer), from the facts of generator.pg.introspect_functions.

The definitions PostgreSQL prints (``pg_get_functiondef``, ``pg_get_triggerdef``) are parsed
with pglast and written back as the spec's keys; the body is ``prosrc`` exactly. What the
spec cannot say stays an ``Unsupported`` with its reason: another language, an overloaded
name, a SET option other than search_path, a window function, a trigger whose function is
not written, and the append-only and hash-chain guards (generator.schema.guards), which are
the spec's own objects and never user functions.
"""

from __future__ import annotations

from typing import Any

from pglast import ast, parse_sql
from pglast.enums import FunctionParameterMode
from pglast.parser import ParseError
from pglast.stream import RawStream

from generator.spec import naming

_MODES = {FunctionParameterMode.FUNC_PARAM_IN: "in", FunctionParameterMode.FUNC_PARAM_OUT: "out",
          FunctionParameterMode.FUNC_PARAM_INOUT: "inout", FunctionParameterMode.FUNC_PARAM_VARIADIC: "variadic",
          FunctionParameterMode.FUNC_PARAM_DEFAULT: "in"}
_PARALLEL = {"s": "safe", "r": "restricted", "u": "unsafe"}
_ENABLED = {"O": "origin", "A": "always", "R": "replica", "D": "disabled"}


def guard_names(tables: list[str]) -> set[str]:
    """Function and trigger names of the append-only and hash-chain guards of ``tables``."""
    out: set[str] = set()
    for t in tables:
        out.add(naming.append_only_function(t))
        out.update(naming.append_only_triggers(t))
        out.add(naming.chain_guard(t))
    return out


def _text(node: Any) -> str:
    return RawStream()(node)


def function_body(f: Any) -> tuple[dict[str, Any] | None, str]:
    """The spec body of a function or procedure, or (None, why not)."""
    if f.language not in ("plpgsql", "sql"):
        return None, f"language {f.language} is not in the spec (plpgsql, sql)"
    try:
        (raw,) = parse_sql(f.definition)
    except (ParseError, ValueError):
        return None, "its definition does not parse"
    stmt = raw.stmt
    if not isinstance(stmt, ast.CreateFunctionStmt):
        return None, "its definition does not parse"
    body: dict[str, Any] = {}
    if stmt.is_procedure:
        body["kind"] = "procedure"
    args, table_cols = [], []
    for p in stmt.parameters or ():
        if p.mode == FunctionParameterMode.FUNC_PARAM_TABLE:
            table_cols.append(f"{naming.quote_ident(p.name)} {_text(p.argType)}")
            continue
        arg: dict[str, Any] = {}
        if p.name:
            arg["name"] = p.name
        arg["type"] = _text(p.argType)
        mode = _MODES.get(p.mode, "in")
        if mode != "in":
            arg["mode"] = mode
        if p.defexpr is not None:
            arg["default"] = _text(p.defexpr)
        args.append(arg)
    opts = {o.defname: o.arg for o in stmt.options or ()}
    body["language"] = opts["language"].sval if "language" in opts else f.language
    if args:
        body["arguments"] = args
    if not stmt.is_procedure:
        if table_cols:
            body["returns"] = f"table({', '.join(table_cols)})"
        else:
            ret = _text(stmt.returnType)
            body["returns"] = ret
    if "volatility" in opts and opts["volatility"].sval != "volatile":
        body["volatility"] = opts["volatility"].sval
    if "strict" in opts and opts["strict"].boolval:
        body["strict"] = True
    if "security" in opts and opts["security"].boolval:
        body["security"] = "definer"
    for o in stmt.options or ():
        if o.defname == "set":
            setting = o.arg
            if not isinstance(setting, ast.VariableSetStmt) or setting.name != "search_path":
                return None, "a SET option other than search_path is not in the spec"
            body["search_path"] = ", ".join(_text(a) for a in setting.args or ())
    if "parallel" in opts and opts["parallel"].sval != "unsafe":
        body["parallel"] = opts["parallel"].sval
    for key in ("cost", "rows"):
        if key in opts:
            value = opts[key]
            number = getattr(value, "fval", None) or getattr(value, "ival", None)
            body[key] = float(number) if "." in str(number) else int(number)
    if "leakproof" in opts and opts["leakproof"].boolval:
        body["leakproof"] = True
    body["body"] = f.source
    if f.comment:
        body["comment"] = f.comment
    return body, ""


def aggregate_body(f: Any, written: set[str], public: set[str]) -> tuple[dict[str, Any] | None, str]:
    """The spec body of an aggregate whose functions are written or built in (pg_catalog)."""
    for key in ("sfunc", "finalfunc", "combinefunc"):
        ref = getattr(f, key)
        # a function of a folded schema is public's billing.add_money (generator.adopt.write_schemas)
        if ref is not None and (("." in ref and ref not in public) or '"' in ref or (ref in public and ref not in written)):
            return None, f"its {key} {ref} is not a function the spec writes"
    body: dict[str, Any] = {"arguments": [{"type": t} for t in f.argument_types], "sfunc": f.sfunc, "stype": f.stype}
    if f.finalfunc:
        body["finalfunc"] = f.finalfunc
    if f.combinefunc:
        body["combinefunc"] = f.combinefunc
    if f.initcond is not None:
        body["initcond"] = f.initcond
    if f.parallel != "u":
        body["parallel"] = _PARALLEL[f.parallel]
    if f.comment:
        body["comment"] = f.comment
    return body, ""


def plan_functions(db: Any, tables: list[str]) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(functions, aggregates, why each other public routine is not written: identity -> reason)."""
    guards = guard_names(tables)
    functions: dict[str, Any] = {}
    aggregates: dict[str, Any] = {}
    refused: dict[str, str] = {}
    for f in db.functions:
        if f.name in guards:
            refused[f.identity] = "the spec's own append-only or hash-chain guard"
        elif f.overloads > 1:
            refused[f.identity] = "an overloaded name (the spec keys functions by name)"
        elif f.kind in ("f", "p"):
            body, why = function_body(f)
            if body is None:
                refused[f.identity] = why
            else:
                functions[f.name] = body
    for f in db.functions:
        if f.kind == "a" and f.identity not in refused:
            body, why = aggregate_body(f, set(functions), {g.name for g in db.functions})
            if body is None:
                refused[f.identity] = why
            else:
                aggregates[f.name] = body
        elif f.kind == "w":
            refused[f.identity] = "window functions are not in the spec"
    return functions, aggregates, refused


def trigger_body(t: Any, functions: dict[str, Any], guards: set[str]) -> tuple[dict[str, Any] | None, str]:
    """The spec entry of a table's trigger, or (None, why not)."""
    if t.name in guards:
        return None, "the spec's own append-only or hash-chain guard"
    if t.function_schema != "public" or t.function not in functions:
        return None, f"its function {t.function_schema}.{t.function} is not one the spec writes"
    try:
        (raw,) = parse_sql(t.definition)
    except (ParseError, ValueError):
        return None, "its definition does not parse"
    s = raw.stmt
    body: dict[str, Any] = {"name": t.name}
    body["timing"] = "before" if s.timing & 2 else "instead of" if s.timing & 64 else "after"
    body["events"] = [e for bit, e in ((4, "insert"), (16, "update"), (8, "delete"), (32, "truncate")) if s.events & bit]
    if s.columns:
        body["columns"] = [c.sval for c in s.columns]
    body["level"] = "row" if s.row else "statement"
    if s.whenClause is not None:
        body["when"] = _text(s.whenClause)
    body["function"] = t.function
    if s.args:
        body["arguments"] = [a.sval for a in s.args]
    refs = {("new_table" if r.isNew else "old_table"): r.name for r in s.transitionRels or ()}
    if refs:
        body["referencing"] = refs
    if s.isconstraint:
        body["constraint"] = True
        if s.deferrable:
            body["deferrable"] = True
        if s.initdeferred:
            body["initially_deferred"] = True
    if t.enabled != "O":
        body["enabled"] = _ENABLED[t.enabled]
    if t.comment:
        body["comment"] = t.comment
    return body, ""
