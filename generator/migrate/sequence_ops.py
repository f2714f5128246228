"""Alembic operations for sequences and identity options, and the autogenerate comparator
that emits them from the head and target catalog snapshots (``generator.pg.catalog_sequences``).

Placement in an upgrade (``generator.migrate.autogen.AutogenSupport.fixups``):

- ``pre`` (before the table ops): ``create_sequence`` (a new column's ``nextval`` default
  needs it), and ``set_sequence_owner(..., None)`` releasing a sequence from its old owner
  column (dropping that column would drop the sequence with it);
- ``post`` (after the table ops): ``alter_sequence`` (options), ``set_sequence_owner`` to the
  new owner (the column may be new), ``set_sequence_comment``, ``alter_identity_options``
  (``ALTER COLUMN ... SET START WITH ...``) and ``rename_sequence`` for identity sequences;
- ``last``: ``drop_sequence`` once no default uses it (``IF EXISTS``: a sequence owned by a
  dropped column is gone already).

Every op carries what its reverse needs, so downgrades come from ``reverse()``. No op ever
restarts a sequence: its current value is data. Importing this module registers the ops
(``generator.migrate.autogen`` imports it; migrations/env.py imports autogen).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.operations import Operations
from alembic.operations import ops as alembic_ops

from generator.migrate.ops import _bare, _call, _execute, _lit, _Op, _q
from generator.pg.catalog import Snapshot
from generator.pg.catalog_sequences import SequenceState, default_identity
from generator.schema.metadata import sql_text
from generator.schema.sequences_ddl import identity_sequence_name

Options = list  # [start, increment, min, max, cache, cycle]
_WORDS = ("START WITH", "INCREMENT BY", "MINVALUE", "MAXVALUE", "CACHE")


def _clauses(options: Options, old: Options | None = None, prefix: str = "") -> list[str]:
    out = [f"{prefix}{word} {int(options[i])}" for i, word in enumerate(_WORDS) if old is None or old[i] != options[i]]
    if old is None or bool(old[5]) != bool(options[5]):
        out.append(f"{prefix}{'CYCLE' if options[5] else 'NO CYCLE'}")
    return out


def _comment(name: str, comment: str | None) -> str:
    return f"COMMENT ON SEQUENCE {_q(name)} IS {_lit(comment) if comment else 'NULL'}"


# ------------------------------------------------------------------------------ the ops


@Operations.register_operation("create_sequence")
class CreateSequenceOp(_Op):
    def __init__(self, name: str, type_: str, options: Options, comment: str | None = None) -> None:
        self.name, self.type_, self.options, self.comment = name, type_, list(options), comment

    @classmethod
    def create_sequence(cls, operations: Operations, name: str, type_: str, options: Options, comment: str | None = None) -> Any:
        return operations.invoke(cls(name, type_, options, comment))

    def reverse(self) -> DropSequenceOp:
        return DropSequenceOp(self.name, self.type_, self.options, self.comment)

    def summary(self) -> str:
        return f"create sequence {self.name}"


@Operations.register_operation("drop_sequence")
class DropSequenceOp(_Op):
    """Drop a sequence; type, options and comment are kept so the downgrade can recreate it
    (not its current value: the destructive gate says so)."""

    destructive_note = " (its current value is lost)"

    def __init__(self, name: str, type_: str, options: Options, comment: str | None = None) -> None:
        self.name, self.type_, self.options, self.comment = name, type_, list(options), comment

    @classmethod
    def drop_sequence(cls, operations: Operations, name: str, type_: str, options: Options, comment: str | None = None) -> Any:
        return operations.invoke(cls(name, type_, options, comment))

    def reverse(self) -> CreateSequenceOp:
        return CreateSequenceOp(self.name, self.type_, self.options, self.comment)

    def summary(self) -> str:
        return f"drop sequence {self.name}"


@Operations.register_operation("alter_sequence")
class AlterSequenceOp(_Op):
    def __init__(self, name: str, type_: str, options: Options, existing_type: str, existing_options: Options) -> None:
        self.name, self.type_, self.options = name, type_, list(options)
        self.existing_type, self.existing_options = existing_type, list(existing_options)

    @classmethod
    def alter_sequence(cls, operations: Operations, name: str, type_: str, options: Options, existing_type: str,
                       existing_options: Options) -> Any:
        return operations.invoke(cls(name, type_, options, existing_type, existing_options))

    def reverse(self) -> AlterSequenceOp:
        return AlterSequenceOp(self.name, self.existing_type, self.existing_options, self.type_, self.options)

    def summary(self) -> str:
        return f"alter sequence {self.name}"


@Operations.register_operation("set_sequence_owner")
class SetSequenceOwnerOp(_Op):
    """OWNED BY ``owner`` ([table, column]) or NONE."""

    def __init__(self, name: str, owner: list[str] | None, existing_owner: list[str] | None = None) -> None:
        self.name = name
        self.owner = list(owner) if owner else None
        self.existing_owner = list(existing_owner) if existing_owner else None

    @classmethod
    def set_sequence_owner(cls, operations: Operations, name: str, owner: list[str] | None,
                           existing_owner: list[str] | None = None) -> Any:
        return operations.invoke(cls(name, owner, existing_owner))

    def reverse(self) -> SetSequenceOwnerOp:
        return SetSequenceOwnerOp(self.name, self.existing_owner, self.owner)

    def summary(self) -> str:
        return f"sequence {self.name} owned by {'.'.join(self.owner) if self.owner else 'none'}"


@Operations.register_operation("set_sequence_comment")
class SetSequenceCommentOp(_Op):
    def __init__(self, name: str, comment: str | None, existing_comment: str | None = None) -> None:
        self.name, self.comment, self.existing_comment = name, comment, existing_comment

    @classmethod
    def set_sequence_comment(cls, operations: Operations, name: str, comment: str | None,
                             existing_comment: str | None = None) -> Any:
        return operations.invoke(cls(name, comment, existing_comment))

    def reverse(self) -> SetSequenceCommentOp:
        return SetSequenceCommentOp(self.name, self.existing_comment, self.comment)

    def summary(self) -> str:
        return f"comment on sequence {self.name}"


@Operations.register_operation("rename_sequence")
class RenameSequenceOp(_Op):
    def __init__(self, old_name: str, new_name: str) -> None:
        self.old_name, self.new_name = old_name, new_name

    @classmethod
    def rename_sequence(cls, operations: Operations, old_name: str, new_name: str) -> Any:
        return operations.invoke(cls(old_name, new_name))

    def reverse(self) -> RenameSequenceOp:
        return RenameSequenceOp(self.new_name, self.old_name)

    def summary(self) -> str:
        return f"rename sequence {self.old_name} to {self.new_name}"


@Operations.register_operation("alter_identity_options")
class AlterIdentityOptionsOp(_Op):
    def __init__(self, table_name: str, column_name: str, options: Options, existing_options: Options) -> None:
        self.table_name, self.column_name = table_name, column_name
        self.options, self.existing_options = list(options), list(existing_options)

    @classmethod
    def alter_identity_options(cls, operations: Operations, table_name: str, column_name: str, options: Options,
                               existing_options: Options) -> Any:
        return operations.invoke(cls(table_name, column_name, options, existing_options))

    def reverse(self) -> AlterIdentityOptionsOp:
        return AlterIdentityOptionsOp(self.table_name, self.column_name, self.existing_options, self.options)

    def summary(self) -> str:
        return f"change identity options of {self.table_name}.{self.column_name}"


# ------------------------------------------------------------------------------ implementations


@Operations.implementation_for(CreateSequenceOp)
def _create_sequence(operations: Operations, op: CreateSequenceOp) -> None:
    _execute(operations, f"CREATE SEQUENCE {_q(op.name)} AS {op.type_} " + " ".join(_clauses(op.options)))
    if op.comment:
        _execute(operations, _comment(op.name, op.comment))


@Operations.implementation_for(DropSequenceOp)
def _drop_sequence(operations: Operations, op: DropSequenceOp) -> None:
    _execute(operations, f"DROP SEQUENCE IF EXISTS {_q(op.name)}")


@Operations.implementation_for(AlterSequenceOp)
def _alter_sequence(operations: Operations, op: AlterSequenceOp) -> None:
    if op.type_ != op.existing_type:
        clauses = [f"AS {op.type_}", *_clauses(op.options)]
    else:
        clauses = _clauses(op.options, op.existing_options)
    if clauses:
        _execute(operations, f"ALTER SEQUENCE {_q(op.name)} " + " ".join(clauses))


@Operations.implementation_for(SetSequenceOwnerOp)
def _set_sequence_owner(operations: Operations, op: SetSequenceOwnerOp) -> None:
    owner = f"{_q(op.owner[0])}.{_q(op.owner[1])}" if op.owner else "NONE"
    _execute(operations, f"ALTER SEQUENCE {_q(op.name)} OWNED BY {owner}")


@Operations.implementation_for(SetSequenceCommentOp)
def _set_sequence_comment(operations: Operations, op: SetSequenceCommentOp) -> None:
    _execute(operations, _comment(op.name, op.comment))


@Operations.implementation_for(RenameSequenceOp)
def _rename_sequence(operations: Operations, op: RenameSequenceOp) -> None:
    _execute(operations, f"ALTER SEQUENCE {_q(op.old_name)} RENAME TO {_bare(op.new_name)}")


@Operations.implementation_for(AlterIdentityOptionsOp)
def _alter_identity_options(operations: Operations, op: AlterIdentityOptionsOp) -> None:
    clauses = _clauses(op.options, op.existing_options, prefix="SET ")
    if clauses:
        _execute(operations, f"ALTER TABLE {_q(op.table_name)} ALTER COLUMN {_q(op.column_name)} " + " ".join(clauses))


# ------------------------------------------------------------------------------ rendering


@renderers.dispatch_for(CreateSequenceOp)
def _r_create_sequence(ctx: Any, op: CreateSequenceOp) -> str:
    return _call("create_sequence", op.name, op.type_, op.options, comment=op.comment)


@renderers.dispatch_for(DropSequenceOp)
def _r_drop_sequence(ctx: Any, op: DropSequenceOp) -> str:
    return _call("drop_sequence", op.name, op.type_, op.options, comment=op.comment)


@renderers.dispatch_for(AlterSequenceOp)
def _r_alter_sequence(ctx: Any, op: AlterSequenceOp) -> str:
    return _call("alter_sequence", op.name, op.type_, op.options, existing_type=op.existing_type,
                 existing_options=op.existing_options)


@renderers.dispatch_for(SetSequenceOwnerOp)
def _r_set_sequence_owner(ctx: Any, op: SetSequenceOwnerOp) -> str:
    return _call("set_sequence_owner", op.name, op.owner, existing_owner=op.existing_owner)


@renderers.dispatch_for(SetSequenceCommentOp)
def _r_set_sequence_comment(ctx: Any, op: SetSequenceCommentOp) -> str:
    return _call("set_sequence_comment", op.name, op.comment, existing_comment=op.existing_comment)


@renderers.dispatch_for(RenameSequenceOp)
def _r_rename_sequence(ctx: Any, op: RenameSequenceOp) -> str:
    return _call("rename_sequence", op.old_name, op.new_name)


@renderers.dispatch_for(AlterIdentityOptionsOp)
def _r_alter_identity_options(ctx: Any, op: AlterIdentityOptionsOp) -> str:
    return _call("alter_identity_options", op.table_name, op.column_name, op.options,
                 existing_options=op.existing_options)


# ------------------------------------------------------------------------------ the comparator


def _owner(seq: SequenceState) -> list[str] | None:
    return list(seq.owner) if seq.owner else None


def no_implicit_serial(body: list, work: Snapshot) -> None:
    """A dropped table is re-created by the downgrade from its reflected columns, and
    SQLAlchemy reflects an integer column whose default is ``nextval('<its>_seq')`` as
    autoincrement without a default, which PostgreSQL's compiler turns into SERIAL: a second
    sequence (``orders_id_seq1``) beside the one the downgrade re-creates (``drop_sequence``'s
    reverse). The column gets its default back, as the catalog has it, and no SERIAL."""
    for op in body:
        # DropTableOp._reverse is private Alembic API: pinned by tests/unit/test_alembic_private_api.py
        reverse = op._reverse if isinstance(op, alembic_ops.DropTableOp) else None
        for column in (reverse.columns if reverse is not None else []):
            found = work.columns.get((op.table_name, getattr(column, "name", "")))
            if isinstance(column, sa.Column) and found is not None and (found.default or "").startswith("nextval("):
                column.server_default = sa.schema.DefaultClause(sql_text(found.default))
                column.autoincrement = False


def sequence_fixups(work: Snapshot, target: Snapshot, pre: list, post: list, last: list) -> None:
    """The sequence and identity-option ops that turn ``work`` (head) into ``target`` (the spec)."""
    for name in sorted(set(target.sequences) - set(work.sequences)):
        seq = target.sequences[name]
        pre.append(CreateSequenceOp(name, seq.type, list(seq.options()), seq.comment))
        if seq.owner:
            post.append(SetSequenceOwnerOp(name, _owner(seq), None))
    for name in sorted(set(work.sequences) - set(target.sequences)):
        seq = work.sequences[name]
        if seq.owner:
            pre.append(SetSequenceOwnerOp(name, None, _owner(seq)))
        last.append(DropSequenceOp(name, seq.type, list(seq.options()), seq.comment))
    for name in sorted(set(work.sequences) & set(target.sequences)):
        a, b = work.sequences[name], target.sequences[name]
        if (a.type, a.options()) != (b.type, b.options()):
            post.append(AlterSequenceOp(name, b.type, list(b.options()), a.type, list(a.options())))
        if a.owner != b.owner:
            if a.owner:
                pre.append(SetSequenceOwnerOp(name, None, _owner(a)))
            if b.owner:
                post.append(SetSequenceOwnerOp(name, _owner(b), None))
        if a.comment != b.comment:
            post.append(SetSequenceCommentOp(name, b.comment, a.comment))
    for key in sorted(target.identities):
        table, column = key
        want, have, col = target.identities[key], work.identities.get(key), target.columns.get(key)
        if col is None:
            continue
        if have is None:
            # a new table or column carries its options in CREATE TABLE / ADD COLUMN; an identity
            # added to an existing column (AlterIdentityOp) gets the defaults: set the rest
            existing = work.columns.get(key)
            if existing is not None and (table, column) in work.columns and want.options() != default_identity(col.type):
                post.append(AlterIdentityOptionsOp(table, column, list(want.options()), list(default_identity(col.type))))
            default = identity_sequence_name(table, column)
            if want.sequence != default:
                post.append(RenameSequenceOp(default, want.sequence))
            continue
        if have.options() != want.options():
            post.append(AlterIdentityOptionsOp(table, column, list(want.options()), list(have.options())))
        if have.sequence != want.sequence:
            post.append(RenameSequenceOp(have.sequence, want.sequence))

