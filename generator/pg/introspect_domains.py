"""Domains of the user schemas, for ``schemactl import``. Knows no spec.

One query (``QUERY``), run by ``generator.pg.introspect.read_database`` with the others
(``QUERIES["domains"]``): each domain with its base type as the column query describes a column's (typname,
schema, typtype, typmod, the element of an array), NOT NULL, default (``pg_type.typdefault``,
as PostgreSQL deparsed it), an explicit collation, comment, and its CHECKs as
``pg_get_constraintdef`` prints them (with ``convalidated``: a NOT VALID one). PostgreSQL 18's
NOT NULL rows in pg_constraint (contype 'n') are not read: ``typnotnull`` says it on both majors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

QUERY = """
    SELECT n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod),
           b.typname, bn.nspname, b.typtype, t.typtypmod, e.typname, en.nspname, e.typtype,
           t.typnotnull, t.typdefault,
           CASE WHEN t.typcollation <> b.typcollation THEN co.collname END,
           CASE WHEN t.typcollation <> b.typcollation THEN cn.nspname END,
           obj_description(t.oid, 'pg_type'),
           EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'),
           t.typacl IS NOT NULL,
           (SELECT array_agg(ARRAY[k.conname::text, pg_get_constraintdef(k.oid), k.convalidated::text] ORDER BY k.conname)
              FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'),
           (SELECT count(*) FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'
              AND obj_description(k.oid, 'pg_constraint') IS NOT NULL)
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_type b ON b.oid = t.typbasetype JOIN pg_namespace bn ON bn.oid = b.typnamespace
    LEFT JOIN pg_type e ON e.oid = b.typelem AND b.typcategory = 'A'
    LEFT JOIN pg_namespace en ON en.oid = e.typnamespace
    LEFT JOIN pg_collation co ON co.oid = t.typcollation
    LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND t.typtype = 'd'
    ORDER BY n.nspname, t.typname"""


@dataclass(frozen=True)
class DomainInfo:
    schema: str
    name: str
    formatted: str  # format_type of the base type
    type_name: str  # the base type's typname (an array's: see element_*)
    type_schema: str
    type_kind: str
    typmod: int
    element_name: str | None
    element_schema: str | None
    element_kind: str | None
    not_null: bool
    default: str | None
    collation: str | None  # an explicit collation's name
    collation_schema: str | None
    comment: str | None
    extension: bool
    acl: bool
    checks: tuple[tuple[str, str, bool], ...]  # (name, pg_get_constraintdef, validated)
    check_comments: int  # CHECKs with a comment


def domains_from_rows(rows: list[tuple[Any, ...]]) -> list[DomainInfo]:
    """The rows of ``QUERY`` (run by ``read_database`` as its ``domains`` query)."""
    return [
        DomainInfo(*row[:17], tuple((n, d, v == "true") for n, d, v in (row[17] or ())), int(row[18]))
        for row in rows
    ]
