"""Revisions for row-level security, policies, grants and default privileges (issue 17 item
4), from the head and target catalog snapshots: the same statements ``diff``'s fix SQL writes
(``generator.drift.fix_access.access_statements``), as two ``DDLOp`` (SQL and the SQL that
undoes it, so the downgrade is exact):

- first in the upgrade: DROP POLICY for the policies it removes or changes (undone, last in
  the downgrade, by the statements that give the head's rules back);
- last in the upgrade, once every table, view and function exists: RLS flags, CREATE POLICY
  and COMMENT ON POLICY, REVOKE/GRANT, ALTER DEFAULT PRIVILEGES (undone, first in the
  downgrade, by dropping the policies the upgrade made).

A view the revision drops and creates again (``generator.migrate.view_ops``) starts from no
grants, so its grants are written whole.
"""

from __future__ import annotations

from typing import Any

from generator.migrate.index_form_ops import DDLOp
from generator.pg import function_replace
from generator.pg.catalog import Snapshot, compare
from generator.pg.catalog_views import plan


def _recreated_views(source: Snapshot, target: Snapshot) -> set[tuple[str, str]]:
    """Views and functions the revision drops and creates again (their grants are lost)."""
    changes = compare(source, target)
    return ({("view", name) for name in plan(changes, source, target).drop if name in target.views}
            | {("function", key.split("(", 1)[0]) for key in function_replace.rebuilt(changes, source, target)})


def access_fixups(work: Snapshot, target: Snapshot) -> tuple[list[Any], list[Any]]:
    """(ops to run first, ops to run last) of the upgrade."""
    from generator.drift.fix_access import (
        access_statements,  # not at import: the head's build never needs it
    )
    from generator.drift.fix_schemas import known_schemas  # names split at the snapshots' schemas

    with known_schemas(work, target):
        up_first, up_last = access_statements(work, target, _recreated_views(work, target))
        down_first, down_last = access_statements(target, work, _recreated_views(target, work))
    first = [DDLOp(up_first, down_last, "drop changed or removed policies", "give back row-level security, policies and grants")] \
        if up_first or down_last else []
    last = [DDLOp(up_last, down_first, "row-level security, policies and grants", "drop the policies this revision made")] \
        if up_last or down_first else []
    return first, last
