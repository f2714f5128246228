"""Revisions for partitions and inheritance: create, drop, attach and detach a partition,
change its bound (detach + attach), and what Alembic gets wrong about them.

A partition is not in the SQLAlchemy MetaData (generator.schema.partitioning), so Alembic's
comparison takes every partition for a table to drop, and an inheriting table's inherited
columns for columns to drop; those ops go (``fixups``), and the partitions are compared on
the catalog snapshots (``pg_get_expr(relpartbound)``): a partition only in the spec is created
(``CREATE TABLE ... PARTITION OF``: PostgreSQL gives it the parent's indexes, keys and foreign
keys), one only in the database dropped, one whose bound or parent changed detached and
attached again. Each op knows its reverse, so downgrades come out of ``reverse()``.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations
from alembic.operations import ops as alembic_ops

from generator.migrate.ops import _call, _execute, _Op
from generator.spec import naming
from generator.spec.types import quote_literal


def _q(name: str) -> str:
    return naming.quote_ident(name)


def _create_sql(name: str, parent: str, bound: str, key: str | None) -> str:
    return f"CREATE TABLE {_q(name)} PARTITION OF {_q(parent)} {bound}" + (f" PARTITION BY {key}" if key else "")


@Operations.register_operation("create_partition")
class CreatePartitionOp(_Op):
    def __init__(self, name: str, parent: str, bound: str, key: str | None = None, comment: str | None = None) -> None:
        self.name, self.parent, self.bound, self.key, self.comment = name, parent, bound, key, comment

    @classmethod
    def create_partition(cls, operations: Operations, name: str, parent: str, bound: str, key: str | None = None,
                         comment: str | None = None) -> Any:
        return operations.invoke(cls(name, parent, bound, key, comment))

    def reverse(self) -> DropPartitionOp:
        return DropPartitionOp(self.name, self.parent, self.bound, self.key, self.comment)

    def describe(self) -> str:
        return f"create partition {self.name} of {self.parent} {self.bound}"


@Operations.register_operation("drop_partition")
class DropPartitionOp(_Op):
    def __init__(self, name: str, parent: str, bound: str, key: str | None = None, comment: str | None = None) -> None:
        self.name, self.parent, self.bound, self.key, self.comment = name, parent, bound, key, comment

    @classmethod
    def drop_partition(cls, operations: Operations, name: str, parent: str, bound: str, key: str | None = None,
                       comment: str | None = None) -> Any:
        return operations.invoke(cls(name, parent, bound, key, comment))

    destructive_note = " (its data is lost)"  # generator.migrate.revision.destructive_steps

    def reverse(self) -> CreatePartitionOp:
        return CreatePartitionOp(self.name, self.parent, self.bound, self.key, self.comment)

    def describe(self) -> str:
        return f"drop partition {self.name} of {self.parent}"


@Operations.register_operation("attach_partition")
class AttachPartitionOp(_Op):
    def __init__(self, name: str, parent: str, bound: str) -> None:
        self.name, self.parent, self.bound = name, parent, bound

    @classmethod
    def attach_partition(cls, operations: Operations, name: str, parent: str, bound: str) -> Any:
        return operations.invoke(cls(name, parent, bound))

    def reverse(self) -> DetachPartitionOp:
        return DetachPartitionOp(self.name, self.parent, self.bound)

    def describe(self) -> str:
        return f"attach partition {self.name} to {self.parent} {self.bound}"


@Operations.register_operation("detach_partition")
class DetachPartitionOp(_Op):
    def __init__(self, name: str, parent: str, bound: str) -> None:
        self.name, self.parent, self.bound = name, parent, bound

    @classmethod
    def detach_partition(cls, operations: Operations, name: str, parent: str, bound: str) -> Any:
        return operations.invoke(cls(name, parent, bound))

    def reverse(self) -> AttachPartitionOp:
        return AttachPartitionOp(self.name, self.parent, self.bound)

    def describe(self) -> str:
        return f"detach partition {self.name} from {self.parent}"


@Operations.implementation_for(CreatePartitionOp)
def _create_partition(operations: Operations, op: CreatePartitionOp) -> None:
    _execute(operations, _create_sql(op.name, op.parent, op.bound, op.key))
    if op.comment:
        _execute(operations, f"COMMENT ON TABLE {_q(op.name)} IS {quote_literal(op.comment)}")


@Operations.implementation_for(DropPartitionOp)
def _drop_partition(operations: Operations, op: DropPartitionOp) -> None:
    # detached first: a foreign key that references the partitioned parent has a clone per
    # partition, which DROP TABLE alone refuses to take ("other objects depend on it")
    _execute(operations, f"ALTER TABLE {_q(op.parent)} DETACH PARTITION {_q(op.name)}")
    _execute(operations, f"DROP TABLE {_q(op.name)}")


@Operations.implementation_for(AttachPartitionOp)
def _attach_partition(operations: Operations, op: AttachPartitionOp) -> None:
    _execute(operations, f"ALTER TABLE {_q(op.parent)} ATTACH PARTITION {_q(op.name)} {op.bound}")


@Operations.implementation_for(DetachPartitionOp)
def _detach_partition(operations: Operations, op: DetachPartitionOp) -> None:
    _execute(operations, f"ALTER TABLE {_q(op.parent)} DETACH PARTITION {_q(op.name)}")


@renderers.dispatch_for(CreatePartitionOp)
def _r_create_partition(ctx: Any, op: CreatePartitionOp) -> str:
    return _call("create_partition", op.name, op.parent, op.bound, **_optional(op))


@renderers.dispatch_for(DropPartitionOp)
def _r_drop_partition(ctx: Any, op: DropPartitionOp) -> str:
    return _call("drop_partition", op.name, op.parent, op.bound, **_optional(op))


def _optional(op: CreatePartitionOp | DropPartitionOp) -> dict[str, str]:
    return {k: v for k, v in (("key", op.key), ("comment", op.comment)) if v}


@renderers.dispatch_for(AttachPartitionOp)
def _r_attach_partition(ctx: Any, op: AttachPartitionOp) -> str:
    return _call("attach_partition", op.name, op.parent, op.bound)


@renderers.dispatch_for(DetachPartitionOp)
def _r_detach_partition(ctx: Any, op: DetachPartitionOp) -> str:
    return _call("detach_partition", op.name, op.parent, op.bound)


# ------------------------------------------------------------------ the comparison


def fixups(body: list, post: list, work: Any, target: Any) -> list:
    """Alembic's table ops without those about partitions and inherited columns, after the
    partition drops (deepest first); the other partition ops go to the front of ``post``
    (after the table ops: a new parent exists by then), parents before their partitions."""
    partitions = set(work.partitions) | set(target.partitions)
    derived = work.derived_columns | target.derived_columns
    kept = []
    for op in body:
        if isinstance(op, (alembic_ops.DropTableOp, alembic_ops.CreateTableOp)) and op.table_name in partitions:
            continue
        if isinstance(op, alembic_ops.DropTableOp) and op.table_name in work.partition_keys:
            # Alembic's reflection has no partition key: the downgrade re-creates it partitioned
            op.table_kw["postgresql_partition_by"] = work.partition_keys[op.table_name]
        if isinstance(op, alembic_ops.ModifyTableOps):
            if op.table_name in partitions:
                continue
            op.ops = [o for o in op.ops if not (isinstance(o, alembic_ops.DropColumnOp) and (op.table_name, o.column_name) in derived)]
            if not op.ops:
                continue
        kept.append(op)
    drops, creates, moves = [], [], []
    for name in _parents_first(work):
        if name not in target.partitions:
            parent, bound = work.partitions[name]
            drops.insert(0, DropPartitionOp(name, parent, bound, work.partition_keys.get(name), work.tables.get(name)))
    for name in _parents_first(target):
        parent, bound = target.partitions[name]
        before = work.partitions.get(name)
        if name not in work.tables:
            creates.append(CreatePartitionOp(name, parent, bound, target.partition_keys.get(name), target.tables.get(name)))
        elif before != (parent, bound):
            if before is not None:
                moves.append(DetachPartitionOp(name, before[0], before[1]))
            moves.append(AttachPartitionOp(name, parent, bound))
    for name in sorted(set(work.partitions) & set(target.partitions)):
        if work.tables.get(name) != target.tables.get(name):
            post.append(alembic_ops.CreateTableCommentOp(name, target.tables.get(name), existing_comment=work.tables.get(name))
                        if target.tables.get(name) else alembic_ops.DropTableCommentOp(name, existing_comment=work.tables.get(name)))
    post[:0] = [m for m in moves if isinstance(m, DetachPartitionOp)] + creates + [
        m for m in moves if isinstance(m, AttachPartitionOp)]
    return drops + kept  # before a dropped parent's DROP TABLE (which would take them along)


def _parents_first(snapshot: Any) -> list[str]:
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        parent = snapshot.partitions.get(name, (None,))[0]
        if parent in snapshot.partitions:
            visit(parent)
        order.append(name)

    for name in sorted(snapshot.partitions):
        visit(name)
    return order
