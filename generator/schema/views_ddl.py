"""The DDL of views and materialized views (generator.spec.views). Pure.

In the spec's script (``generator.schema.ddl.ddl_script``) views come last, after the tables
and their keys, each after the views it reads (``generator.spec.views.creation_order``). The
query is the spec's text, which ``generator.spec.view_sql`` proved is exactly one SELECT that
stays one SELECT after ``CREATE VIEW ... AS``; every name is quoted, every comment a literal.
"""

from __future__ import annotations

from generator.qualnames import ref
from generator.schema.index_forms_ddl import element_sql, params_sql
from generator.spec.model import IndexSpec, Spec
from generator.spec.naming import quote_ident as q
from generator.spec.types import quote_literal
from generator.spec.views import ViewSpec, creation_order


def _keyword(v: ViewSpec) -> str:
    return "MATERIALIZED VIEW" if v.materialized else "VIEW"


def create_view(v: ViewSpec, or_replace: bool = False) -> str:
    sql = v.sql.strip()
    if v.materialized:
        return f"CREATE MATERIALIZED VIEW {ref(v.name)} AS\n{sql}\nWITH {'DATA' if v.with_data else 'NO DATA'}"
    options = [f"{key} = true" for key in ("security_barrier", "security_invoker") if getattr(v, key)]
    text = f"CREATE {'OR REPLACE ' if or_replace else ''}VIEW {ref(v.name)}"
    if options:
        text += f" WITH ({', '.join(options)})"
    text += f" AS\n{sql}"
    if v.check_option:
        text += f"\nWITH {v.check_option.upper()} CHECK OPTION"
    return text


def comment_sql(v: ViewSpec) -> list[str]:
    out = []
    if v.comment:
        out.append(f"COMMENT ON {_keyword(v)} {ref(v.name)} IS {quote_literal(v.comment)}")
    for column, comment in v.column_comments:
        out.append(f"COMMENT ON COLUMN {ref(v.name)}.{q(column)} IS {quote_literal(comment)}")
    return out


def index_sql(ix: IndexSpec) -> str:
    text = f"CREATE {'UNIQUE ' if ix.unique else ''}INDEX {q(ix.name)} ON {ref(ix.table)}"
    if ix.using and ix.using != "btree":
        text += f" USING {q(ix.using)}"
    text += " (" + ", ".join(element_sql(c) for c in ix.columns) + ")"
    if ix.include:
        text += " INCLUDE (" + ", ".join(q(c) for c in ix.include) + ")"
    if ix.nulls_not_distinct:
        text += " NULLS NOT DISTINCT"
    if ix.with_params:
        text += f" WITH {params_sql(ix.with_params)}"
    if ix.where:
        text += f" WHERE {ix.where}"
    return text


def view_statements(v: ViewSpec) -> list[str]:
    """CREATE, comments and (materialized) indexes of one view."""
    return [create_view(v), *comment_sql(v), *(index_sql(ix) for ix in v.indexes)]


def after_tables(spec: Spec) -> list[str]:
    """Every view of the spec, in creation order, each followed by its INSTEAD OF triggers."""
    from generator.schema.functions_ddl import table_triggers

    out: list[str] = []
    for v in creation_order(spec.views):
        out += view_statements(v)
        if not v.materialized:
            out += table_triggers(spec, v.name)
    return out
