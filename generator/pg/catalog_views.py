"""Views and materialized views in the catalog snapshot (generator.pg.catalog), and their
comparison: the query as PostgreSQL prints it (``pg_get_viewdef``), the options
(``reloptions``: check_option, security_barrier, security_invoker), whether a materialized
view is populated (WITH [NO] DATA), comments on the view and its columns, and the indexes of
materialized views (which ``catalog.compare`` leaves out: they are not on a table).

``ViewState.reads`` is pg_depend through the view's rewrite rule: the relations and columns it
reads, for ordering drops and creates by the database's own graph (issue 17 item 6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from generator import qualnames
from generator.pg import function_replace
from generator.pg.catalog_schemas import MANAGED, qualified

QUERY = f"""
    SELECT {qualified('c.relname')}, c.relkind, pg_get_viewdef(c.oid), obj_description(c.oid, 'pg_class'),
           coalesce(c.reloptions, '{{}}'), c.relispopulated,
           coalesce((SELECT array_agg(a.attname || '=' || col_description(c.oid, a.attnum) ORDER BY a.attnum)
                     FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                       AND col_description(c.oid, a.attnum) IS NOT NULL), '{{}}'),
           coalesce((SELECT array_agg(DISTINCT CASE WHEN tn.nspname = 'public' THEN t.relname
                                                    ELSE tn.nspname || '.' || t.relname END
                                      || coalesce('.' || a.attname, ''))
                     FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                       AND d.refclassid = 'pg_class'::regclass
                     JOIN pg_class t ON t.oid = d.refobjid AND t.oid <> c.oid
                     JOIN pg_namespace tn ON tn.oid = t.relnamespace
                     LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
                     WHERE r.ev_class = c.oid AND tn.nspname !~ '^pg_' AND tn.nspname <> 'information_schema'), '{{}}')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype = 'e'
    WHERE {MANAGED} AND c.relkind IN ('v', 'm') AND d.objid IS NULL"""

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


# ---------------------------------------------------------------- SQL from snapshot values
# (shared by the fix SQL of ``diff``, generator.drift.fix_views, and the revision ops,
# generator.migrate.view_ops)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualified_sql(name: str) -> str:
    """The view (or index) as SQL with its schema: ``"public"."v"``, ``"billing"."v"``."""
    return qualnames.sql(name)


def literal(text: str | None) -> str:
    if text is None:
        return "NULL"
    body = "'" + text.replace("'", "''") + "'"
    return "E" + body.replace("\\", "\\\\") if "\\" in text else body


def keyword(v: ViewState) -> str:
    return "MATERIALIZED VIEW" if v.materialized else "VIEW"


def order(views: dict[str, ViewState]) -> list[str]:
    """Names of ``views``, each after the views it reads (pg_depend), by name otherwise."""
    done: list[str] = []
    seen: set[str] = set()

    def visit(name: str, path: frozenset[str]) -> None:
        if name in seen or name in path:
            return
        for dep in sorted(views):
            if dep != name and reads_relation(views[name].reads, {dep}):
                visit(dep, path | {name})
        seen.add(name)
        done.append(name)

    for name in sorted(views):
        visit(name, frozenset())
    return done


def reads_relation(reads: frozenset[str], relations: set[str]) -> bool:
    """Whether ``reads`` (``relation`` and ``relation.column`` entries) names one of
    ``relations`` (``billing.invoices`` holds a dot itself: never split at a dot)."""
    return any(r in relations or any(r.startswith(rel + ".") for rel in relations) for r in reads)


def create_index(name: str, definition: str) -> str:
    """The index named as the snapshot keys it (``billing.ix_t_a``: created in its table's schema)."""
    name = qualnames.bare(name)
    return re.sub(r"^CREATE (UNIQUE )?INDEX ON ", lambda m: f"CREATE {m.group(1) or ''}INDEX {quote(name)} ON ",
                  definition, count=1)


def comment_sql(name: str, v: ViewState, old: ViewState | None = None) -> list[str]:
    out = []
    if (old is None and v.comment is not None) or (old is not None and old.comment != v.comment):
        out.append(f"COMMENT ON {keyword(v)} {qualified_sql(name)} IS {literal(v.comment)}")
    new_cols, old_cols = dict(v.column_comments), dict(old.column_comments) if old else {}
    for column in sorted(set(new_cols) | set(old_cols)):
        if new_cols.get(column) != old_cols.get(column):
            out.append(f"COMMENT ON COLUMN {qualified_sql(name)}.{quote(column)} IS {literal(new_cols.get(column))}")
    return out


def create_sql(name: str, v: ViewState, indexes: dict[str, tuple[str, str]], snapshot: Any = None) -> list[str]:
    """CREATE, comments and indexes of one view as the snapshot has it; with ``snapshot``,
    the view's INSTEAD OF triggers too (generator.pg.catalog_view_triggers)."""
    if v.materialized:
        out = [f"CREATE MATERIALIZED VIEW {qualified_sql(name)} AS\n{v.definition}\nWITH {'DATA' if v.populated else 'NO DATA'}"]
    else:
        options = ", ".join(f"{k} = {literal(val)}" for k, _, val in (o.partition("=") for o in v.options))
        out = [f"CREATE VIEW {qualified_sql(name)}{f' WITH ({options})' if options else ''} AS\n{v.definition}"]
    out += comment_sql(name, v)
    out += [create_index(i, d) for i, (t, d) in sorted(indexes.items()) if t == name]
    if snapshot is not None and not v.materialized:
        from generator.pg.catalog_view_triggers import create_sql as trigger_sql

        out += trigger_sql(snapshot, name)
    return out


def drop_sql(name: str, v: ViewState) -> str:
    return f"DROP {keyword(v)} {qualified_sql(name)}"


@dataclass
class ViewPlan:
    """What turns ``live``'s views into ``spec``'s around the other changes."""

    drop: list[str]  # live views to drop first, dependents first
    create: list[str]  # spec views to create last, in read order
    in_place: dict[str, list[str]]  # view -> comment/index statements for views that stay


def plan(changes: list[Any], live: Any, spec: Any) -> ViewPlan:
    """Which views are dropped and created around ``changes`` (catalog.compare's)."""
    lv: dict[str, ViewState] = getattr(live, "views", {})
    sv: dict[str, ViewState] = getattr(spec, "views", {})
    drop: set[str] = set()
    for change in changes:
        if change.kind in ("view", "materialized view") and change.name in lv and change.action != "added":
            drop.add(change.name)
    broken_tables = {c.name for c in changes if c.kind == "table" and c.action == "removed"}
    broken_columns = {c.name for c in changes if c.kind == "column" and (
        c.action == "removed" or (c.action == "changed" and "type:" in c.detail))}
    changed_types = {c.name.split(" ")[-1] for c in changes if c.kind in ("enum", "domain", "type") and c.action != "added"}
    rebuilt_functions = function_replace.rebuilt(changes, live, spec) if hasattr(live, "functions") else []
    for name, v in lv.items():
        if any(r in broken_columns for r in v.reads) or reads_relation(v.reads, broken_tables):
            drop.add(name)
        if rebuilt_functions and function_replace.calls(v.definition, rebuilt_functions):
            drop.add(name)  # a function it calls is dropped and re-created (generator.pg.function_replace)
        if any(re.search(rf"\b{re.escape(t)}\b", v.definition) for t in changed_types):
            drop.add(name)
    grew = True
    while grew:  # and every view that reads a dropped view
        grew = False
        for name, v in lv.items():
            if name not in drop and reads_relation(v.reads, drop):
                drop.add(name)
                grew = True
    in_place: dict[str, list[str]] = {}
    for name in sorted(set(lv) & set(sv) - drop):
        sqls = comment_sql(name, sv[name], lv[name])
        for index in sorted(set(live.indexes) | set(spec.indexes)):
            a, b = live.indexes.get(index), spec.indexes.get(index)
            if ((a and a[0] == name) or (b and b[0] == name)) and a != b:
                if a is not None:
                    sqls.append(f"DROP INDEX {qualified_sql(index)}")
                if b is not None:
                    sqls.append(create_index(index, b[1]))
        if sqls:
            in_place[name] = sqls
    return ViewPlan([n for n in reversed(order(lv)) if n in drop],
                    [n for n in order(sv) if n not in lv or n in drop], in_place)
