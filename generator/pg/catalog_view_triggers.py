"""INSTEAD OF triggers on views in the catalog snapshot (issue 17 item 3). Knows no spec.

``Snapshot.triggers`` already holds every trigger of the public schema, views' included
(``catalog_functions.TRIGGERS_QUERY``); what is specific to a view's triggers:

- they are compared like a table's when the view is on both sides (``common_views``);
- a view dropped and created again around a change (``catalog_views.plan``) loses them, so
  the view's own create statements re-create them (``create_sql``), and the trigger ops of
  ``diff`` and ``generate`` leave such a view's triggers to the view plan;
- PostgreSQL cannot enable or disable a trigger on a view: there is no state to set.
"""

from __future__ import annotations

import re
from typing import Any

from generator import qualnames


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def common_views(source: Any, target: Any) -> set[str]:
    """Plain views on both sides, whose triggers are compared one by one."""
    a, b = getattr(source, "views", {}), getattr(target, "views", {})
    return {n for n in set(a) & set(b) if not a[n].materialized and not b[n].materialized}


def trigger_keys(s: Any, view: str) -> list[tuple[str, str]]:
    return sorted(k for k in s.triggers if k[0] == view)


def create_trigger_sql(s: Any, key: tuple[str, str]) -> list[str]:
    """CREATE TRIGGER (the snapshot keeps the definition without its name) and its comment."""
    view, name = key
    out = [re.sub(r"^CREATE (CONSTRAINT )?TRIGGER ", lambda m: f"CREATE {m.group(1) or ''}TRIGGER {_quote(name)} ",
                  s.triggers[key], count=1)]
    comment = s.trigger_comments.get(key)
    if comment is not None:
        out.append(f"COMMENT ON TRIGGER {_quote(name)} ON {qualnames.sql(view)} IS "
                   + "'" + comment.replace("'", "''") + "'")
    return out


def create_sql(s: Any, view: str) -> list[str]:
    """The statements re-creating every trigger ``s`` has on ``view``."""
    return [sql for key in trigger_keys(s, view) for sql in create_trigger_sql(s, key)]


_TRIGGER_STATEMENT = re.compile(
    r'^\s*(create|drop)\s+(constraint\s+)?trigger\s+(if\s+exists\s+)?(?:"(?:[^"]|"")+"|\S+)\s+.*?\bon\s+'
    r'(?P<rel>(?:"(?:[^"]|"")+"|\w+)(?:\.(?:"(?:[^"]|"")+"|\w+))?)', re.IGNORECASE | re.DOTALL)


def trigger_relation(sql: str) -> str | None:
    """The relation a CREATE/DROP TRIGGER statement is on, as the snapshot names it (bare in
    public, ``schema.name`` elsewhere), else None."""
    m = _TRIGGER_STATEMENT.match(sql)
    if not m:
        return None
    parts = [a.replace('""', '"') if a else b for a, b in re.findall(r'"((?:[^"]|"")*)"|([^."]+)', m["rel"])]
    return parts[-1] if len(parts) < 2 or parts[-2] == "public" else f"{parts[-2]}.{parts[-1]}"
