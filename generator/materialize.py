"""Create the spec's schema in an empty database: what a database "created straight from the spec" means.

One DDL script in one round trip: the CREATE statements SQLAlchemy would issue (plus the
extras SQLAlchemy can't express), compiled once and sent together.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.schema import CreateIndex, CreateTable, SetColumnComment, SetTableComment

from generator import extras, naming
from generator.metadata import build_metadata
from generator.spec.model import Spec


def ddl_script(spec: Spec, metadata: sa.MetaData | None = None) -> list[str]:
    """Every statement needed to create the spec's schema in an empty database, in order."""
    md = metadata if metadata is not None else build_metadata(spec)
    dialect = pg.dialect()
    out = [extras.create_extension(e) for e in spec.extensions]
    for name, enum in spec.enums.items():
        values = ", ".join(extras.quote_literal(v) for v in enum.values)
        out.append(f'CREATE TYPE "{name}" AS ENUM ({values})')
    out += extras.enum_comments(spec)
    for table in md.sorted_tables:
        # include_foreign_key_constraints=[]: FKs are added after all tables (cycles are fine then).
        out.append(str(CreateTable(table, include_foreign_key_constraints=[]).compile(dialect=dialect)).strip())
        if table.comment:
            out.append(str(SetTableComment(table).compile(dialect=dialect)))
        for col in table.columns:
            if col.comment:
                out.append(str(SetColumnComment(col).compile(dialect=dialect)))
        for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
            out.append(str(CreateIndex(index).compile(dialect=dialect)))
        spec_table = spec.tables.get(table.name)
        if spec_table is not None and spec_table.append_only:
            out += extras.append_only_create(table.name)
        if spec_table is not None and spec_table.hash_chain is not None:
            out += extras.chain_guard_for(spec_table)
    out += foreign_keys(spec)
    return out


def foreign_keys(spec: Spec) -> list[str]:
    """ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY, rendered from the spec.

    Not via SQLAlchemy's AddConstraint: constructing one marks the constraint as created
    separately, which would silently drop it from a later create_all of the same metadata.
    """
    out = []
    for table in spec.tables.values():
        for col, ref in table.foreign_keys():
            name = naming.fk_name(table.name, [col.name], ref.table)
            target = spec.referenced_column(ref)
            sql = (
                f'ALTER TABLE "{table.name}" ADD CONSTRAINT "{name}" FOREIGN KEY ("{col.name}") '
                f'REFERENCES "{ref.table}" ("{target}") ON DELETE {ref.on_delete.upper()}'
            )
            if ref.on_update != "no action":
                sql += f" ON UPDATE {ref.on_update.upper()}"
            out.append(sql)
    return out


def materialize(conn: Any, spec: Spec, metadata: sa.MetaData | None = None) -> None:
    """Run the DDL script on ``conn`` (a SQLAlchemy Connection in a transaction).

    On failure (a CHECK or WHERE naming a missing column, a bad expression), raise
    SpecError naming the statement's object and PostgreSQL's message, never the script.
    """
    statements = ddl_script(spec, metadata)
    script = ";\n".join(statements) + ";"
    savepoint = conn.begin_nested()
    try:
        conn.exec_driver_sql(script.replace("%", "%%"))
        savepoint.commit()
        return
    except sa.exc.DBAPIError:
        savepoint.rollback()
    for statement in statements:  # find the culprit, one statement at a time
        try:
            conn.exec_driver_sql(statement.replace("%", "%%"))
        except sa.exc.DBAPIError as exc:
            raise _spec_error(spec, statement, exc) from None


def _spec_error(spec: Spec, statement: str, exc: Exception):
    import re

    from generator.errors import Problem, SpecError

    message = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    where = statement.split("(")[0].strip()[:80]
    path: tuple = ()
    names = re.findall(r"CONSTRAINT (\w+) (?:CHECK|UNIQUE|FOREIGN)[^,]*", statement)
    for name in names:  # pin the failing CHECK when the message names a column it uses
        if name.startswith("ck_"):
            check = next((c for t in spec.tables.values() for c in t.checks if c.name == name), None)
            col = re.search(r'column "([^"]+)"', message)
            if check is not None and col and col.group(1) in check.sql:
                where, path = f"check {check.short_name} on {check.table}", check.path + ("sql",)
                break
    text = f"PostgreSQL refused the spec ({where}): {message}"
    if spec.source is not None:
        return SpecError([spec.source.problem(path, text)])
    return SpecError([Problem(spec.file, 1, 1, text)])
