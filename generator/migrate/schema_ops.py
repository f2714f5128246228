"""Alembic operations for the schemas themselves (issue 17 item 5): ``create_schema``,
``drop_schema`` and ``set_schema_comment``, and the comparator that emits them from the head
and target snapshots (``Snapshot.schemas``: every schema but public, PostgreSQL's and
extensions').

Placement (``generator.migrate.autogen.AutogenSupport.fixups``): a new schema and its comment
come first in the upgrade, before anything is created in it; a dropped schema comes last,
after everything in it is dropped (``DROP SCHEMA`` without CASCADE: an object the revision
did not drop makes it fail, and the proof says so). Dropping a schema is destructive (its
``destructive_note``): ``--allow-destructive``. Importing this module registers the ops.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations

from generator.migrate.ops import _call, _execute, _lit, _Op, _q
from generator.pg.catalog import Snapshot


def _comment(name: str, comment: str | None) -> str:
    return f"COMMENT ON SCHEMA {_q(name)} IS {_lit(comment) if comment else 'NULL'}"


@Operations.register_operation("create_schema")
class CreateSchemaOp(_Op):
    def __init__(self, name: str, comment: str | None = None) -> None:
        self.name, self.comment = name, comment

    @classmethod
    def create_schema(cls, operations: Operations, name: str, comment: str | None = None) -> Any:
        return operations.invoke(cls(name, comment))

    def reverse(self) -> DropSchemaOp:
        return DropSchemaOp(self.name, self.comment)

    def summary(self) -> str:
        return f"create schema {self.name}"


@Operations.register_operation("drop_schema")
class DropSchemaOp(_Op):
    """Drop an empty schema (its objects are dropped by the ops before it); the comment is kept
    so the downgrade can re-create it."""

    destructive_note = " (everything left in it is lost)"

    def __init__(self, name: str, comment: str | None = None) -> None:
        self.name, self.comment = name, comment

    @classmethod
    def drop_schema(cls, operations: Operations, name: str, comment: str | None = None) -> Any:
        return operations.invoke(cls(name, comment))

    def reverse(self) -> CreateSchemaOp:
        return CreateSchemaOp(self.name, self.comment)

    def summary(self) -> str:
        return f"drop schema {self.name}"


@Operations.register_operation("set_schema_comment")
class SetSchemaCommentOp(_Op):
    def __init__(self, name: str, comment: str | None, existing_comment: str | None = None) -> None:
        self.name, self.comment, self.existing_comment = name, comment, existing_comment

    @classmethod
    def set_schema_comment(cls, operations: Operations, name: str, comment: str | None,
                           existing_comment: str | None = None) -> Any:
        return operations.invoke(cls(name, comment, existing_comment))

    def reverse(self) -> SetSchemaCommentOp:
        return SetSchemaCommentOp(self.name, self.existing_comment, self.comment)

    def summary(self) -> str:
        return f"comment on schema {self.name}"


@Operations.implementation_for(CreateSchemaOp)
def _create_schema(operations: Operations, op: CreateSchemaOp) -> None:
    _execute(operations, f"CREATE SCHEMA {_q(op.name)}")
    if op.comment:
        _execute(operations, _comment(op.name, op.comment))


@Operations.implementation_for(DropSchemaOp)
def _drop_schema(operations: Operations, op: DropSchemaOp) -> None:
    _execute(operations, f"DROP SCHEMA {_q(op.name)}")


@Operations.implementation_for(SetSchemaCommentOp)
def _set_schema_comment(operations: Operations, op: SetSchemaCommentOp) -> None:
    _execute(operations, _comment(op.name, op.comment))


@renderers.dispatch_for(CreateSchemaOp)
def _r_create_schema(ctx: Any, op: CreateSchemaOp) -> str:
    return _call("create_schema", op.name, comment=op.comment)


@renderers.dispatch_for(DropSchemaOp)
def _r_drop_schema(ctx: Any, op: DropSchemaOp) -> str:
    return _call("drop_schema", op.name, comment=op.comment)


@renderers.dispatch_for(SetSchemaCommentOp)
def _r_set_schema_comment(ctx: Any, op: SetSchemaCommentOp) -> str:
    return _call("set_schema_comment", op.name, op.comment, existing_comment=op.existing_comment)


def schema_fixups(work: Snapshot, target: Snapshot) -> tuple[list[Any], list[Any]]:
    """(first, last): the schemas to create (with their comments) and comment changes, which
    run before everything else; the schemas to drop, after everything else."""
    first: list[Any] = []
    last: list[Any] = []
    for name in sorted(set(target.schemas) - set(work.schemas)):
        first.append(CreateSchemaOp(name, target.schemas[name]))
    for name in sorted(set(work.schemas) & set(target.schemas)):
        if work.schemas[name] != target.schemas[name]:
            first.append(SetSchemaCommentOp(name, target.schemas[name], work.schemas[name]))
    for name in sorted(set(work.schemas) - set(target.schemas)):
        last.append(DropSchemaOp(name, work.schemas[name]))
    return first, last
