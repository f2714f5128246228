"""``functions:``, ``aggregates:`` and a table's ``triggers:`` for ``schemactl import``
(generator.adopt.writer), from the facts of generator.pg.introspect_functions.

The definitions PostgreSQL prints (``pg_get_functiondef``, ``pg_get_triggerdef``) are parsed
with pglast and written back as the spec's keys; the body is ``prosrc`` exactly. What the
spec cannot say stays an ``Unsupported`` with its reason: another language, an overloaded
name, a SET option other than search_path, a window function, a trigger whose function is
not written, and the hash-chain guard (generator.schema.guards), the spec's own object.
The append-only guard of a table (generator.spec.append_only) is written back as
``append_only: true`` on the table when its function and both triggers are exactly the ones
the spec builds (``append_only_tables``); under those names anything else is refused, as
the spec reserves them.
"""

from __future__ import annotations

from typing import Any

from pglast import ast, parse_sql
from pglast.enums import FunctionParameterMode
from pglast.parser import ParseError
from pglast.stream import RawStream

from generator.spec import append_only, naming

_MODES = {FunctionParameterMode.FUNC_PARAM_IN: "in", FunctionParameterMode.FUNC_PARAM_OUT: "out",
          FunctionParameterMode.FUNC_PARAM_INOUT: "inout", FunctionParameterMode.FUNC_PARAM_VARIADIC: "variadic",
          FunctionParameterMode.FUNC_PARAM_DEFAULT: "in"}
_PARALLEL = {"s": "safe", "r": "restricted", "u": "unsafe"}
_ENABLED = {"O": "origin", "A": "always", "R": "replica", "D": "disabled"}


# why an object under a guard's name is not written: the spec builds the guards itself
GUARD = ("named like the spec's own append-only or hash-chain guard, which is never a user's function or trigger "
         "(append_only: true is written for a guard exactly as the spec builds it)")


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
    if body.get("security") == "definer" and "search_path" not in body:
        body["caller_search_path"] = True  # as found: the spec asks a new definer function to pin it
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


def append_only_tables(db: Any, tables: list[str]) -> set[str]:
    """The tables of ``tables`` whose append-only guard is exactly what ``append_only: true``
    builds: the function (same body, default attributes, no comment) and both triggers."""
    fns = {f.name: f for f in db.functions if f.kind == "f" and f.overloads == 1}
    trigs = {(t.table, t.name): t for t in db.triggers}
    out: set[str] = set()
    for table in tables:
        name = naming.append_only_function(table)
        f = fns.get(name)
        entry = function_body(f)[0] if f is not None else None
        if entry is None or not append_only.matches_function(table, entry):
            continue
        found = [trigs.get((table, t)) for t in naming.append_only_triggers(table)]
        entries = [trigger_body(t, {name: entry}, set())[0] if t is not None else None for t in found]
        if all(e is not None and append_only.matches_trigger(table, e) for e in entries):
            out.add(table)
    return out


def chain_tables(db: Any, tables: list[str]) -> dict[str, dict[str, Any]]:
    """``hash_chain:`` of the tables of ``tables`` whose hash-chain guard is exactly what the
    spec builds (generator.schema.guards.chain_guard_create): the function's body, read back
    for its scope, prev and hash columns, is rebuilt from them byte for byte, and the trigger
    is the BEFORE INSERT row trigger executing it. Table -> the ``hash_chain`` entry."""
    from pglast import parse_sql as parse

    from generator.schema import guards

    fns = {f.name: f for f in db.functions if f.kind == "f" and f.overloads == 1}
    trigs = {(t.table, t.name): t for t in db.triggers}
    out: dict[str, dict[str, Any]] = {}
    for table in tables:
        name = naming.chain_guard(table)
        f, t = fns.get(name), trigs.get((table, name))
        args = guards.chain_guard_args(f.source) if f is not None and t is not None else None
        if args is None:
            continue
        scope, prev, hash_column, id_column = args
        create_fn = guards.chain_guard_create(table, scope, prev, hash_column, id_column)[0]
        options = {o.defname: o.arg for o in parse(create_fn)[0].stmt.options or ()}
        body = options["as"][0].sval if "as" in options else None
        try:
            trig = parse(t.definition)[0].stmt
        except (ParseError, ValueError):
            continue
        trigger_ok = (t.enabled == "O" and t.function == name and t.function_schema == "public" and t.comment is None
                      and trig.timing == 2 and trig.events == 4 and trig.row and not trig.args and trig.whenClause is None
                      and not trig.isconstraint and not trig.columns and not trig.transitionRels)  # BEFORE INSERT, each row
        if body == f.source and f.comment is None and trigger_ok:
            out[table] = {"scope": list(scope), "prev": prev, "hash": hash_column}
    return out


def plan_functions(db: Any, tables: list[str], append_only_of: set[str] | None = None,
                   chained: set[str] | None = None) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(functions, aggregates, why each other public routine is not written: identity -> reason).
    The guard functions of ``append_only_of`` (``append_only_tables``) are neither: the
    tables write them."""
    guards = guard_names(tables)
    kept = {naming.append_only_function(t) for t in append_only_of or ()} | {naming.chain_guard(t) for t in chained or ()}
    functions: dict[str, Any] = {}
    aggregates: dict[str, Any] = {}
    refused: dict[str, str] = {}
    for f in db.functions:
        if f.name in kept and f.kind == "f":
            continue  # written as append_only: true or hash_chain: on its table
        if f.name in guards:
            refused[f.identity] = GUARD
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
        return None, GUARD
    built_in = t.function_schema == "pg_catalog"  # PostgreSQL's own trigger functions (tsvector_update_trigger, ...)
    if not built_in and (t.function_schema != "public" or t.function not in functions):
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
    body["function"] = f"pg_catalog.{t.function}" if built_in else t.function
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
