"""Domains and generated columns in SQLAlchemy terms, and the DDL of domains. Pure.

A domain column's type is a ``postgresql.DOMAIN`` that is never created by SQLAlchemy
(``create_type=False``): ``ddl_script`` creates the domains itself (``create_domains``),
after the enums and before the tables, in the order ``generator.spec.domains`` gives (a domain
over another after it). A generated column carries ``sa.Computed`` (STORED), or
``VirtualComputed``, which compiles to ``GENERATED ALWAYS AS (...) VIRTUAL`` (PostgreSQL 18),
a form SQLAlchemy 2.0 refuses for PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.ext.compiler import compiles

from generator import qualnames
from generator.spec import naming
from generator.spec.domains import DomainSpec, GeneratedSpec
from generator.spec.model import Spec
from generator.spec.types import literal_sql


def domain_type(name: str) -> pg.DOMAIN:
    """The column type that names domain ``name`` (created by ``create_domains``, not SQLAlchemy)."""
    schema, bare = qualnames.split(name)  # billing.money_try: in schema billing
    return pg.DOMAIN(bare, sa.types.NullType(), create_type=False, schema=None if schema == qualnames.PUBLIC else schema)


class VirtualComputed(sa.Computed):
    """``GENERATED ALWAYS AS (sql) VIRTUAL`` (PostgreSQL 18)."""

    inherit_cache = True

    def _copy(self, **kw: Any) -> sa.Computed:
        """A copy that stays virtual (``Computed._copy`` makes a plain, STORED, Computed;
        Alembic copies the columns of the tables it orders)."""
        copied = super()._copy(**kw)
        return self._schema_item_copy(VirtualComputed(copied.sqltext))


@compiles(VirtualComputed, "postgresql")
def _virtual(element: VirtualComputed, compiler: Any, **kw: Any) -> str:
    sql = compiler.sql_compiler.process(element.sqltext, include_table=False, literal_binds=True)
    return f"GENERATED ALWAYS AS ({sql}) VIRTUAL"


def computed(generated: GeneratedSpec, sql: sa.TextClause) -> sa.Computed:
    """The column's ``Computed``; ``sql`` is ``generated.sql`` as ``metadata.sql_text`` made it."""
    if generated.stored:
        return sa.Computed(sql, persisted=True)
    return VirtualComputed(sql)


def create_domain_sql(spec: Spec, d: DomainSpec) -> str:
    """CREATE DOMAIN for ``d``: base type, COLLATE, DEFAULT, NOT NULL, named CHECKs."""
    q = naming.quote_ident
    assert d.ctype is not None, f"unvalidated spec: domain {d.name} has an unknown type"
    parts = [f"CREATE DOMAIN {qualnames.ref(d.name)} AS {type_sql(d.ctype.sql(), d.ctype)}"]
    if d.collation:
        parts.append(f"COLLATE {q(d.collation)}")
    default = domain_default_sql(spec, d)
    if default is not None:
        parts.append(f"DEFAULT {default}")
    if not d.nullable:
        parts.append("NOT NULL")
    parts += [f"CONSTRAINT {q(ck.name)} CHECK ({ck.sql})" for ck in d.checks]
    return " ".join(parts)


def type_sql(text: str, ctype: Any) -> str:
    """A ColumnType as DDL: an enum's or domain's name quoted (it may be any identifier)."""
    if ctype.enum or ctype.domain:
        return qualnames.ref(ctype.base) + ("[]" if ctype.array else "")
    return text


def domain_default_sql(spec: Spec, d: DomainSpec) -> str | None:
    from generator.spec.domains import root_type

    if d.default_sql is not None:
        return d.default_sql
    if not d.has_literal_default or d.ctype is None:
        return None
    root = root_type(spec, d.ctype)
    return literal_sql(root or d.ctype, d.default)


def create_domains(spec: Spec) -> list[str]:
    """Every domain's CREATE DOMAIN and COMMENT ON DOMAIN, in creation order."""
    out = []
    for d in spec.domains.values():
        out.append(create_domain_sql(spec, d))
        if d.comment:
            out.append(f"COMMENT ON DOMAIN {qualnames.ref(d.name)} IS {_literal(d.comment)}")
    return out


def _literal(text: str) -> str:
    from generator.spec.types import quote_literal

    return quote_literal(text)
