"""Alembic operations for views and materialized views, and their placement in an upgrade
(issue 17 items 1 and 6), from the head and target catalog snapshots
(``generator.pg.catalog_views.plan``: the same plan ``diff``'s fix SQL follows).

One op, ``op.view_sql(name, upgrade_sql, downgrade_sql)``: the statements that drop, create
or alter one view, with those that undo them (its ``reverse()``). In an upgrade:

- first (before every other op): drop the head's views that the revision removes or changes,
  and those over a table, column or type it removes or changes (dependents first);
- last (after the table ops, before the drops of types and extensions): create the target's
  views that are new or were dropped (each after the views it reads), then comments and
  indexes of views that stay.

The SQL is the catalog's: ``pg_get_viewdef`` of the proof database, never spec text pasted.
Importing this module registers the op (``generator.migrate.autogen`` imports it).
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations

from generator.migrate.ops import _call, _execute, _Op
from generator.pg.catalog import Snapshot, compare
from generator.pg.catalog_views import create_sql, drop_sql, plan


@Operations.register_operation("view_sql")
class ViewSqlOp(_Op):
    def __init__(self, name: str, upgrade: list[str], downgrade: list[str], what: str = "view") -> None:
        self.name, self.upgrade, self.downgrade, self.what = name, list(upgrade), list(downgrade), what

    @classmethod
    def view_sql(cls, operations: Operations, name: str, upgrade: list[str], downgrade: list[str],
                 what: str = "view") -> Any:
        return operations.invoke(cls(name, upgrade, downgrade, what))

    def reverse(self) -> ViewSqlOp:
        return ViewSqlOp(self.name, self.downgrade, self.upgrade, self.what)

    def summary(self) -> str:
        return f"{self.what} {self.name}"


@Operations.implementation_for(ViewSqlOp)
def _view_sql(operations: Operations, op: ViewSqlOp) -> None:
    for sql in op.upgrade:
        _execute(operations, sql)


@renderers.dispatch_for(ViewSqlOp)
def _r_view_sql(ctx: Any, op: ViewSqlOp) -> str:
    return _call("view_sql", op.name, op.upgrade, op.downgrade, what=op.what)


def view_fixups(work: Snapshot, target: Snapshot) -> tuple[list[ViewSqlOp], list[ViewSqlOp]]:
    """(ops to run first, ops to run last)."""
    if not work.views and not target.views:
        return [], []
    p = plan(compare(work, target), work, target)
    first = [ViewSqlOp(n, [drop_sql(n, work.views[n])], create_sql(n, work.views[n], work.indexes, work),
                       f"drop {work.views[n].kind}") for n in p.drop]
    last = [ViewSqlOp(n, create_sql(n, target.views[n], target.indexes, target), [drop_sql(n, target.views[n])],
                      f"create {target.views[n].kind}") for n in p.create]
    for n, sqls in p.in_place.items():
        back = plan(compare(target, work), target, work).in_place.get(n, [])
        last.append(ViewSqlOp(n, sqls, back, f"alter {target.views[n].kind}"))
    return first, last
