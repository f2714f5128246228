"""Spec -> SQLAlchemy MetaData. Pure: no files, no database.

Every constraint and index gets its final name from ``generator.spec.naming`` wrapped in
``conv()``, so SQLAlchemy and Alembic use it verbatim; the MetaData also carries the same
naming convention for anything Alembic names itself. The spec rides along in
``metadata.info["spec"]`` for code (the revision renderer, drift) that needs what SQLAlchemy
can't hold: enum comments, extensions, append-only guards.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.sql.elements import conv

from generator.schema import functions_ddl, guards, index_forms_ddl, partitioning
from generator.schema.domains_ddl import computed, domain_type
from generator.schema.opaque_sa import needs_opaque, opaque_type
from generator.schema.sequences_ddl import identity_kwargs
from generator.spec import naming
from generator.spec.functions_sql import identity
from generator.spec.model import NO_DEFAULT, ColumnSpec, IndexSpec, Spec, TableSpec
from generator.spec.namespaces import split_in
from generator.spec.source import gc_paused
from generator.spec.types import ColumnType, literal_sql

_SIMPLE: dict[str, Any] = {
    "smallint": sa.SmallInteger,
    "integer": sa.Integer,
    "bigint": sa.BigInteger,
    "real": pg.REAL,
    "double precision": pg.DOUBLE_PRECISION,
    "text": sa.Text,
    "citext": pg.CITEXT,
    "boolean": sa.Boolean,
    "uuid": lambda: pg.UUID(as_uuid=True),
    "jsonb": pg.JSONB,
    "json": pg.JSON,
    "date": sa.Date,
    "time": pg.TIME,
    "timestamptz": lambda: pg.TIMESTAMP(timezone=True),
    "timestamp": lambda: pg.TIMESTAMP(timezone=False),
    "interval": pg.INTERVAL,
    "bytea": pg.BYTEA,
    "inet": pg.INET,
    "cidr": pg.CIDR,
    "macaddr": pg.MACADDR,
}

_ACTIONS = {"restrict": "RESTRICT", "cascade": "CASCADE", "set null": "SET NULL",
            "set default": "SET DEFAULT", "no action": None}


def build_metadata(spec: Spec) -> sa.MetaData:
    """The whole schema as SQLAlchemy MetaData, in the spec's table order."""
    from generator import qualnames

    # qualnames.known: a domain or type in another schema is named with it (generator.qualnames)
    with gc_paused(), qualnames.known(spec.schemas):  # tens of thousands of SQLAlchemy objects: see gc_paused
        md = sa.MetaData(naming_convention=dict(naming.NAMING_CONVENTION))
        md.info["spec"] = spec
        enums = {
            name: pg.ENUM(*e.values, name=split_in(spec, name)[1], schema=split_in(spec, name)[0], metadata=md, create_type=True)
            for name, e in spec.enums.items()
        }
        for table in spec.tables.values():
            _table(md, spec, table, enums)
        for table in spec.tables.values():
            _foreign_keys(md, table)
        partitioning.add_inheritance(md, spec)
        attach_extras(md, spec)
    return md


def sa_type(ctype: ColumnType, enums: dict[str, pg.ENUM], collation: str | None = None) -> sa.types.TypeEngine:
    if needs_opaque(ctype, collation):
        return opaque_type(ctype, collation)
    if ctype.enum:
        inner: Any = enums[ctype.base]
    elif ctype.domain:
        inner = domain_type(ctype.base)
    elif ctype.base == "varchar":
        inner = sa.String(ctype.length)
    elif ctype.base == "char":
        inner = pg.CHAR(ctype.length)
    elif ctype.base == "numeric":
        inner = sa.Numeric(ctype.length, ctype.scale)
    else:
        inner = _SIMPLE[ctype.base]()
    return pg.ARRAY(inner) if ctype.array else inner


def ddl_dialect() -> pg.dialect:
    """The PostgreSQL dialect to compile DDL that is sent as it is (``materialize``): the
    ``named`` paramstyle, so ``%`` is not doubled (psycopg's ``pyformat`` would double it, and
    only a driver reading the text as a format string undoes that), and no backslash
    doubling in string literals (the default before a dialect has seen a server's
    ``standard_conforming_strings``, on since PostgreSQL 9.1)."""
    dialect = pg.dialect(paramstyle="named")
    dialect._backslash_escapes = False
    return dialect


def sql_text(sql: str) -> sa.sql.elements.TextClause:
    """SQL written by hand as a TextClause, with ``:name`` never read as a bind parameter
    (a jsonb default ``'{"a":1}'`` or a CHECK on ``' :x'`` would silently render as NULL)."""
    return sa.text(sql.replace(":", "\\:"))


def server_default(col: ColumnSpec) -> sa.sql.elements.TextClause | None:
    if col.default_sql is not None:
        return sql_text(col.default_sql)
    if col.default is NO_DEFAULT or col.ctype is None:
        return None
    return sql_text(literal_sql(col.ctype, col.default))


def _column(spec: Spec, col: ColumnSpec, enums: dict[str, pg.ENUM]) -> sa.Column:
    assert col.ctype is not None, f"unvalidated spec: {col.name} has an unknown type"
    args: list[Any] = [col.name, sa_type(col.ctype, enums, col.collation)]
    if col.identity is not None:
        args.append(sa.Identity(always=col.identity == "always", **identity_kwargs(col)))
    if col.generated is not None:
        args.append(computed(col.generated, sql_text(col.generated.sql)))
    return sa.Column(
        *args,
        autoincrement="auto" if col.identity is not None else False,  # no implicit SERIAL
        nullable=col.nullable,
        server_default=server_default(col),
        comment=col.comment or None,
    )


def _table(md: sa.MetaData, spec: Spec, table: TableSpec, enums: dict[str, pg.ENUM]) -> sa.Table:
    items: list[Any] = [_column(spec, c, enums) for c in table.columns.values()]
    if table.primary_key:  # primary_key: [] is a table without one
        items.append(sa.PrimaryKeyConstraint(*table.primary_key, name=conv(table.primary_key_name), **_key_options(
            table.pk_deferrable, table.pk_initially_deferred, table.pk_include)))
    for u in table.uniques:
        kw = {"postgresql_nulls_not_distinct": True} if u.nulls_not_distinct else {}
        kw.update(_key_options(u.deferrable, u.initially_deferred, u.include))
        items.append(sa.UniqueConstraint(*u.columns, name=conv(u.name), **kw))
    for ck in table.checks:
        if not index_forms_ddl.is_late_check(ck):  # NOT VALID / NO INHERIT: ddl_script adds them
            items.append(sa.CheckConstraint(sql_text(ck.sql), name=conv(ck.name)))
    items.extend(_index(None, ix) for ix in table.indexes if not _on_own_columns(table, ix))
    schema, bare = split_in(spec, table.name)  # md.tables key: schema.name, the spec's canonical name
    t = sa.Table(bare, md, *items, schema=schema, comment=table.comment or None, **partitioning.table_kwargs(table))
    for ix in table.indexes:
        if _on_own_columns(table, ix):
            _index(t, ix)
    return t


def _key_options(deferrable: bool, initially_deferred: bool, include: tuple[str, ...]) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if deferrable:
        kw["deferrable"] = True
        kw["initially"] = "DEFERRED" if initially_deferred else "IMMEDIATE"
    if include:
        kw["postgresql_include"] = list(include)
    return kw


def _foreign_keys(md: sa.MetaData, table: TableSpec) -> None:
    """The table's foreign keys, added once every table exists. Columns are given as Column
    objects, never as ``"table.column"`` strings, which SQLAlchemy splits at every dot."""
    t = md.tables[table.name]
    for fk in table.fks:
        target = md.tables[fk.ref_table]
        t.append_constraint(
            sa.ForeignKeyConstraint(
                [t.c[c] for c in fk.columns],
                [target.c[c] for c in fk.ref_columns],
                name=conv(fk.name),
                ondelete=_ACTIONS[fk.on_delete],
                onupdate=_ACTIONS[fk.on_update],
                deferrable=fk.deferrable,
                initially="DEFERRED" if fk.initially_deferred else None,
                match=fk.match.upper() if fk.match else None,
            )
        )


def _on_own_columns(table: TableSpec, ix: IndexSpec) -> bool:
    """A plain index on the table's own columns: built from Column objects. Any other (index
    forms, or an inheriting table's index on a column it inherits, which is not among its
    ``columns:``) is built from text elements."""
    return index_forms_ddl.is_plain(ix) and all(c.name in table.columns for c in ix.columns)


def _index(t: sa.Table | None, ix: IndexSpec) -> sa.Index:
    """The index; with ``t`` None, one of text elements (generator.schema.index_forms_ddl),
    to be passed to the Table."""
    kw: dict[str, Any] = index_forms_ddl.index_options(ix)
    if ix.using != "btree":
        kw["postgresql_using"] = ix.using
    if ix.where:
        kw["postgresql_where"] = sql_text(ix.where)
    if t is None:
        return sa.Index(conv(ix.name), *index_forms_ddl.text_elements(ix), unique=ix.unique, **kw)
    exprs: list[Any] = []
    for c in ix.columns:
        e: Any = t.c[c.name]
        if c.descending:
            e = e.desc()
        if c.nulls == "first":
            e = e.nulls_first()
        elif c.nulls == "last":
            e = e.nulls_last()
        exprs.append(e)
    return sa.Index(conv(ix.name), *exprs, unique=ix.unique, **kw)


def attach_extras(md: sa.MetaData, spec: Spec) -> None:
    """create_all/drop_all hooks for DDL outside SQLAlchemy's model."""
    from generator import qualnames

    with qualnames.known(spec.schemas):  # a type in another schema is "billing"."address"
        _attach_extras(md, spec)


def _attach_extras(md: sa.MetaData, spec: Spec) -> None:
    for name in spec.extensions:
        event.listen(md, "before_create", sa.DDL(guards.create_extension(name)))
    # sa.DDL text is a Python %-format string (DDL % context): "%%" is one "%" once formatted.
    for statement in guards.enum_comments(spec):
        event.listen(md, "after_create", sa.DDL(statement.replace("%", "%%")))
    from generator.spec.user_types import create_type_sql, types_in_order

    for t in types_in_order(spec.types):  # types: before the tables that use them
        event.listen(md, "before_create", sa.DDL(create_type_sql(t).replace("%", "%%")))
    partitioning.attach_partition_ddl(md, spec)
    for table in spec.tables.values():
        if table.append_only:  # its function and triggers are the spec's (generator.spec.append_only)
            _append_only_hooks(md.tables[table.name], spec, table.name)
        if table.hash_chain is not None:
            t = md.tables[table.name]
            for statement in guards.chain_guard_for(table):
                event.listen(t, "after_create", sa.DDL(statement.replace("%", "%%")))
            event.listen(t, "after_drop", sa.DDL(guards.chain_guard_drop(table.name)[-1].replace("%", "%%")))


def _append_only_hooks(t: sa.Table, spec: Spec, table: str) -> None:
    """create_all/drop_all hooks of the append-only guard of ``table``: the function and the
    two triggers ``generator.spec.append_only`` added to the spec, built as any of its
    functions and triggers (generator.schema.functions_ddl)."""
    fn = spec.functions[naming.append_only_function(table)]
    for statement in functions_ddl.function_statements(spec, fn) + functions_ddl.guard_triggers(spec, table):
        event.listen(t, "after_create", sa.DDL(statement.replace("%", "%%")))
    event.listen(t, "after_drop", sa.DDL(f"DROP FUNCTION IF EXISTS {identity(fn)}".replace("%", "%%")))
