"""``schemactl import`` of schemas other than public (issue 17 item 5).

The writer (``generator.adopt.writer``) was written for one schema. Rather than teach every
line of it a second name part, ``fold`` renames what the spec builds outside public (tables
and enums, with their columns, keys, indexes, identity sequences and foreign keys) into
public under its canonical spec name, ``schema.name`` (generator.spec.namespaces), before the
writer runs: the writer then writes the key ``billing.invoices``, a column of type
``billing.currency`` and a reference to ``billing.invoices`` as they are. ``schemas_block``
writes the ``schemas:`` section that makes those keys mean a schema (the spec is written
with ``naming: verbatim``, where an undeclared prefix would be part of the name).

Sequences of their own are folded too (``sales.order_no``; owned by a folded table or by
none). What is not folded (views, functions, domains, composite types,
partitioned or inheriting tables) stays in its schema, and the writer
lists it as unsupported, as before: one line per object.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from generator.pg.introspect import Database

PUBLIC = "public"


def _foldable_table(r: Any) -> bool:
    return (r.kind == "r" and not r.extension and not r.partition and not r.parents and not r.inheritance
            and not r.triggers and not r.policies and not r.rules)


def fold(db: Database) -> dict[str, str | None]:
    """Rename, in ``db``, the tables and enums of every read schema but public into public as
    ``schema.name``; return the folded schemas (name -> comment), in name order."""
    schemas = {name: comment for name, comment, _grant in db.schemas  # grants: schemas_block writes them
               if name != PUBLIC and name not in db.unread_schemas}
    if not schemas:
        return {}

    def canonical(schema: str | None, name: str | None) -> str | None:
        return f"{schema}.{name}" if schema in schemas and name is not None else name

    tables = {(r.schema, r.name) for r in db.relations if r.schema in schemas and _foldable_table(r)}
    enums = {(t.schema, t.name) for t in db.types if t.schema in schemas and t.kind == "e" and not t.extension}
    identity = {(s.schema, s.name) for s in db.sequences
                if s.dependency == "i" and s.owner_table and tuple(s.owner_table.split(".", 1)) in tables}
    free = {(s.schema, s.name) for s in db.sequences if s.schema in schemas and s.dependency != "i"
            and (s.owner_table is None or tuple(s.owner_table.split(".", 1)) in tables)}
    for r in db.relations:
        r.columns = [_column(c, enums, canonical) for c in r.columns]
        r.constraints = [
            replace(k, ref_schema=PUBLIC, ref_table=canonical(k.ref_schema, k.ref_table))
            if (k.ref_schema, k.ref_table) in tables else k
            for k in r.constraints
        ]
        if (r.schema, r.name) in tables:
            r.constraints = [_not_null(k, r.name, f"{r.schema}.{r.name}") for k in r.constraints]
        if (r.schema, r.name) in tables or (r.kind == "S" and (r.schema, r.name) in identity | free):
            r.schema, r.name = PUBLIC, f"{r.schema}.{r.name}"
    db.types[:] = [replace(t, schema=PUBLIC, name=f"{t.schema}.{t.name}") if (t.schema, t.name) in enums else t
                   for t in db.types]
    db.sequences[:] = [_sequence(s, tables, free) for s in db.sequences]
    db.schemas[:] = [s for s in db.schemas if s[0] not in schemas or _left_in(db, s[0])]
    return dict(sorted(schemas.items()))


def _not_null(k: Any, bare: str, folded: str) -> Any:
    """PostgreSQL 18's NOT NULL constraint of a folded table under the name the writer takes
    for the default one (``<table>_<column>_not_null``, with the folded table name): the
    default stays a default. Only the writer reads the name; the spec never writes it."""
    column = k.columns[0] if k.columns else ""
    if k.type == "n" and k.name == f"{bare}_{column}_not_null":
        return replace(k, name=f"{folded}_{column}_not_null")
    return k


def _column(c: Any, enums: set[tuple[str, str]], canonical: Any) -> Any:
    changes: dict[str, Any] = {}
    if (c.type_schema, c.type_name) in enums:
        changes.update(type_schema=PUBLIC, type_name=canonical(c.type_schema, c.type_name))
    if (c.element_schema, c.element_name) in enums:
        changes.update(element_schema=PUBLIC, element_name=canonical(c.element_schema, c.element_name))
    return replace(c, **changes) if changes else c


def _sequence(s: Any, tables: set[tuple[str, str]], free: set[tuple[str, str]]) -> Any:
    """An identity sequence goes with its table: ``public.billing.invoices`` owns
    ``billing.invoices_id_seq`` (the name identity_sequence_name gives); a sequence of its own
    (``free``) becomes ``billing.invoice_no``, owned by its folded table if it is owned."""
    if (s.schema, s.name) in free:
        owner = f"{PUBLIC}.{s.owner_table}" if s.owner_table else None
        return replace(s, schema=PUBLIC, name=f"{s.schema}.{s.name}", owner_table=owner)
    if s.owner_table is None or s.dependency != "i":
        return s
    schema, _, table = s.owner_table.partition(".")
    if (schema, table) not in tables:
        return s
    return replace(s, schema=PUBLIC, name=f"{s.schema}.{s.name}", owner_table=f"{PUBLIC}.{schema}.{table}")


def _left_in(db: Database, schema: str) -> bool:
    """Whether anything is left in ``schema`` after folding (then the writer refuses it)."""
    return any(r.schema == schema and not r.extension for r in db.relations) or any(
        t.schema == schema and not t.extension for t in db.types) or any(s == schema for s, _n, _k in db.routines)


def schemas_block(folded: dict[str, str | None], access: Any = None, roles: set[str] | None = None) -> dict[str, Any]:
    """The ``schemas:`` section: each folded schema with its comment and grants, and public
    when its grants are not PostgreSQL's default (USAGE to PUBLIC): ``access`` is the
    database's ``AccessState`` (generator.pg.catalog_access); ``roles`` collects the grantees."""
    from generator.adopt.write_access import schema_grants

    out: dict[str, Any] = {}
    public: dict[str, Any] = {}
    if access is not None:
        schema_grants(access, PUBLIC, public, roles if roles is not None else set())
    if public:
        out[PUBLIC] = public
    for name, comment in folded.items():
        body: dict[str, Any] = {"comment": comment} if comment else {}
        if access is not None:
            schema_grants(access, name, body, roles if roles is not None else set())
        out[name] = body
    return out
