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
none), and so are views and materialized views, functions, procedures and aggregates (with
the names their definitions and an aggregate's sfunc give), triggers on folded tables and
views, domains, and composite and range types (a column, a domain's base or a composite's
attribute of such a type names it ``billing.money_try``). What is not folded (partitioned or
inheriting tables) stays in its schema, and the writer lists it as
unsupported, as before: one line per object. Functions and triggers of a schema that is not
folded are left to that listing (``db.routines``) and never reach the function writer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from generator.pg.introspect import Database

PUBLIC = "public"


def _foldable_table(r: Any) -> bool:
    return (r.kind == "r" and not r.extension and not r.partition and not r.parents and not r.inheritance
            and not r.policies and not r.rules)


def fold(db: Database) -> dict[str, str | None]:
    """Rename, in ``db``, the tables and enums of every read schema but public into public as
    ``schema.name``; return the folded schemas (name -> comment), in name order."""
    schemas = {name: comment for name, comment, _grant in db.schemas  # grants: schemas_block writes them
               if name != PUBLIC and name not in db.unread_schemas}
    if not schemas:
        _public_routines_only(db)
        return {}

    def canonical(schema: str | None, name: str | None) -> str | None:
        return f"{schema}.{name}" if schema in schemas and name is not None else name

    tables = {(r.schema, r.name) for r in db.relations if r.schema in schemas and _foldable_table(r)}
    views = {(r.schema, r.name) for r in db.relations if r.schema in schemas and r.kind in ("v", "m") and not r.extension}
    enums = {(t.schema, t.name) for t in db.types if t.schema in schemas and t.kind in ("e", "d", "c", "r")
             and not t.extension}  # every user type the spec can name: enums, domains, composite and range types
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
        if (r.schema, r.name) in tables | views or (r.kind == "S" and (r.schema, r.name) in identity | free):
            r.schema, r.name = PUBLIC, f"{r.schema}.{r.name}"
    db.types[:] = [replace(t, schema=PUBLIC, name=f"{t.schema}.{t.name}") if (t.schema, t.name) in enums else t
                   for t in db.types]
    _fold_code(db, schemas, tables | views, enums)
    db.sequences[:] = [_sequence(s, tables, free) for s in db.sequences]
    db.schemas[:] = [s for s in db.schemas if s[0] not in schemas or _left_in(db, s[0])]
    return dict(sorted(schemas.items()))


def _fold_code(db: Database, schemas: dict[str, str | None], relations: set[tuple[str, str]],
               types: set[tuple[str, str]]) -> None:
    """Views' reads, domains, composite and range types, functions and triggers of the folded
    schemas, under public's ``schema.name``."""
    def rel(text: str) -> str:  # "billing.invoices" (schema.relation) as the writer reads it
        schema, _, name = text.partition(".")
        return f"{PUBLIC}.{schema}.{name}" if (schema, name) in relations else text

    def fn(text: str) -> str:  # "billing.f(args)"
        schema, _, rest = text.partition(".")
        return f"{PUBLIC}.{schema}.{rest}" if schema in schemas else text

    for info in db.views.values():
        info.reads = sorted(rel(r) for r in info.reads)
        info.functions = sorted(fn(f) for f in info.functions)
    db.domains[:] = [_domain(d, types) for d in db.domains]
    db.composites = {_type_key(k, types): [_typed(a, types) for a in v] for k, v in db.composites.items()}
    db.ranges = {_type_key(k, types): _range(v, schemas) for k, v in db.ranges.items()}
    db.functions[:] = [_function(f, schemas) for f in db.functions if f.schema in schemas or f.schema == PUBLIC]
    db.triggers[:] = [_trigger(t, schemas, relations) for t in db.triggers
                      if t.table_schema == PUBLIC or (t.table_schema, t.table) in relations]
    db.routines[:] = [(PUBLIC, f"{s}.{n}", k) if s in schemas else (s, n, k) for s, n, k in db.routines]


def _public_routines_only(db: Database) -> None:
    """Nothing folded: the function writer sees public's functions and triggers only."""
    db.functions[:] = [f for f in db.functions if getattr(f, "schema", PUBLIC) == PUBLIC]
    db.triggers[:] = [t for t in db.triggers if getattr(t, "table_schema", PUBLIC) == PUBLIC]


def _type_key(key: str, types: set[tuple[str, str]]) -> str:
    schema, _, name = key.partition(".")
    return f"{PUBLIC}.{schema}.{name}" if (schema, name) in types else key


def _typed(a: Any, types: set[tuple[str, str]]) -> Any:
    """A composite's attribute of a folded type: schema public (its format_type text already
    reads ``billing.money_try``)."""
    return replace(a, type_schema=PUBLIC) if (a.type_schema, a.formatted.rsplit(".", 1)[-1].strip('"')) in types else a


def _range(r: Any, schemas: dict[str, str | None]) -> Any:
    """A range of a folded schema: its multirange (created beside it) named like it."""
    if r.multirange_schema in schemas and r.multirange:
        return replace(r, multirange=f"{r.multirange_schema}.{r.multirange}", multirange_schema=PUBLIC)
    return r


def _domain(d: Any, types: set[tuple[str, str]]) -> Any:
    changes: dict[str, Any] = {}
    if (d.schema, d.name) in types:
        changes.update(schema=PUBLIC, name=f"{d.schema}.{d.name}")
    if (d.type_schema, d.type_name) in types:
        changes.update(type_schema=PUBLIC, type_name=f"{d.type_schema}.{d.type_name}")
    return replace(d, **changes) if changes else d


def _function(f: Any, schemas: dict[str, str | None]) -> Any:
    if f.schema not in schemas:
        return f
    return replace(f, schema=PUBLIC, name=f"{f.schema}.{f.name}", identity=f"{f.schema}.{f.identity}")


def _trigger(t: Any, schemas: dict[str, str | None], relations: set[tuple[str, str]]) -> Any:
    changes: dict[str, Any] = {}
    if (t.table_schema, t.table) in relations:
        changes.update(table_schema=PUBLIC, table=f"{t.table_schema}.{t.table}")
    if t.function_schema in schemas:
        changes.update(function_schema=PUBLIC, function=f"{t.function_schema}.{t.function}")
    return replace(t, **changes) if changes else t


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
