"""Composite and range types of the user schemas, for ``schemactl import`` (issue 16). Knows
no spec: facts as PostgreSQL prints them (format_type, collation and operator class names)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# a composite type's attributes, in order
ATTRIBUTES = """
    SELECT n.nspname, t.typname, a.attname, format_type(a.atttypid, a.atttypmod), at.typtype, atn.nspname,
           CASE WHEN a.attcollation <> at.typcollation THEN co.collname END, cn.nspname
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_type at ON at.oid = a.atttypid JOIN pg_namespace atn ON atn.oid = at.typnamespace
    LEFT JOIN pg_collation co ON co.oid = a.attcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND t.typtype = 'c'
    ORDER BY n.nspname, t.typname, a.attnum"""

RANGES = """
    SELECT n.nspname, t.typname, format_type(r.rngsubtype, NULL), st.typtype, stn.nspname,
           CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation THEN co.collname END, cn.nspname,
           CASE WHEN NOT oc.opcdefault THEN oc.opcname END, ocn.nspname,
           CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::regproc::text END,
           r.rngcanonical <> 0, mt.typname, mtn.nspname
    FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid JOIN pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_type st ON st.oid = r.rngsubtype JOIN pg_namespace stn ON stn.oid = st.typnamespace
    JOIN pg_opclass oc ON oc.oid = r.rngsubopc JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
    LEFT JOIN pg_collation co ON co.oid = r.rngcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
    LEFT JOIN pg_type mt ON mt.oid = r.rngmultitypid LEFT JOIN pg_namespace mtn ON mtn.oid = mt.typnamespace
    WHERE n.nspname = ANY(%(schemas)s)
    ORDER BY n.nspname, t.typname"""


@dataclass(frozen=True)
class Attribute:
    name: str
    formatted: str  # format_type()
    kind: str  # typtype of the attribute's type
    type_schema: str
    collation: str | None  # a collation other than the type's default
    collation_schema: str | None


@dataclass(frozen=True)
class RangeInfo:
    subtype: str  # format_type()
    subtype_kind: str
    subtype_schema: str
    collation: str | None
    collation_schema: str | None
    opclass: str | None  # a non-default operator class
    opclass_schema: str | None
    subtype_diff: str | None  # regproc text
    canonical: bool
    multirange: str | None
    multirange_schema: str | None


def type_details(attribute_rows: list[tuple[Any, ...]], range_rows: list[tuple[Any, ...]]
                 ) -> tuple[dict[str, list[Attribute]], dict[str, RangeInfo]]:
    """({"schema.name": attributes}, {"schema.name": range}) from the rows of ATTRIBUTES and RANGES."""
    composites: dict[str, list[Attribute]] = {}
    for schema, name, *rest in attribute_rows:
        composites.setdefault(f"{schema}.{name}", []).append(Attribute(*rest))
    ranges = {f"{schema}.{name}": RangeInfo(*rest) for schema, name, *rest in range_rows}
    return composites, ranges
