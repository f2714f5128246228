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
    """The models module's type and annotation of an opaque type: a known mapping, else
    ``_Opaque("<the type>")`` (OPAQUE_CLASS, values passed through as the driver gives them)
    as ``Any``."""
    import json

    opaque = f"_Opaque({json.dumps(ctype.sql())})"  # a JSON string is a Python string literal
    if ctype.array:
        inner = ORM_TYPES.get(ctype.opaque_name, ("", "Any"))[1] if ctype.dims == 1 else "Any"
        return opaque, f"list[{inner}]"
    return ORM_TYPES.get(ctype.opaque_name, (opaque, "Any"))


def uses_opaque(spec: Any) -> bool:
    """Whether the models module of ``spec`` needs OPAQUE_CLASS."""
    return any(
        c.ctype is not None and (c.ctype.opaque or (c.ctype.array and c.ctype.dims > 1))
        for t in spec.tables.values() for c in t.columns.values()
    )


# Written into the models module (which imports nothing of the tool) when a column needs it.
OPAQUE_CLASS = '''
class _Opaque(sa.types.UserDefinedType):
    """A column type the models do not map (docs/spec.md, Types): rendered as its name."""

    cache_ok = True

    def __init__(self, name: str) -> None:
        self.name = name

    def get_col_spec(self, **kw: Any) -> str:
        return self.name
'''
