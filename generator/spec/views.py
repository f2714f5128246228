"""Views and materialized views (top-level ``views:``; issue 17 item 1).

A view is a name, a query (``sql:``: exactly one SELECT, VALUES or WITH ... SELECT, parsed
with PostgreSQL's parser, see ``generator.spec.view_sql``), a comment, optional column
comments, and its options: ``check_option`` (local | cascaded), ``security_barrier`` and
``security_invoker`` on plain views; ``materialized: true`` with ``with_data`` (default
true) and ``indexes:`` (the table index form) on materialized ones. ``triggers:`` on a plain
view are INSTEAD OF triggers in the table trigger form: ``Spec.triggers`` holds them by the
view's name (generator.spec.functions), ``generator.spec.view_triggers`` checks them.

Views are created after the tables, in an order where a view comes after the views its query
reads (``creation_order``: the spec's order, each view moved after the views it names).
Pure: no SQLAlchemy, no database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator.spec import naming
from generator.spec.source import Path

if TYPE_CHECKING:
    from generator.errors import Problem
    from generator.spec.source import Source

CHECK_OPTIONS = ("local", "cascaded")
PLAIN_ONLY = ("check_option", "security_barrier", "security_invoker", "triggers")
MATERIALIZED_ONLY = ("with_data", "indexes")
# INSTEAD OF triggers on plain views are built (generator.spec.view_triggers; Spec.triggers)
TRIGGERS_BUILT = True


@dataclass(frozen=True)
class ViewSpec:
    name: str
    sql: str
    materialized: bool = False
    comment: str | None = None
    column_comments: tuple[tuple[str, str], ...] = ()
    check_option: str | None = None
    security_barrier: bool = False
    security_invoker: bool = False
    with_data: bool = True
    indexes: tuple[Any, ...] = ()  # generator.spec.model.IndexSpec (the table index form)
    triggers: tuple[Any, ...] = field(default=(), compare=False)  # helper `functions` builds these
    path: Path = ()

    @property
    def kind(self) -> str:
        return "materialized view" if self.materialized else "view"


def build_views(data: Any, build_index: Callable[..., Any]) -> dict[str, ViewSpec]:
    """``views:`` of a spec's data (malformed entries are the JSON Schema's to report);
    ``build_index(view, position, body, path)`` is the model's table index builder."""
    body = data.get("views") if isinstance(data, dict) else None
    if not isinstance(body, dict):
        return {}
    out: dict[str, ViewSpec] = {}
    for name, v in body.items():
        if not isinstance(v, dict) or not isinstance(v.get("sql"), str):
            continue
        path: Path = ("views", name)
        cols = v.get("columns") or {}
        comments = tuple(
            (c, b["comment"]) for c, b in cols.items() if isinstance(b, dict) and isinstance(b.get("comment"), str)
        ) if isinstance(cols, dict) else ()
        indexes = tuple(
            build_index(name, i, ix, path + ("indexes", i))
            for i, ix in enumerate(v.get("indexes") or ())
            if isinstance(ix, dict) and isinstance(ix.get("columns"), list)
        )
        out[name] = ViewSpec(
            name=name,
            sql=v["sql"],
            materialized=v.get("materialized") is True,
            comment=v.get("comment"),
            column_comments=comments,
            check_option=v.get("check_option"),
            security_barrier=v.get("security_barrier") is True,
            security_invoker=v.get("security_invoker") is True,
            with_data=v.get("with_data", True) is not False,
            indexes=indexes,
            triggers=tuple(v.get("triggers") or ()),
            path=path,
        )
    return out


def creation_order(views: dict[str, ViewSpec]) -> list[ViewSpec]:
    """The views, each after the views its query reads (the spec's order otherwise); a cycle
    (refused by ``check_views``) keeps the spec's order."""
    from generator.spec.view_sql import relations_read

    done: list[ViewSpec] = []
    seen: set[str] = set()
    visiting: set[str] = set()

    def visit(v: ViewSpec) -> None:
        if v.name in seen or v.name in visiting:
            return
        visiting.add(v.name)
        for dep in sorted(relations_read(v.sql) & set(views)):
            if dep != v.name:
                visit(views[dep])
        visiting.discard(v.name)
        seen.add(v.name)
        done.append(v)

    for v in views.values():
        visit(v)
    return done


def _cycle(views: dict[str, ViewSpec]) -> list[str] | None:
    from generator.spec.view_sql import relations_read

    deps = {n: (relations_read(v.sql) & set(views)) for n, v in views.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for d in sorted(deps[n]):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state:
                found = visit(d)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in views:
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def check_views(spec: Any, source: Source) -> Iterator[Problem]:
    """Names, the query (one SELECT), and which options go with which kind of view."""
    from generator.spec.view_sql import ViewSqlProblem, check_view_sql

    relations = set(spec.tables) | set(getattr(spec, "sequences", {})) | set(getattr(spec, "types", {}))
    relations |= set(spec.enums) | set(getattr(spec, "domains", {}))
    for table in spec.tables.values():
        relations.add(table.primary_key_name)
        relations.update(ix.name for ix in table.indexes)
    bad_sql = False
    for v in spec.views.values():
        where = f"{v.kind} {v.name}"
        if naming.too_long(v.name):
            yield source.problem(v.path, f"{where}: name is over 63 bytes", key=True)
        if v.name in relations:
            yield source.problem(v.path, f"{where}: the name is already used by a table, type, sequence or index; "
                                 "rename the view", key=True)
        try:
            check_view_sql(v.sql)
        except ViewSqlProblem as exc:
            bad_sql = True
            yield source.problem(v.path + ("sql",), f"{where}: {exc}")
        raw = (spec.raw.get("views") or {}).get(v.path[1] if len(v.path) > 1 else v.name) or {}  # the key as written
        for key in (MATERIALIZED_ONLY if not v.materialized else PLAIN_ONLY):
            if key in raw:
                other = "materialized views" if not v.materialized else "plain views (not materialized)"
                yield source.problem(v.path + (key,), f"{where}: {key} is only for {other}", key=True)
        if v.triggers and not TRIGGERS_BUILT:
            yield source.problem(v.path + ("triggers",), f"{where}: INSTEAD OF triggers on views are not built yet; "
                                 "remove triggers: (or create them in a reviewed revision)")
        for ix in v.indexes:
            if ix.name in relations or ix.name in spec.views:
                yield source.problem(ix.path, f"{where}: index name {ix.name!r} is already used by another relation")
            relations.add(ix.name)
    yield from index_fragment_problems(spec, source)
    if not bad_sql:
        cycle = _cycle(spec.views)
        if cycle:
            first = spec.views[cycle[0]]
            yield source.problem(first.path + ("sql",), "views read each other in a cycle: " + " -> ".join(cycle))


def index_fragment_problems(spec: Any, source: Source) -> Iterator[Problem]:
    """A materialized view index's WHERE and expressions follow the fragment rule (1/8)."""
    from generator.spec.sql_fragments import FragmentProblem, check_fragment

    for v in spec.views.values():
        for ix in v.indexes:
            items: list[tuple[str, Any, tuple]] = [("where", ix.where, ("where",))] if ix.where else []
            items += [("index_expression", c.expression, ("columns", i)) for i, c in enumerate(ix.columns)
                      if c.expression is not None]
            for kind, text, sub in items:
                try:
                    check_fragment(text, kind)
                except FragmentProblem as exc:
                    yield source.problem(ix.path + sub, f"{v.kind} {v.name}: {exc}")
