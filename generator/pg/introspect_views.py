"""What ``import`` reads of views and materialized views (generator.adopt.write_views): the
query as ``pg_get_viewdef`` prints it, whether a materialized view is populated, the column
comments, and what each view reads (pg_depend through its rewrite rule): relations, and
functions that are not built in or an extension's. Knows no spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

QUERY = """
    SELECT c.oid, pg_get_viewdef(c.oid), c.relispopulated,
           coalesce((SELECT array_agg(a.attname || '=' || col_description(c.oid, a.attnum) ORDER BY a.attnum)
                     FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                       AND col_description(c.oid, a.attnum) IS NOT NULL), '{}'),
           coalesce((SELECT array_agg(DISTINCT tn.nspname || '.' || t.relname)
                     FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                       AND d.refclassid = 'pg_class'::regclass
                     JOIN pg_class t ON t.oid = d.refobjid AND t.oid <> c.oid
                     JOIN pg_namespace tn ON tn.oid = t.relnamespace
                     WHERE r.ev_class = c.oid), '{}'),
           coalesce((SELECT array_agg(DISTINCT pn.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')')
                     FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                       AND d.refclassid = 'pg_proc'::regclass
                     JOIN pg_proc p ON p.oid = d.refobjid JOIN pg_namespace pn ON pn.oid = p.pronamespace
                     WHERE r.ev_class = c.oid AND pn.nspname <> 'pg_catalog'
                       AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass
                                       AND e.objid = p.oid AND e.deptype = 'e')), '{}')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('v', 'm')"""


@dataclass
class ViewInfo:
    definition: str
    populated: bool
    column_comments: list[tuple[str, str]] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)  # "schema.relation"
    functions: list[str] = field(default_factory=list)  # "schema.name(args)", user-defined only


def views_from_rows(rows: list[tuple[Any, ...]]) -> dict[int, ViewInfo]:
    out: dict[int, ViewInfo] = {}
    for oid, definition, populated, comments, reads, functions in rows:
        out[oid] = ViewInfo(definition or "", bool(populated),
                            [tuple(c.split("=", 1)) for c in comments],  # type: ignore[misc]
                            sorted(reads), sorted(functions))
    return out
