"""INSTEAD OF triggers on plain views (issue 17 item 3): ``triggers:`` under a view, the
table trigger form (generator.spec.functions builds them into ``Spec.triggers`` by relation
name, with paths under ``views:``). The rules PostgreSQL applies at CREATE TRIGGER time on a
view, each reported at its FILE:LINE:COL: timing ``instead of``, row level, events insert,
update, delete (no ``columns:``, no ``when``, no transition tables, no constraint trigger, no
``enabled:`` state: PostgreSQL cannot disable a trigger on a view).
Pure.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from generator.spec.functions import TriggerSpec

if TYPE_CHECKING:
    from generator.errors import Problem
    from generator.spec.source import Source


def is_view_trigger(spec: Any, trig: TriggerSpec) -> bool:
    return bool(trig.path) and trig.path[0] == "views"


def view_trigger_problems(spec: Any, trig: TriggerSpec, source: Source) -> Iterator[Problem]:
    """What PostgreSQL would refuse about ``trig`` on its view (the function checks are the
    table triggers')."""
    where = f"trigger {trig.table}.{trig.name}"
    view = spec.views.get(trig.table)
    if view is not None and view.materialized:
        return  # check_views: triggers are for plain views only
    if trig.timing != "instead of":
        yield source.problem(trig.path + ("timing",), f"{where}: a trigger on a view is timing: instead of "
                             "(before/after triggers on a view fire only at statement level; not supported)")
    if trig.level != "row":
        yield source.problem(trig.path + ("level",), f"{where}: an INSTEAD OF trigger is level: row")
    if "truncate" in trig.events:
        yield source.problem(trig.path + ("events",), f"{where}: a view has no truncate event; use insert, update, delete")
    if trig.columns:
        yield source.problem(trig.path + ("columns",), f"{where}: an INSTEAD OF trigger cannot name columns: (UPDATE OF)")
    if trig.when is not None:
        yield source.problem(trig.path + ("when",), f"{where}: an INSTEAD OF trigger cannot have a when: condition")
    if trig.old_table or trig.new_table:
        yield source.problem(trig.path + ("referencing",), f"{where}: an INSTEAD OF trigger cannot have transition tables")
    if trig.constraint:
        yield source.problem(trig.path + ("constraint",), f"{where}: a constraint trigger cannot be on a view")
    if not trig.events:
        yield source.problem(trig.path + ("events",), f"{where}: events: needs at least one of insert, update, delete")
    if trig.enabled != "origin":
        yield source.problem(trig.path + ("enabled",), f"{where}: PostgreSQL cannot enable or disable a trigger on a view "
                             "(ALTER TABLE ... DISABLE TRIGGER is not supported for views); remove enabled:")
