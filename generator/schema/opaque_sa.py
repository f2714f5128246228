"""SQLAlchemy types for columns whose type schemactl does not know (issue 16), and for
collated columns: a type object that renders the canonical type text the spec parsed
(``generator.spec.opaque_types``), so metadata, revisions and ``schemactl models`` keep working.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from generator.spec.types import ColumnType

# opaque type name -> (the models module's SQLAlchemy type, its Python annotation)
ORM_TYPES: dict[str, tuple[str, str]] = {
    "tsvector": ("pg.TSVECTOR()", "str"),
    "money": ("pg.MONEY()", "str"),
    "macaddr8": ("pg.MACADDR8()", "str"),
    "timetz": ("pg.TIME(timezone=True)", "datetime.time"),
    "bit": ("pg.BIT()", "str"),
    "varbit": ("pg.BIT(varying=True)", "str"),
}


class OpaqueType(sa.types.UserDefinedType):
    """A column type rendered as ``text``: a type name the spec's parser re-rendered (never the
    spec's text as written), with its ``COLLATE`` when the column has one."""

    cache_ok = True

    def __init__(self, text: str) -> None:
        self.text = text

    def get_col_spec(self, **kw: Any) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"OpaqueType({self.text!r})"


def needs_opaque(ctype: ColumnType, collation: str | None) -> bool:
    """Whether the column's SQLAlchemy type is an OpaqueType (an unknown type, a collation,
    or an array of more than one dimension)."""
    return ctype.opaque or collation is not None or (ctype.array and ctype.dims > 1)


def opaque_type(ctype: ColumnType, collation: str | None) -> OpaqueType:
    from generator.spec.user_types import collate_sql

    return OpaqueType(ctype.sql() + collate_sql(collation))


def orm_type(ctype: ColumnType) -> tuple[str, str]:
    """The models module's type and annotation of an opaque type: a known mapping, else the
    type text itself (``sa.types.NullType`` passes values through) as ``Any``."""
    inner = ORM_TYPES.get(ctype.opaque_name, ("sa.types.NullType()", "Any"))
    if ctype.array:
        return "sa.types.NullType()", f"list[{inner[1]}]" if ctype.dims == 1 else "list[Any]"
    return inner
