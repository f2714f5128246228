"""Rename pre-pass: ``renamed_from`` hints become renames, never drop-and-add.

Autogenerate compares names, so a renamed table looks like one dropped and one created. Before
autogenerate runs, ``rename_ops`` turns the spec's hints (tables, columns, enum types) into
rename operations, which are applied to the scratch database inside a transaction that is
rolled back afterwards; autogenerate then sees only what is left. Constraints and indexes
whose names follow the convention would still carry the old name: ``follow_up_renames`` pairs
each unmatched old name with an unmatched new name of identical definition (as PostgreSQL
renders it) and renames it. Enum value renames are handled in ``generator.autogen``.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from generator import ops as xops
from generator.catalog import Snapshot
from generator.spec.model import Spec


def rename_ops(spec: Spec, head: Snapshot) -> list[Any]:
    out: list[Any] = []
    table_now: dict[str, str] = {}  # spec table -> its name in head before renames
    for table in spec.tables.values():
        old = table.renamed_from
        if old and old in head.tables and table.name not in head.tables:
            out.append(ops.RenameTableOp(old, table.name))
            table_now[table.name] = old
    for enum in spec.enums.values():
        old = enum.renamed_from
        if old and old in head.enums and enum.name not in head.enums:
            out.append(xops.RenameEnumOp(old, enum.name))
    for table in spec.tables.values():
        in_head = table_now.get(table.name, table.name)
        for col in table.columns.values():
            old = col.renamed_from
            if old and (in_head, old) in head.columns and (in_head, col.name) not in head.columns:
                out.append(xops.RenameColumnOp(table.name, old, col.name))
    return out


def follow_up_renames(work: Snapshot, target: Snapshot) -> list[Any]:
    """Rename constraints and indexes whose definition matches a differently named one in target."""
    out: list[Any] = []
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
