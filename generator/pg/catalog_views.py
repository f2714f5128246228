"""Views and materialized views in the catalog snapshot (generator.pg.catalog), and their
comparison: the query as PostgreSQL prints it (``pg_get_viewdef``), the options
(``reloptions``: check_option, security_barrier, security_invoker), whether a materialized
view is populated (WITH [NO] DATA), comments on the view and its columns, and the indexes of
materialized views (which ``catalog.compare`` leaves out: they are not on a table).

``ViewState.reads`` is pg_depend through the view's rewrite rule: the relations and columns it
reads, for ordering drops and creates by the database's own graph (issue 17 item 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

QUERY = """
    SELECT c.relname, c.relkind, pg_get_viewdef(c.oid), obj_description(c.oid, 'pg_class'),
           coalesce(c.reloptions, '{}'), c.relispopulated,
           coalesce((SELECT array_agg(a.attname || '=' || col_description(c.oid, a.attnum) ORDER BY a.attnum)
                     FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                       AND col_description(c.oid, a.attnum) IS NOT NULL), '{}'),
           coalesce((SELECT array_agg(DISTINCT t.relname || coalesce('.' || a.attname, ''))
                     FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                       AND d.refclassid = 'pg_class'::regclass
                     JOIN pg_class t ON t.oid = d.refobjid AND t.oid <> c.oid
                     LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
                     WHERE r.ev_class = c.oid AND t.relnamespace = c.relnamespace), '{}')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype = 'e'
    WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm') AND d.objid IS NULL"""

@dataclass(frozen=True)
class ViewState:
    materialized: bool
    definition: str  # pg_get_viewdef
    comment: str | None
    options: tuple[str, ...]  # sorted reloptions: check_option=local, security_barrier=true, ...
    populated: bool
    column_comments: tuple[tuple[str, str], ...]
    reads: frozenset[str] = frozenset()  # pg_depend: "relation" and "relation.column" it reads (public)

    @property
    def kind(self) -> str:
        return "materialized view" if self.materialized else "view"


def read_rows(rows: list[tuple[Any, ...]]) -> dict[str, ViewState]:
    out: dict[str, ViewState] = {}
    for name, relkind, definition, comment, options, populated, col_comments, *reads in rows:
        comments = tuple(tuple(item.split("=", 1)) for item in col_comments)
        out[name] = ViewState(relkind == "m", normalize(definition), comment,
                              tuple(sorted(o.lower() for o in options)), bool(populated), comments,  # type: ignore[arg-type]
                              frozenset(reads[0]) if reads else frozenset())
    return out


def normalize(definition: str) -> str:
    """pg_get_viewdef's text without its trailing ';' and outer whitespace."""
    text = (definition or "").strip()
    return text[:-1].rstrip() if text.endswith(";") else text


def option(state: ViewState, key: str) -> str | None:
    for item in state.options:
        k, _, v = item.partition("=")
        if k == key:
            return v
    return None


def compare(source: Any, target: Any, change: Any) -> list[Any]:
    """Changes (``change(kind, name, action, detail)``) from ``source.views`` to ``target.views``,
    with the indexes of materialized views present on both sides."""
    out: list[Any] = []
    a_views: dict[str, ViewState] = getattr(source, "views", {})
    b_views: dict[str, ViewState] = getattr(target, "views", {})
    for name in sorted(set(a_views) | set(b_views)):
        a, b = a_views.get(name), b_views.get(name)
        if a is None or b is None:
            s = a or b
            out.append(change(s.kind, name, "added" if a is None else "removed"))  # type: ignore[union-attr]
            continue
        if a.materialized != b.materialized:
            out.append(change("view", name, "changed", f"kind: {a.kind} -> {b.kind}"))
            continue
        details = []
        if a.definition != b.definition:
            details.append("query changed")
        if a.options != b.options:
            details.append(f"options: {', '.join(a.options) or 'none'} -> {', '.join(b.options) or 'none'}")
        if a.materialized and a.populated != b.populated:
            details.append(f"with data: {str(a.populated).lower()} -> {str(b.populated).lower()}")
        if details:
            out.append(change(b.kind, name, "changed", "; ".join(details)))
        if a.comment != b.comment:
            out.append(change("comment", f"{b.kind} {name}", "changed"))
        if a.column_comments != b.column_comments:
            out.append(change("comment", f"{b.kind} {name} columns", "changed"))
    common = {n for n in set(a_views) & set(b_views) if a_views[n].materialized and b_views[n].materialized}
    a_ix = {k: v for k, v in source.indexes.items() if v[0] in common}
    b_ix = {k: v for k, v in target.indexes.items() if v[0] in common}
    for key in sorted(set(a_ix) | set(b_ix)):
        x, y = a_ix.get(key), b_ix.get(key)
        if x is None or y is None:
            out.append(change("index", key, "added" if x is None else "removed", (x or y)[1]))  # type: ignore[index]
        elif x[1] != y[1]:
            out.append(change("index", key, "changed", f"{x[1]} -> {y[1]}"))
    return out
