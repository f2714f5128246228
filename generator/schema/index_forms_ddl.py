"""DDL of the index and constraint forms (``generator.spec.index_forms``). Pure.

An index whose items hold an expression, an operator class or a collation is built as a
SQLAlchemy Index of text elements, each rendered here from validated parts: the expression
passed ``generator.spec.sql_fragments`` (one expression, parenthesised), names are quoted
part by part, storage parameters are plain names and quoted literal values. Exclusion
constraints, and CHECKs that are NOT VALID or NO INHERIT, are ALTER TABLE statements run after
the table exists (PostgreSQL ignores NOT VALID in CREATE TABLE), as pg_dump writes them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from generator.spec import naming
from generator.spec.index_forms import OPERATOR, ExclusionSpec
from generator.spec.model import CheckSpec, IndexColumn, IndexSpec, TableSpec

q = naming.quote_ident


def qualified(name: str) -> str:
    """``schema.name`` or ``name`` (validated by the spec checks) quoted part by part."""
    return ".".join(q(part) for part in name.split("."))


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def params_sql(params: tuple[tuple[str, str], ...]) -> str:
    """``(fillfactor='70', ...)`` from validated names and values."""
    return "(" + ", ".join(f"{name} = {_literal(value)}" for name, value in params) + ")"


def element_sql(item: Any) -> str:
    """One index (or exclusion) element: ``(expr) COLLATE c opclass (params) DESC NULLS LAST``."""
    expression = getattr(item, "expression", None)
    column = getattr(item, "column", None) if not isinstance(item, IndexColumn) else item.name
    text = f"({expression})" if expression is not None else q(column or "")
    if item.collation:
        text += f" COLLATE {qualified(item.collation)}"
    if item.opclass:
        text += f" {qualified(item.opclass)}"
        params = getattr(item, "opclass_params", ())
        if params:
            text += " " + params_sql(params)
    if item.descending:
        text += " DESC"
    if item.nulls:
        text += f" NULLS {item.nulls.upper()}"
    return text


def is_plain(ix: IndexSpec) -> bool:
    """Whether every item is a bare column (SQLAlchemy column objects express it)."""
    return all(c.expression is None and c.opclass is None and c.collation is None for c in ix.columns)


def index_options(ix: IndexSpec) -> dict[str, Any]:
    """The postgresql_* keyword arguments of an index's INCLUDE, NULLS NOT DISTINCT and WITH."""
    kw: dict[str, Any] = {}
    if ix.include:
        kw["postgresql_include"] = list(ix.include)
    if ix.nulls_not_distinct:
        kw["postgresql_nulls_not_distinct"] = True
    if ix.with_params:
        kw["postgresql_with"] = {name: _literal(value) for name, value in ix.with_params}
    return kw


def text_elements(ix: IndexSpec) -> list[sa.TextClause]:
    """The items as text elements (``:`` never read as a bind parameter)."""
    return [sa.text(element_sql(c).replace(":", "\\:")) for c in ix.columns]


def operator_sql(operator: str) -> str:
    m = OPERATOR.match(operator)
    if m is None:  # the spec checks refused it
        raise ValueError(f"not an operator: {operator!r}")
    return f"OPERATOR({q(m.group(1))}.{m.group(2)})" if m.group(1) else m.group(2)


def exclusion_sql(ex: ExclusionSpec) -> str:
    """ALTER TABLE ... ADD CONSTRAINT ... EXCLUDE USING ... (...) [INCLUDE] [WITH] [WHERE] [DEFERRABLE]."""
    elements = ", ".join(f"{element_sql(el)} WITH {operator_sql(el.operator)}" for el in ex.elements)
    sql = f"ALTER TABLE {q(ex.table)} ADD CONSTRAINT {q(ex.name)} EXCLUDE USING {q(ex.using)} ({elements})"
    if ex.include:
        sql += " INCLUDE (" + ", ".join(map(q, ex.include)) + ")"
    if ex.with_params:
        sql += " WITH " + params_sql(ex.with_params)
    if ex.where is not None:
        sql += f" WHERE ({ex.where})"
    if ex.deferrable:
        sql += " DEFERRABLE INITIALLY DEFERRED" if ex.initially_deferred else " DEFERRABLE"
    return sql


def is_late_check(ck: CheckSpec) -> bool:
    """A CHECK added after CREATE TABLE: NOT VALID (ignored inside CREATE TABLE) or NO INHERIT."""
    return ck.not_valid or ck.no_inherit


def check_sql(ck: CheckSpec) -> str:
    sql = f"ALTER TABLE {q(ck.table)} ADD CONSTRAINT {q(ck.name)} CHECK ({ck.sql})"
    if ck.no_inherit:
        sql += " NO INHERIT"
    if ck.not_valid:
        sql += " NOT VALID"
    return sql


def late_statements(table: TableSpec) -> list[str]:
    """What ddl_script adds once the table exists: its late CHECKs and exclusion constraints."""
    return [check_sql(ck) for ck in table.checks if is_late_check(ck)] + [exclusion_sql(ex) for ex in table.exclusions]
