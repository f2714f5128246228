"""Revision ops for composite and range types (``types:``, issue 16): create, alter (ALTER
TYPE ADD/DROP ATTRIBUTE where PostgreSQL can), drop, each with its reverse and renderer.

A type's definition is carried as the catalog renders it (``generator.pg.catalog_types``:
``composite ("a" text COLLATE "C", ...)``, ``range (subtype = ...)``), so the revision holds
PostgreSQL's own text, and the downgrade recreates exactly what the upgrade dropped.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations

from generator.migrate.ops import _call, _execute, _Op, _q
from generator.schema.types_sql import alter_composite, create_type


@Operations.register_operation("create_user_type")
class CreateUserTypeOp(_Op):
    def __init__(self, name: str, definition: str) -> None:
        self.name, self.definition = name, definition

    @classmethod
    def create_user_type(cls, operations: Operations, name: str, definition: str) -> Any:
        return operations.invoke(cls(name, definition))

    def reverse(self) -> DropUserTypeOp:
        return DropUserTypeOp(self.name, self.definition)

    def summary(self) -> str:
        return f"create type {self.name}"


@Operations.register_operation("drop_user_type")
class DropUserTypeOp(_Op):
    """Drop a composite or range type; its definition is kept for the downgrade."""

    def __init__(self, name: str, definition: str) -> None:
        self.name, self.definition = name, definition

    @classmethod
    def drop_user_type(cls, operations: Operations, name: str, definition: str) -> Any:
        return operations.invoke(cls(name, definition))

    def reverse(self) -> CreateUserTypeOp:
        return CreateUserTypeOp(self.name, self.definition)

    def summary(self) -> str:
        return f"drop type {self.name}"


@Operations.register_operation("alter_user_type")
class AlterUserTypeOp(_Op):
    """ALTER TYPE ... ADD/DROP/ALTER ATTRIBUTE from ``existing`` to ``definition``."""

    def __init__(self, name: str, definition: str, existing: str) -> None:
        self.name, self.definition, self.existing = name, definition, existing

    @classmethod
    def alter_user_type(cls, operations: Operations, name: str, definition: str, existing: str) -> Any:
        return operations.invoke(cls(name, definition, existing))

    def reverse(self) -> AlterUserTypeOp:
        return AlterUserTypeOp(self.name, self.existing, self.definition)

    def summary(self) -> str:
        return f"alter type {self.name}"


def user_type_ops(work: Any, target: Any) -> tuple[list[Any], list[Any]]:
    """(ops before the table ops, ops after them): creates and alters first, drops last. A
    change ALTER TYPE cannot make is a drop and a create (the proof refuses it while a column
    uses the type)."""
    early: list[Any] = []
    late: list[Any] = []
    from generator.migrate.ops import SetEnumCommentOp  # COMMENT ON TYPE, whatever the type

    for name in sorted(set(work.user_types) | set(target.user_types)):
        a, b = work.user_types.get(name), target.user_types.get(name)
        old_comment = work.user_type_comments.get(name) if a is not None else None
        new_comment = target.user_type_comments.get(name) if b is not None else None
        if a == b:
            if b is not None and old_comment != new_comment:
                early.append(SetEnumCommentOp(name, new_comment, old_comment))
            continue
        if a is None:
            early.append(CreateUserTypeOp(name, b))
        elif b is None:
            late.append(DropUserTypeOp(name, a))
        elif a.startswith("composite") and b.startswith("composite") and alter_composite(name, a, b) \
                and alter_composite(name, b, a):
            early.append(AlterUserTypeOp(name, b, a))
        else:
            early += [DropUserTypeOp(name, a), CreateUserTypeOp(name, b)]
            old_comment = None  # dropped and created again: the comment went with it
        if b is not None and old_comment != new_comment:
            early.append(SetEnumCommentOp(name, new_comment, old_comment))
    return early, late


@Operations.implementation_for(CreateUserTypeOp)
def _create_user_type(operations: Operations, op: CreateUserTypeOp) -> None:
    _execute(operations, create_type(op.name, op.definition))


@Operations.implementation_for(DropUserTypeOp)
def _drop_user_type(operations: Operations, op: DropUserTypeOp) -> None:
    _execute(operations, f"DROP TYPE {_q(op.name)}")


@Operations.implementation_for(AlterUserTypeOp)
def _alter_user_type(operations: Operations, op: AlterUserTypeOp) -> None:
    for sql in alter_composite(op.name, op.existing, op.definition) or ():
        _execute(operations, sql)


@renderers.dispatch_for(CreateUserTypeOp)
def _r_create_user_type(ctx: Any, op: CreateUserTypeOp) -> str:
    return _call("create_user_type", op.name, op.definition)


@renderers.dispatch_for(DropUserTypeOp)
def _r_drop_user_type(ctx: Any, op: DropUserTypeOp) -> str:
    return _call("drop_user_type", op.name, op.definition)


@renderers.dispatch_for(AlterUserTypeOp)
def _r_alter_user_type(ctx: Any, op: AlterUserTypeOp) -> str:
    return _call("alter_user_type", op.name, op.definition, existing=op.existing)
