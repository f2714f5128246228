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
from generator.pg.catalog_view_triggers import trigger_relation
from generator.pg.catalog_views import ViewState, create_sql, drop_sql, plan

VIEW_KINDS = ("view", "materialized view")
_MIGRA_VIEW = re.compile(
    r"^\s*(create\s+(or\s+replace\s+)?(materialized\s+)?view|drop\s+(materialized\s+)?view|"
    r"alter\s+(materialized\s+)?view|refresh\s+materialized\s+view|comment\s+on\s+(materialized\s+)?view)\b",
    re.IGNORECASE)
_INDEX_ON = re.compile(r'^\s*create\s+(unique\s+)?index\s+.*?\s+on\s+(only\s+)?(?P<rel>(?:"[^"]+"|\w+)\.(?:"(?:[^"]|"")+"|\w+)|'
                       r'"(?:[^"]|"")+"|\w+)', re.IGNORECASE | re.DOTALL)
_DROP_INDEX = re.compile(r'^\s*drop\s+index\s+(if\s+exists\s+)?(?P<name>\S+)', re.IGNORECASE)


def _bare(text: str) -> str:
    """The snapshot's name of a relation or index SQL names: bare in public, else
    ``schema.name`` (``billing.totals``)."""
    parts = [a.replace('""', '"') if a else b for a, b in re.findall(r'"((?:[^"]|"")*)"|([^."]+)', text)]
    return parts[-1] if len(parts) < 2 or parts[-2] == "public" else f"{parts[-2]}.{parts[-1]}"


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
    p = plan(changes, live, spec)
    planned = set(p.drop) | set(p.create)  # their INSTEAD OF triggers go with them (catalog_view_triggers)
    kept = [s for s in out if not _about_views(s.sql, set(lv) | set(sv), matview_indexes)
            and trigger_relation(s.sql) not in planned and not _same_view_trigger(s.sql, live, spec)]
    note = "views are dropped before the change and created again after it"
    drops = [Statement(drop_sql(n, lv[n]), n not in sv, "schemactl", note if n in sv else "") for n in p.drop]
    creates = [Statement(sql, False, "schemactl", "migra writes no view options, comments or WITH NO DATA")
               for n in p.create for sql in create_sql(n, sv[n], spec.indexes, spec)]
    creates += [Statement(sql, sql.startswith("DROP"), "schemactl", "") for sqls in p.in_place.values() for sql in sqls]
    rest = [c for c in changes if not (
        c.kind in VIEW_KINDS
        or (c.kind == "comment" and c.name.startswith(("view ", "materialized view ")))
        or (c.kind == "index" and c.name in matview_indexes)
        or (c.kind in ("trigger", "comment") and _trigger_of(c, live, spec) in planned))]
    return kept, rest, drops, creates


def _same_view_trigger(sql: str, live: Snapshot, spec: Snapshot) -> bool:
    """migra's DROP/CREATE TRIGGER on a view whose trigger both sides hold alike (migra redoes
    a view's triggers when a table the view reads changes, even when the view stays)."""
    view = trigger_relation(sql)
    if view is None or view not in getattr(live, "views", {}) or view not in getattr(spec, "views", {}):
        return False
    m = re.match(r'^\s*(?:create|drop)\s+(?:constraint\s+)?trigger\s+(?:if\s+exists\s+)?("(?:[^"]|"")+"|\S+)', sql, re.IGNORECASE)
    if not m:
        return False
    name = m.group(1)[1:-1].replace('""', '"') if m.group(1).startswith('"') else m.group(1)
    key = (view, name)
    return key in live.triggers and live.triggers.get(key) == spec.triggers.get(key) and (
        live.trigger_comments.get(key) == spec.trigger_comments.get(key))


def _trigger_of(change: Change, live: Snapshot, spec: Snapshot) -> str | None:
    """The relation of a trigger change (``trigger v.t``, ``comment`` on ``trigger v.t``)."""
    label = change.name[len("trigger "):] if change.kind == "comment" else change.name
    if change.kind == "comment" and not change.name.startswith("trigger "):
        return None
    for table, name in set(live.triggers) | set(spec.triggers):
        if f"{table}.{name}" == label:
            return table
    return None
