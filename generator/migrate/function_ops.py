"""Alembic operations for functions, procedures, aggregates and triggers, and the comparator
that emits them from the head and target catalog snapshots (generator.pg.catalog_functions).

The snapshots hold statements PostgreSQL printed: ``pg_get_functiondef`` (``CREATE OR
REPLACE FUNCTION public.f(...) ...``), the CREATE AGGREGATE its attributes make, and
``pg_get_triggerdef``. An op carries the SQL of its upgrade and of its downgrade, so
``reverse()`` swaps them and the revision file shows exactly what runs.

Placement (``generator.migrate.autogen``): trigger drops first (before the table ops),
function creates and changes after the table ops (a ``setof <table>`` or a language sql body
needs the table), then trigger creates, enabled states and comments; function drops last.
The hash-chain guard is left to its own ops; the append-only guard is ordinary here
(generator.spec.append_only), except that renaming its table moves it in one op
(``move_append_only_guard``, generator.migrate.renames) before this comparator runs.
"""

from __future__ import annotations

import re
from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations

from generator.migrate.ops import _call, _execute, _lit, _Op, _q
from generator.pg import function_replace
from generator.pg.catalog import Snapshot, compare
from generator.pg.catalog_functions import routine, split_key
from generator.pg.catalog_view_triggers import common_views
from generator.pg.catalog_views import plan
from generator.spec import naming

_STATE = {"origin": "ENABLE", "always": "ENABLE ALWAYS", "replica": "ENABLE REPLICA", "disabled": "DISABLE"}


@Operations.register_operation("routine_sql")
class RoutineSqlOp(_Op):
    """A function or trigger change: the statements of the upgrade and of the downgrade."""

    def __init__(self, what: str, up: list[str], down: list[str]) -> None:
        self.what, self.up, self.down = what, list(up), list(down)

    @classmethod
    def routine_sql(cls, operations: Operations, what: str, up: list[str], down: list[str]) -> Any:
        return operations.invoke(cls(what, up, down))

    def reverse(self) -> RoutineSqlOp:
        return RoutineSqlOp(self.what, self.down, self.up)

    def summary(self) -> str:
        return self.what


@Operations.implementation_for(RoutineSqlOp)
def _routine_sql(operations: Operations, op: RoutineSqlOp) -> None:
    for sql in op.up:
        _execute(operations, sql)


@renderers.dispatch_for(RoutineSqlOp)
def _r_routine_sql(ctx: Any, op: RoutineSqlOp) -> str:
    return _call("routine_sql", op.what, op.up, op.down)


def _guards(*snapshots: Snapshot) -> set[str]:
    """The hash-chain guards' names (their own ops); the append-only guard is an ordinary
    function and two triggers of the spec (generator.spec.append_only) and is not left out."""
    return {naming.chain_guard(t) for s in snapshots for t in s.tables}


def _cloned(s: Snapshot, key: tuple[str, str]) -> bool:
    """Whether trigger ``key`` is on a partition whose parent has it too: PostgreSQL clones a
    partitioned table's row triggers onto its partitions, they come and go with the parent's."""
    parent = s.partitions.get(key[0])
    return key in s.triggers and parent is not None and (parent[0], key[1]) in s.triggers


def _kind(definition: str) -> str:
    return "AGGREGATE" if definition.startswith("CREATE AGGREGATE ") else "ROUTINE"


def _function_create(s: Snapshot, key: str) -> list[str]:
    out = [s.functions[key]]
    if s.function_comments.get(key) is not None:
        out.append(f"COMMENT ON {_kind(s.functions[key])} {routine(key)} IS {_lit(s.function_comments[key] or '')}")
    return out


def _trigger_create(s: Snapshot, key: tuple[str, str]) -> list[str]:
    table, name = key
    out = [re.sub(r"^CREATE (CONSTRAINT )?TRIGGER ", lambda m: f"CREATE {m.group(1) or ''}TRIGGER {_q(name)} ",
                  s.triggers[key], count=1)]
    state = s.trigger_states.get(key, "origin")
    if state != "origin":
        out.append(f"ALTER TABLE public.{_q(table)} {_STATE[state]} TRIGGER {_q(name)}")
    if s.trigger_comments.get(key) is not None:
        out.append(f"COMMENT ON TRIGGER {_q(name)} ON public.{_q(table)} IS {_lit(s.trigger_comments[key] or '')}")
    return out


def _trigger_drop(key: tuple[str, str]) -> str:
    return f"DROP TRIGGER {_q(key[1])} ON public.{_q(key[0])}"


def function_fixups(work: Snapshot, target: Snapshot, first: list, post: list, last: list,
                    pre: list | None = None) -> None:
    """The function and trigger ops that turn ``work`` (head) into ``target`` (the spec).

    Placement by dependency (issue 17 item 6): a new function that a constraint, default or
    index of the target depends on (pg_depend of the proof database: ``function_users``) goes
    to ``pre``, before the tables; a language sql function whose body reads a view of the
    target goes first in ``last``, after the views are created; the others to ``post``."""
    from generator.migrate.function_order import reads_views

    guards = _guards(work, target)
    fns = [k for k in sorted(set(work.functions) | set(target.functions)) if split_key(k)[0] not in guards]
    late: list = []
    renamed = function_replace.renamed_parameters(work.functions, target.functions)  # old key -> new key
    for key in fns:
        a, b = work.functions.get(key), target.functions.get(key)
        if key in renamed:
            continue  # replaced under its new key, below
        if a is None and b is not None and key in renamed.values():  # parameters renamed: DROP, then CREATE
            old = next(k for k, v in renamed.items() if v == key)
            post.append(RoutineSqlOp(f"replace function {old} with {key}",
                                     [f"DROP {_kind(work.functions[old])} {routine(old)}", *_function_create(target, key)],
                                     [f"DROP {_kind(b)} {routine(key)}", *_function_create(work, old)]))
        elif a is None and b is not None:
            op = RoutineSqlOp(f"create function {key}", _function_create(target, key), [f"DROP {_kind(b)} {routine(key)}"])
            if pre is not None and key in getattr(target, "function_users", set()):
                pre.append(op)
            elif reads_views(b, set(target.views)):
                late.append(op)
            else:
                post.append(op)
        elif b is None and a is not None:
            last.append(RoutineSqlOp(f"drop function {key}", [f"DROP {_kind(a)} {routine(key)}"],
                                     _function_create(work, key)))
        elif a is not None and b is not None and a != b:
            if _kind(a) == "AGGREGATE":
                up = [f"DROP AGGREGATE {routine(key)}", *_function_create(target, key)]
                down = [f"DROP AGGREGATE {routine(key)}", *_function_create(work, key)]
            elif not function_replace.replaceable(a, b):  # a new return type, a renamed parameter, a removed default
                up = [f"DROP {_kind(a)} {routine(key)}", *_function_create(target, key)]
                down = [f"DROP {_kind(b)} {routine(key)}", *_function_create(work, key)]
            else:
                up, down = [b], [a]
            (late if reads_views(b, set(target.views) - set(work.views)) else post).append(
                RoutineSqlOp(f"replace function {key}", up, down))
        if (a is not None and b is not None and (a == b or _kind(a) != "AGGREGATE")
                and work.function_comments.get(key) != target.function_comments.get(key)):  # OR REPLACE keeps it
            def comment(c: str | None, k: str = key, d: str = b or "") -> str:
                return f"COMMENT ON {_kind(d)} {routine(k)} IS {_lit(c) if c is not None else 'NULL'}"
            post.append(RoutineSqlOp(f"comment on function {key}", [comment(target.function_comments.get(key))],
                                     [comment(work.function_comments.get(key))]))
    changes = compare(work, target)
    p = plan(changes, work, target)
    planned = set(p.drop) | set(p.create)  # views the view ops drop or create: their triggers go with them
    # triggers executing a function that is dropped and re-created go around it
    carried = set(function_replace.triggers_using(work, function_replace.rebuilt(changes, work, target)))
    common = (set(work.tables) & set(target.tables)) | (common_views(work, target) - planned)
    for key in sorted(set(work.triggers) | set(target.triggers)):
        if key[1] in guards or key[0] in planned or _cloned(work, key) or _cloned(target, key):
            continue
        a, b = work.triggers.get(key), target.triggers.get(key)
        label = f"{key[0]}.{key[1]}"
        if a is None and b is not None:
            post.append(RoutineSqlOp(f"create trigger {label}", _trigger_create(target, key), [_trigger_drop(key)]))
        elif b is None and a is not None:
            if key[0] in common:
                first.append(RoutineSqlOp(f"drop trigger {label}", [_trigger_drop(key)], _trigger_create(work, key)))
            elif key[0] in work.tables:  # DROP TABLE takes it; the downgrade re-creates the table, then it
                first.append(RoutineSqlOp(f"drop trigger {label} (with its table)", [], _trigger_create(work, key)))
        elif a != b or key in carried:
            first.append(RoutineSqlOp(f"drop trigger {label} (redefined)", [_trigger_drop(key)], _trigger_create(work, key)))
            post.append(RoutineSqlOp(f"create trigger {label} (redefined)", _trigger_create(target, key), [_trigger_drop(key)]))
        else:
            x, y = work.trigger_states.get(key, "origin"), target.trigger_states.get(key, "origin")
            on = f"ALTER TABLE public.{_q(key[0])} {{}} TRIGGER {_q(key[1])}"
            if x != y:
                post.append(RoutineSqlOp(f"trigger {label} {y}", [on.format(_STATE[y])], [on.format(_STATE[x])]))
            c, d = work.trigger_comments.get(key), target.trigger_comments.get(key)
            if c != d:
                stmt = f"COMMENT ON TRIGGER {_q(key[1])} ON public.{_q(key[0])} IS {{}}"
                post.append(RoutineSqlOp(f"comment on trigger {label}", [stmt.format(_lit(d) if d is not None else "NULL")],
                                         [stmt.format(_lit(c) if c is not None else "NULL")]))
    last[:0] = late
