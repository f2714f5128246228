"""The DDL script that creates the spec's schema in an empty database. Pure.

The CREATE statements SQLAlchemy would issue (plus the extras SQLAlchemy can't express),
compiled once; ``generator.drift.materialize`` sends them with ``execute_ddl``: each statement on its own over the extended
query protocol (psycopg's pipeline mode, still one round trip), which refuses more than one
statement per message, so no text from the spec can end a statement and start another
(issue 12). The text is sent as it is: compiled with ``metadata.ddl_dialect`` (no ``%``
doubling, no backslash doubling) and never read for bind parameters, so ``%``, ``\\``,
``:name`` and ``$1`` in a comment, CHECK, default or WHERE reach the catalog exactly as written.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.schema import CreateIndex, CreateTable, SetColumnComment, SetTableComment

from generator import qualnames
from generator.schema import access_ddl, functions_ddl, guards, index_forms_ddl, sequences_ddl
from generator.schema.domains_ddl import create_domains
from generator.schema.late_ddl import late_statements
from generator.schema.metadata import build_metadata, ddl_dialect
from generator.spec import namespaces, naming
from generator.spec.model import Spec
from generator.spec.partitions import partition_ddl
from generator.spec.user_types import create_type_sql, type_comment_sql, types_in_order


def user_types_ddl(spec: Spec) -> list[str]:
    """CREATE TYPE (and COMMENT ON TYPE) for ``types:``, used types first."""
    out: list[str] = []
    for t in types_in_order(spec.types):
        out.append(create_type_sql(t))
        comment = type_comment_sql(t)
        if comment:
            out.append(comment)
    return out


def ddl_script(spec: Spec, metadata: sa.MetaData | None = None) -> list[str]:
    """Every statement needed to create the spec's schema in an empty database, in order."""
    with qualnames.known(spec.schemas):  # billing.touch is "billing"."touch" (generator.qualnames)
        return _ddl_script(spec, metadata)


def _ddl_script(spec: Spec, metadata: sa.MetaData | None = None) -> list[str]:
    md = metadata if metadata is not None else build_metadata(spec)
    dialect = ddl_dialect()
    out = namespaces.schema_ddl(spec)  # CREATE SCHEMA first: everything else may live in one
    out += access_ddl.roles_first(spec)  # the roles grants and policies name (generator.schema.access_ddl)
    out += [guards.create_extension(e) for e in spec.extensions]
    for name, enum in spec.enums.items():
        values = ", ".join(guards.quote_literal(v) for v in enum.values)
        out.append(f"CREATE TYPE {namespaces.qualified_sql(spec, name)} AS ENUM ({values})")
    out += guards.enum_comments(spec)
    out += user_types_ddl(spec)  # types: after enums (they may use them), before tables
    out += sequences_ddl.before_tables(spec)
    out += create_domains(spec)  # after the enums (a domain may be over one), before the tables
    out += functions_ddl.before_tables(spec)  # functions: a default or CHECK may call one
    for table in _sorted_tables(md):
        # include_foreign_key_constraints=[]: FKs are added after all tables (cycles are fine then).
        out.append(str(CreateTable(table, include_foreign_key_constraints=[]).compile(dialect=dialect)).strip())
        if table.comment:
            out.append(str(SetTableComment(table).compile(dialect=dialect)))
        for col in table.columns:
            if col.comment:
                out.append(str(SetColumnComment(col).compile(dialect=dialect)))
        spec_table = spec.tables.get(table.fullname)  # schema.name outside public
        if spec_table is not None and spec_table.partitions:
            out += partition_ddl(spec_table)  # before the indexes: PostgreSQL names the partitions' copies alike
        for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
            out.append(str(CreateIndex(index).compile(dialect=dialect)))
        if spec_table is not None:
            out += index_forms_ddl.late_statements(spec_table)
        if spec_table is not None and spec_table.hash_chain is not None:
            out += guards.chain_guard_for(spec_table)
        out += functions_ddl.table_triggers(spec, table.fullname)  # the canonical name (billing.x is not x); append_only's too
    out += sequences_ddl.after_tables(spec)
    out += foreign_keys(spec)
    out += late_statements(spec)  # late functions and views, each after what it reads (generator.schema.late_ddl)
    out += access_ddl.last(spec)  # RLS, policies, grants, default privileges: after what they name
    return out


def _sorted_tables(md: sa.MetaData) -> list[sa.Table]:
    """The tables in dependency order. A foreign-key cycle (staff <-> store) makes SQLAlchemy
    warn that it cannot sort them; the script adds every foreign key after all tables, so the
    order does not matter there and the warning (printed on stderr by import and generate)
    says nothing to the user."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Cannot correctly sort tables", sa.exc.SAWarning)
        return md.sorted_tables


def foreign_keys(spec: Spec) -> list[str]:
    """ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY, rendered from the spec.

    Not via SQLAlchemy's AddConstraint: constructing one marks the constraint as created
    separately, which would silently drop it from a later create_all of the same metadata.
    """
    q = naming.quote_ident
    out = []
    for table in spec.tables.values():
        for fk in table.fks:
            sql = (
                f"ALTER TABLE {namespaces.qualified_sql(spec, table.name)} ADD CONSTRAINT {q(fk.name)} "
                f"FOREIGN KEY ({', '.join(map(q, fk.columns))}) "
                f"REFERENCES {namespaces.qualified_sql(spec, fk.ref_table)} ({', '.join(map(q, fk.ref_columns))})"
            )
            if fk.match:
                sql += f" MATCH {fk.match.upper()}"
            sql += f" ON DELETE {fk.on_delete.upper()}"
            if fk.on_update != "no action":
                sql += f" ON UPDATE {fk.on_update.upper()}"
            if fk.deferrable:
                sql += " DEFERRABLE INITIALLY DEFERRED" if fk.initially_deferred else " DEFERRABLE"
            if fk.not_valid:
                sql += " NOT VALID"
            out.append(sql)
    return out
