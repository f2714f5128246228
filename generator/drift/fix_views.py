"""The fixing SQL for views and materialized views (issue 17 items 1 and 6). Pure.

migra 3.0 creates and drops views, but it writes ``create or replace view`` without the
view's options (check_option, security_barrier, security_invoker), never WITH NO DATA,
no comments on views or their columns, and it alters a column under a view in place, which
PostgreSQL refuses ("cannot alter type of a column used by a view or rule"). So every
statement of migra's about a view (and a materialized view's indexes) is replaced here:

- before everything else, the live views that must go are dropped, dependents first (the
  live database's pg_depend, ``ViewState.reads``): views the spec removes or changes (other
  than only their comments or indexes), views over a table or column that is removed or whose
  column changes type, and, transitively, every view that reads a dropped view;
- after everything else, the spec's views that are missing or were dropped are created from
  the spec's database (``pg_get_viewdef``, options, WITH [NO] DATA, comments, indexes), each
  after the views it reads (the proof database's pg_depend);
- a view that only changed its comments or its indexes keeps its place: COMMENT ON, DROP/
  CREATE INDEX.
"""

from __future__ import annotations

import re

from generator.drift.report import Statement
from generator.pg.catalog import Change, Snapshot
from generator.pg.catalog_views import ViewState
from generator.spec import naming
from generator.spec.types import quote_literal

SCHEMA = "public"
VIEW_KINDS = ("view", "materialized view")
_MIGRA_VIEW = re.compile(
    r"^\s*(create\s+(or\s+replace\s+)?(materialized\s+)?view|drop\s+(materialized\s+)?view|"
    r"alter\s+(materialized\s+)?view|refresh\s+materialized\s+view|comment\s+on\s+(materialized\s+)?view)\b",
    re.IGNORECASE)
_INDEX_ON = re.compile(r'^\s*create\s+(unique\s+)?index\s+.*?\s+on\s+(only\s+)?(?P<rel>(?:"[^"]+"|\w+)\.(?:"(?:[^"]|"")+"|\w+)|'
                       r'"(?:[^"]|"")+"|\w+)', re.IGNORECASE | re.DOTALL)
_DROP_INDEX = re.compile(r'^\s*drop\s+index\s+(if\s+exists\s+)?(?P<name>\S+)', re.IGNORECASE)


def _q(name: str) -> str:
    return f"{naming.quote_ident(SCHEMA)}.{naming.quote_ident(name)}"


def _bare(text: str) -> str:
    parts = re.findall(r'"((?:[^"]|"")*)"|([^."]+)', text)
    return [a.replace('""', '"') if a else b for a, b in parts][-1]


def _keyword(v: ViewState) -> str:
    return "MATERIALIZED VIEW" if v.materialized else "VIEW"


def _order(views: dict[str, ViewState]) -> list[str]:
    """Names of ``views``, each after the views it reads (by name otherwise)."""
    done: list[str] = []
    seen: set[str] = set()

    def visit(name: str, path: frozenset[str]) -> None:
        if name in seen or name in path:
            return
        for read in sorted(views[name].reads):
            dep = read.split(".", 1)[0]
            if dep in views and dep != name:
                visit(dep, path | {name})
        seen.add(name)
        done.append(name)

    for name in sorted(views):
        visit(name, frozenset())
    return done


def create_sql(name: str, v: ViewState, indexes: dict[str, tuple[str, str]]) -> list[str]:
    body = v.definition
    if v.materialized:
        out = [f"CREATE MATERIALIZED VIEW {_q(name)} AS\n{body}\nWITH {'DATA' if v.populated else 'NO DATA'}"]
    else:
        options = ", ".join(f"{k} = {quote_literal(val)}" for k, _, val in (o.partition("=") for o in v.options))
        out = [f"CREATE VIEW {_q(name)}{f' WITH ({options})' if options else ''} AS\n{body}"]
    out += comment_sql(name, v)
    for index, (table, definition) in sorted(indexes.items()):
        if table == name:
            out.append(create_index(index, definition))
    return out


def comment_sql(name: str, v: ViewState, old: ViewState | None = None) -> list[str]:
    out = []
    if old is None or old.comment != v.comment:
        if v.comment is not None or old is not None:
            out.append(f"COMMENT ON {_keyword(v)} {_q(name)} IS {_literal(v.comment)}")
    new_cols = dict(v.column_comments)
    old_cols = dict(old.column_comments) if old else {}
    for column in sorted(set(new_cols) | set(old_cols)):
        if new_cols.get(column) != old_cols.get(column):
            out.append(f"COMMENT ON COLUMN {_q(name)}.{naming.quote_ident(column)} IS {_literal(new_cols.get(column))}")
    return out


def _literal(text: str | None) -> str:
    return "NULL" if text is None else quote_literal(text)


def create_index(name: str, definition: str) -> str:
    return re.sub(r"^CREATE (UNIQUE )?INDEX ON ",
                  lambda m: f"CREATE {m.group(1) or ''}INDEX {naming.quote_ident(name)} ON ", definition, count=1)


def _about_views(sql: str, views: set[str], indexes: set[str]) -> bool:
    """A statement on a view, or on an index of a materialized view."""
    if _MIGRA_VIEW.match(sql):
        return True
    m = _INDEX_ON.match(sql)
    if m and _bare(m["rel"]) in views:
        return True
    d = _DROP_INDEX.match(sql)
    return bool(d and _bare(d["name"]) in indexes)


def fix_views(out: list[Statement], changes: list[Change], live: Snapshot, spec: Snapshot
              ) -> tuple[list[Statement], list[Change], list[Statement], list[Statement]]:
    """(migra's statements without those about views, the changes left for the other fixers,
    the drops to run first, the creates to run last)."""
    lv: dict[str, ViewState] = getattr(live, "views", {})
    sv: dict[str, ViewState] = getattr(spec, "views", {})
    if not lv and not sv:
        return out, changes, [], []
    matview_indexes = {i for i, (t, _d) in live.indexes.items() if t in lv} | {
        i for i, (t, _d) in spec.indexes.items() if t in sv}
    kept = [s for s in out if not _about_views(s.sql, set(lv) | set(sv), matview_indexes)]
    drop: set[str] = set()
    for change in changes:
        if change.kind in VIEW_KINDS or (change.kind == "view" and change.action == "changed"):
            if change.name in lv:
                drop.add(change.name)
    broken_tables = {c.name for c in changes if c.kind == "table" and c.action == "removed"}
    broken_columns = {c.name for c in changes if c.kind == "column" and (
        c.action == "removed" or (c.action == "changed" and "type:" in c.detail))}
    changed_enums = {c.name for c in changes if c.kind in ("enum", "domain", "type") and c.action != "added"}
    for name, v in lv.items():
        for read in v.reads:
            if read in broken_tables or read in broken_columns or read.split(".", 1)[0] in broken_tables:
                drop.add(name)
        if changed_enums and any(e in v.definition for e in changed_enums):
            drop.add(name)
    grew = True
    while grew:  # every view that reads a dropped view
        grew = False
        for name, v in lv.items():
            if name not in drop and any(r.split(".", 1)[0] in drop for r in v.reads):
                drop.add(name)
                grew = True
    drops = [Statement(f"DROP {_keyword(lv[n])} {_q(n)}", n not in sv, "schemactl",
                       "views are dropped before the change and created again after it" if n in sv else "")
             for n in reversed(_order(lv)) if n in drop]
    creates: list[Statement] = []
    for name in _order(sv):
        if name in lv and name not in drop:
            continue
        creates += [Statement(sql, False, "schemactl", "migra writes no view options, comments or WITH NO DATA")
                    for sql in create_sql(name, sv[name], spec.indexes)]
    for name in sorted(set(lv) & set(sv) - drop):  # comments and indexes of views that stay
        sqls = comment_sql(name, sv[name], lv[name])
        for index in sorted(set(live.indexes) | set(spec.indexes)):
            a, b = live.indexes.get(index), spec.indexes.get(index)
            if (a and a[0] == name) or (b and b[0] == name):
                if a is not None and a != b:
                    sqls.append(f"DROP INDEX {_q(index)}")
                if b is not None and a != b:
                    sqls.append(create_index(index, b[1]))
        creates += [Statement(sql, sql.startswith("DROP"), "schemactl", "") for sql in sqls]
    rest = [c for c in changes if not (
        c.kind in VIEW_KINDS
        or (c.kind == "comment" and c.name.startswith(("view ", "materialized view ")))
        or (c.kind == "index" and c.name in matview_indexes))]
    return kept, rest, drops, creates
