"""Names of objects outside public in the ops of a revision (issue 17 item 5).

The catalog snapshots and the spec name an object in public by its bare name and one in
another schema ``schema.name`` (generator.spec.namespaces). A revision must not split such a
name at a dot when it runs (a verbatim name in public may hold one, and no spec is read by
``upgrade``), so the ops carry a ``QName``: a ``str`` equal to the canonical name (the
snapshots' keys still find it) that also knows its schema. It renders as
``QName('billing', 'currency')`` in the revision file, and the ops quote it as
``"billing"."currency"`` (``generator.migrate.ops._q``), whatever the session's search_path.

While autogenerate plans a revision, ``known_schemas`` holds the schemas a name may start
with (the spec's and the two snapshots'); ``qualify`` turns a canonical name into a QName
with them, and ``table_args`` gives Alembic's own ops their ``(table_name, schema)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

PUBLIC = "public"
IMPORT = "from generator.migrate.qualified import QName"
_KNOWN: ContextVar[frozenset[str]] = ContextVar("schemactl_revision_schemas", default=frozenset())


class QName(str):
    """``schema.name`` of an object outside public, as one string that keeps the split."""

    schema: str
    bare: str

    def __new__(cls, schema: str, bare: str) -> QName:
        self = super().__new__(cls, f"{schema}.{bare}")
        self.schema, self.bare = schema, bare
        return self

    def __repr__(self) -> str:
        return f"QName({self.schema!r}, {self.bare!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (QName, (self.schema, self.bare))

    def __deepcopy__(self, memo: dict[int, Any]) -> QName:
        return self

    def __copy__(self) -> QName:
        return self


@contextmanager
def known_schemas(names: Iterable[str]) -> Iterator[None]:
    """The schemas (other than public) a canonical name may be qualified with, for the block."""
    token = _KNOWN.set(frozenset(n for n in names if n != PUBLIC))
    try:
        yield
    finally:
        _KNOWN.reset(token)


def split(name: str) -> tuple[str | None, str]:
    """``(schema or None for public, bare name)`` of a canonical name."""
    if isinstance(name, QName):
        return name.schema, name.bare
    prefix, dot, rest = name.partition(".")
    if dot and rest and prefix in _KNOWN.get():
        return prefix, rest
    return None, name


def qualify(name: Any) -> Any:
    """A canonical name outside public as a QName; any other value unchanged."""
    if not isinstance(name, str) or isinstance(name, QName):
        return name
    schema, bare = split(name)
    return QName(schema, bare) if schema else name


def table_args(name: str) -> dict[str, Any]:
    """Keyword arguments naming a table for Alembic's own ops: ``table_name`` and ``schema``."""
    schema, bare = split(name)
    return {"table_name": bare, "schema": schema}


def key(table_name: str, schema: str | None) -> str:
    """The canonical name of Alembic's ``(table_name, schema)``."""
    return table_name if schema in (None, PUBLIC) else f"{schema}.{table_name}"


# attributes of the custom ops (generator.migrate.*ops) that name an object in a schema
NAME_ATTRS = ("name", "table_name", "on_table", "old_table_name", "index_name")
# ops whose old_name/new_name name such an object too (elsewhere they are column or constraint names)
RENAMES = frozenset({"RenameEnumOp", "RenameSequenceOp", "RenameIndexOp"})
# ops whose name is not in a schema: a schema, an extension (a verbatim one may hold a dot)
UNQUALIFIED = frozenset({"CreateSchemaOp", "DropSchemaOp", "SetSchemaCommentOp", "CreateExtensionOp", "DropExtensionOp"})


def qualify_ops(items: Iterable[Any]) -> None:
    """Every custom op's object names as QNames (Alembic's own ops carry ``schema=`` instead)."""
    from alembic.operations import ops

    for op in items:
        if isinstance(op, ops.ModifyTableOps):
            qualify_ops(op.ops)
        kind = type(op).__name__
        if not type(op).__module__.startswith("generator.migrate.") or kind in UNQUALIFIED:  # ours, not Alembic's
            continue
        for attr in (*NAME_ATTRS, *(("old_name", "new_name") if kind in RENAMES else ())):
            value = getattr(op, attr, None)
            if isinstance(value, str):
                setattr(op, attr, qualify(value))
        owner = getattr(op, "owner", None)
        if isinstance(owner, list) and owner:
            op.owner = [qualify(owner[0]), *owner[1:]]
        existing = getattr(op, "existing_owner", None)
        if isinstance(existing, list) and existing:
            op.existing_owner = [qualify(existing[0]), *existing[1:]]


def uses_qname(upgrade_ops: Any) -> bool:
    """Whether a revision's ops (its upgrade; the downgrade reverses the same ops) hold a QName,
    so the file needs ``IMPORT`` (plain ``alembic revision --autogenerate``, generator.migrate.env)."""
    from alembic.operations import ops

    items = [sub for op in upgrade_ops.ops for sub in (op.ops if isinstance(op, ops.ModifyTableOps) else [op])]
    return any(isinstance(v, QName) or (isinstance(v, list) and any(isinstance(x, QName) for x in v))
               for op in items for v in vars(op).values())
