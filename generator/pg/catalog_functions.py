"""Functions, procedures, aggregates and triggers in the catalog snapshot
(``generator.pg.catalog``), and their comparison. Knows no spec.

One comparison serves both the spec's functions and triggers (the append-only guard among
them: generator.spec.append_only) and the hash-chain guard (generator.schema.guards), which
is an ordinary function and trigger here:

- ``Snapshot.functions[name(args)]``: ``pg_get_functiondef`` (arguments, return type,
  language, volatility, strictness, security, SET options, cost, rows, parallel, leakproof and
  body, all as PostgreSQL prints them); for an aggregate, the CREATE AGGREGATE statement
  its pg_aggregate attributes make (pg_get_functiondef refuses aggregates);
- ``Snapshot.function_comments[name(args)]``;
- ``Snapshot.function_users``: the functions a CHECK or other constraint, a column default or
  generated expression, or an index depends on (pg_depend): a revision creates them before
  the tables (issue 17 item 6);
- ``Snapshot.triggers[(table, name)]``: ``pg_get_triggerdef`` without the name (as before),
  ``Snapshot.trigger_states[(table, name)]``: ``tgenabled`` (O origin, A always, R replica,
  D disabled), ``Snapshot.trigger_comments[(table, name)]``.
"""

from __future__ import annotations

from typing import Any

from generator import qualnames
from generator.pg.catalog_schemas import MANAGED, qualified

FUNCTIONS_QUERY = f"""
    SELECT {qualified('p.proname')} || '(' || pg_get_function_identity_arguments(p.oid) || ')',
           CASE WHEN p.prokind = 'a' THEN
                  (SELECT 'CREATE AGGREGATE ' || quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_arguments(p.oid) || ') ('
                          || 'SFUNC = ' || a.aggtransfn::regproc::text || ', STYPE = ' || format_type(a.aggtranstype, NULL)
                          || coalesce(', FINALFUNC = ' || nullif(a.aggfinalfn, 0)::regproc::text, '')
                          || coalesce(', COMBINEFUNC = ' || nullif(a.aggcombinefn, 0)::regproc::text, '')
                          || coalesce(', INITCOND = ' || quote_literal(a.agginitval), '')
                          || ', PARALLEL = ' || CASE p.proparallel WHEN 's' THEN 'SAFE' WHEN 'r' THEN 'RESTRICTED' ELSE 'UNSAFE' END
                          || ')'
                   FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
                ELSE pg_get_functiondef(p.oid) END,
           obj_description(p.oid, 'pg_proc'),
           EXISTS (SELECT 1 FROM pg_depend u
                   WHERE u.refclassid = 'pg_proc'::regclass AND u.refobjid = p.oid
                     AND (u.classid IN ('pg_constraint'::regclass, 'pg_attrdef'::regclass)
                          OR (u.classid = 'pg_class'::regclass
                              AND EXISTS (SELECT 1 FROM pg_index x WHERE x.indexrelid = u.objid))))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype IN ('e', 'i')
    WHERE {MANAGED} AND d.objid IS NULL"""

TRIGGERS_QUERY = f"""
    SELECT {qualified('c.relname')}, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled::text, obj_description(t.oid, 'pg_trigger')
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE {MANAGED} AND NOT t.tgisinternal"""

ENABLED = {"O": "origin", "A": "always", "R": "replica", "D": "disabled"}


def split_key(key: str) -> tuple[str, str]:
    """``(name, "(args)")`` of a snapshot key ``name(args)``. The name is any text (a verbatim
    spec may put ``(`` or ``$$`` in it); the arguments are PostgreSQL's own rendering, so the
    split is the ``(`` matching the key's last ``)``, found from the right (quoted type names
    in the arguments are skipped)."""
    depth, quoted = 0, False
    for i in range(len(key) - 1, -1, -1):
        ch = key[i]
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == ")":
            depth += 1
        elif not quoted and ch == "(":
            depth -= 1
            if depth == 0:
                return key[:i], key[i:]
    return key, "()"


def routine(key: str) -> str:
    """``public."name"(args)`` of a snapshot key ``name(args)`` (``"billing"."f"(args)`` of
    ``billing.f(args)``, generator.qualnames): what DROP/COMMENT ON name."""
    name, args = split_key(key)
    schema, bare = qualnames.split(name)
    return (f"public.{qualnames.quote(bare)}" if schema == "public" else qualnames.sql(name)) + args


def read_functions(s: Any, rows: list[tuple[Any, ...]]) -> None:
    for name, definition, *comment in rows:
        s.functions[name] = (definition or "").strip()
        s.function_comments[name] = comment[0] if comment else None
        if len(comment) > 1 and comment[1]:
            s.function_users.add(name)


def read_trigger_extras(s: Any, rows: list[tuple[Any, ...]]) -> None:
    for table, name, _definition, *extra in rows:
        if extra:
            s.trigger_states[(table, name)] = ENABLED.get(extra[0], extra[0])
            s.trigger_comments[(table, name)] = extra[1] if len(extra) > 1 else None


def compare(out: list[Any], change: Any, source: Any, target: Any, common: set[str]) -> None:
    """Functions added, removed or changed (with the first differing line), their comments,
    and the enabled state and comments of triggers both sides have."""
    for name in sorted(set(source.functions) | set(target.functions)):
        a, b = source.functions.get(name), target.functions.get(name)
        if a is None or b is None:
            out.append(change("function", name, "added" if a is None else "removed"))
            continue
        if a != b:
            out.append(change("function", name, "changed", _first_difference(a, b)))
        if source.function_comments.get(name) != target.function_comments.get(name):
            out.append(change("comment", f"function {name}", "changed"))
    for key in sorted(set(source.triggers) & set(target.triggers)):
        if key[0] not in common:
            continue
        x, y = source.trigger_states.get(key, "origin"), target.trigger_states.get(key, "origin")
        if x != y:
            out.append(change("trigger", f"{key[0]}.{key[1]}", "changed", f"enabled: {x} -> {y}"))
        if source.trigger_comments.get(key) != target.trigger_comments.get(key):
            out.append(change("comment", f"trigger {key[0]}.{key[1]}", "changed"))


def _first_difference(a: str, b: str) -> str:
    for x, y in zip(a.splitlines(), b.splitlines(), strict=False):
        if x != y:
            return f"{x.strip()[:80]} -> {y.strip()[:80]}"
    return "body changed"
