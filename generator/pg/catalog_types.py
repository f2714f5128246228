"""User-defined composite and range types in the catalog snapshot (issue 16). Knows no spec.

Each type is compared as one definition PostgreSQL renders itself (format_type, the
collation's and operator class's names), so a missing, extra or changed composite or range
type is a difference of ``diff`` and of the revision proof, as migra alone misses a range
type's options and a composite attribute's collation.
"""

from __future__ import annotations

from typing import Any

from generator.pg.catalog_schemas import MANAGED, qualified

# One row per composite (relkind 'c') or range type of public not owned by an extension:
# (name, kind 'c'|'r', definition, comment).
QUERY = f"""
    SELECT {qualified('t.typname')}, t.typtype::text,
      CASE t.typtype WHEN 'c' THEN (
        SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
               || CASE WHEN a.attcollation <> at.typcollation THEN ' COLLATE ' || quote_ident(co.collname) ELSE '' END,
               ', ' ORDER BY a.attnum)
        FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
        LEFT JOIN pg_collation co ON co.oid = a.attcollation
        WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
      ELSE (
        SELECT 'subtype = ' || format_type(r.rngsubtype, NULL)
               || CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
                       THEN ', collation = ' || quote_ident(co.collname) ELSE '' END
               || CASE WHEN NOT oc.opcdefault THEN ', subtype_opclass = ' || quote_ident(oc.opcname) ELSE '' END
               || CASE WHEN r.rngsubdiff <> 0 THEN ', subtype_diff = ' || r.rngsubdiff::regproc::text ELSE '' END
        FROM pg_range r JOIN pg_type st ON st.oid = r.rngsubtype JOIN pg_opclass oc ON oc.oid = r.rngsubopc
        LEFT JOIN pg_collation co ON co.oid = r.rngcollation
        WHERE r.rngtypid = t.oid)
      END,
      obj_description(t.oid, 'pg_type')
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE {MANAGED}
      AND (t.typtype = 'r' OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
    ORDER BY t.typname"""

KINDS = {"c": "composite", "r": "range"}


def read_rows(rows: list[tuple[Any, ...]]) -> tuple[dict[str, str], dict[str, str | None]]:
    """{name: "composite (a text, b integer)" | "range (subtype = ...)"}, {name: comment}.
    A composite's attributes are joined with ", " (``attributes`` splits them again)."""
    definitions: dict[str, str] = {}
    comments: dict[str, str | None] = {}
    for name, kind, definition, comment in rows:
        definitions[name] = f"{KINDS.get(kind, kind)} ({definition or ''})"
        comments[name] = comment
    return definitions, comments


def compare_types(out: list[Any], change: Any, source: Any, target: Any) -> None:
    """Append a ``Change`` (the class is passed in: catalog.py owns it) per composite or range
    type added, removed or changed from ``source`` to ``target``, and per comment change."""
    a, b = source.user_types, target.user_types
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            out.append(change("type", name, "added" if name not in a else "removed", (b.get(name) or a.get(name) or "")))
            continue
        if a[name] != b[name]:
            out.append(change("type", name, "changed", f"{a[name]} -> {b[name]}"))
        if source.user_type_comments.get(name) != target.user_type_comments.get(name):
            out.append(change("comment", f"type {name}", "changed"))
