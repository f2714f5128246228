"""Rename pre-pass: ``renamed_from`` hints become renames, never drop-and-add.

Autogenerate compares names, so a renamed table looks like one dropped and one created. Before
autogenerate runs, ``rename_ops`` turns the spec's hints (tables, columns, enum types and their
values) into rename operations, which are applied to the scratch database inside a transaction
that is rolled back afterwards; autogenerate then sees only what is left. Constraints and
indexes whose names follow the convention would still carry the old name: ``follow_up_renames``
pairs each unmatched old name with an unmatched new name of identical definition (as
PostgreSQL renders it) and renames it, and moves a renamed table's append-only guard (its
trigger and function names, and the function's message, name the table).
``generator.migrate.autogen`` also plans enum value renames, for plain ``alembic revision
--autogenerate``, which has no pre-pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.migrate import ops as xops
from generator.pg.catalog import Snapshot
from generator.spec import naming
from generator.spec.model import Spec


def rename_ops(spec: Spec, head: Snapshot) -> list[Any]:
    out: list[Any] = []
    table_now: dict[str, str] = {}  # spec table -> its name in head before renames
    for table in spec.tables.values():
        old = table.renamed_from
        if old and old in head.tables and table.name not in head.tables:
            out.append(xops.RenameTableOp(old, table.name))
            table_now[table.name] = old
    for enum in spec.enums.values():
        old = enum.renamed_from
        in_head = enum.name
        if old and old in head.enums and enum.name not in head.enums:
            out.append(xops.RenameEnumOp(old, enum.name))
            in_head = old
        values = list(head.enums.get(in_head, ()))
        for new, old_value in enum.value_renames:
            # renamed here, before autogenerate: a default or CHECK naming the value then
            # already reads the new label, so nothing else changes for it
            if old_value in values and new not in values:
                out.append(xops.RenameEnumValueOp(enum.name, old_value, new))
                values[values.index(old_value)] = new
    for table in spec.tables.values():
        in_head = table_now.get(table.name, table.name)
        for col in table.columns.values():
            old = col.renamed_from
            if old and (in_head, old) in head.columns and (in_head, col.name) not in head.columns:
                out.append(xops.RenameColumnOp(table.name, old, col.name))
    return out


def follow_up_renames(work: Snapshot, target: Snapshot, renames: Sequence[Any] = ()) -> list[Any]:
    """Rename constraints and indexes whose definition matches a differently named one in target;
    move the append-only guard of each renamed table."""
    out: list[Any] = []
    for op in renames:
        if isinstance(op, xops.RenameTableOp):
            old, new = op.table_name, op.new_table_name
            if (new, naming.append_only_triggers(old)[0]) in work.triggers:
                out.append(xops.MoveAppendOnlyGuardOp(old, new))
    constraint_names = {k[1] for k in work.constraints} | {k[1] for k in target.constraints}
    for table in sorted(set(work.tables) & set(target.tables)):
        have = {n: v for (t, n), v in work.constraints.items() if t == table and (t, n) not in target.constraints}
        want = {n: v for (t, n), v in target.constraints.items() if t == table and (t, n) not in work.constraints}
        for old, definition in sorted(have.items()):
            match = next((new for new, d in sorted(want.items()) if d == definition), None)
            if match is not None:
                out.append(xops.RenameConstraintOp(table, old, match))
                del want[match]
    have_ix = {n: v for n, v in work.indexes.items() if n not in target.indexes and n not in constraint_names}
    want_ix = {n: v for n, v in target.indexes.items() if n not in work.indexes and n not in constraint_names}
    for old, definition in sorted(have_ix.items()):
        match = next((new for new, d in sorted(want_ix.items()) if d == definition), None)
        if match is not None:
            out.append(xops.RenameIndexOp(old, match))
            del want_ix[match]
    return out
