"""Functions, procedures, aggregates and triggers of the schemas read for ``schemactl
import`` (generator.pg.introspect). Knows no spec: plain facts as PostgreSQL prints them
(``pg_get_functiondef``, ``pg_get_triggerdef``, ``prosrc``); generator.adopt.write_functions
decides what the spec can say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FUNCTIONS = """
    SELECT p.proname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', p.prokind,
           l.lanname, CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END, p.prosrc,
           obj_description(p.oid, 'pg_proc'),
           a.aggtransfn::regproc::text, format_type(a.aggtranstype, NULL), nullif(a.aggfinalfn, 0)::regproc::text,
           nullif(a.aggcombinefn, 0)::regproc::text, a.agginitval, p.proparallel::text,
           ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) t),
           (SELECT count(*) FROM pg_proc o WHERE o.pronamespace = p.pronamespace AND o.proname = p.proname),
           n.nspname
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
    LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
    WHERE n.nspname = ANY(%(schemas)s)
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                      AND d.deptype IN ('e', 'i'))
    ORDER BY n.nspname <> 'public', n.nspname, 2"""

TRIGGERS = """
    SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled::text, obj_description(t.oid, 'pg_trigger'),
           p.proname, pn.nspname, n.nspname
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
    WHERE n.nspname = ANY(%(schemas)s) AND NOT t.tgisinternal
    ORDER BY n.nspname <> 'public', n.nspname, 1, 2"""


@dataclass(frozen=True)
class FunctionInfo:
    name: str
    identity: str  # name(identity arguments), as routines and the snapshot key it
    kind: str  # prokind: f, p, a, w
    language: str
    definition: str | None  # pg_get_functiondef (functions and procedures)
    source: str  # prosrc: the body exactly
    comment: str | None
    sfunc: str | None
    stype: str | None
    finalfunc: str | None
    combinefunc: str | None
    initcond: str | None
    parallel: str
    argument_types: tuple[str, ...]
    overloads: int
    schema: str = "public"  # generator.adopt.write_schemas folds another schema's into public's schema.name


@dataclass(frozen=True)
class TriggerInfo:
    table: str
    name: str
    definition: str  # pg_get_triggerdef
    enabled: str  # O A R D
    comment: str | None
    function: str
    function_schema: str
    table_schema: str = "public"


def read(conn: Any, schemas: list[str] | tuple[str, ...] = ("public",)) -> tuple[list[FunctionInfo], list[TriggerInfo]]:
    """Read the functions and triggers of ``schemas`` through a psycopg connection (the
    caller's transaction); public's first."""
    params = {"schemas": list(schemas)}
    with conn.cursor() as cur:
        cur.execute(FUNCTIONS, params)
        functions = [FunctionInfo(*r[:13], tuple(r[13] or ()), int(r[14]), r[15]) for r in cur.fetchall()]
        cur.execute(TRIGGERS, params)
        triggers = [TriggerInfo(*r) for r in cur.fetchall()]
    return functions, triggers
