"""Create the spec's schema in an empty database: what a database "created straight from the spec" means.

The CREATE statements SQLAlchemy would issue (plus the extras SQLAlchemy can't express),
compiled once, and sent with ``execute_ddl``: each statement on its own over the extended
query protocol (psycopg's pipeline mode, still one round trip), which refuses more than one
statement per message, so no text from the spec can end a statement and start another
(issue 12). The text is sent as it is: compiled with ``metadata.ddl_dialect`` (no ``%``
doubling, no backslash doubling) and never read for bind parameters, so ``%``, ``\\``,
``:name`` and ``$1`` in a comment, CHECK, default or WHERE reach the catalog exactly as written.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import CreateIndex, CreateTable, SetColumnComment, SetTableComment

from generator import extras, naming
from generator.metadata import build_metadata, ddl_dialect
from generator.spec.model import Spec


def ddl_script(spec: Spec, metadata: sa.MetaData | None = None) -> list[str]:
    """Every statement needed to create the spec's schema in an empty database, in order."""
    md = metadata if metadata is not None else build_metadata(spec)
    dialect = ddl_dialect()
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


class StatementFailed(Exception):
    """``execute_ddl`` failed on ``statements[index]``; ``error`` is psycopg's exception."""

    def __init__(self, index: int, statement: str, error: Exception) -> None:
        super().__init__(str(error))
        self.index, self.statement, self.error = index, statement, error


def execute_ddl(conn: Any, statements: list[str]) -> None:
    """Run ``statements`` on ``conn`` (a SQLAlchemy Connection in a transaction), each as its
    own extended-protocol message, pipelined: one round trip, one statement per message, the
    text untouched (no paramstyle, no bind parameters). Raise StatementFailed naming the
    first statement PostgreSQL refused; the transaction is then aborted (roll back to a
    savepoint taken before)."""
    import psycopg

    raw = conn.connection.driver_connection
    try:
        with raw.pipeline(), raw.cursor() as cur:
            for statement in statements:
                cur.execute(statement)  # no params: the text is sent as it is
    except psycopg.Error as exc:
        # In a pipeline the error surfaces at the sync, after every statement was queued:
        # run_statements finds the failing one by running them one at a time.
        raise StatementFailed(-1, "", exc) from None


def execute_one(conn: Any, statement: str) -> None:
    """One statement over the extended protocol (binary results force PQsendQueryParams)."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(statement, binary=True)


def materialize(conn: Any, spec: Spec, metadata: sa.MetaData | None = None) -> None:
    """Run the DDL script on ``conn`` (a SQLAlchemy Connection in a transaction).

    On failure (a CHECK or WHERE naming a missing column, a bad expression), raise
    SpecError naming the statement's object, the fragment's line and PostgreSQL's message,
    never the script.
    """
    run_statements(conn, ddl_script(spec, metadata), spec)


def run_statements(conn: Any, statements: list[str], spec: Spec | None) -> None:
    """``execute_ddl`` in a savepoint; on failure, roll back and run the statements one at a
    time to find the culprit, then raise SpecError for it (when ``spec`` is given, else
    StatementFailed)."""
    import psycopg

    savepoint = conn.begin_nested()
    try:
        execute_ddl(conn, statements)
        savepoint.commit()
        return
    except StatementFailed:
        savepoint.rollback()
    for index, statement in enumerate(statements):  # find the culprit, one statement at a time
        try:
            execute_one(conn, statement)
        except psycopg.Error as exc:
            if spec is None:
                raise StatementFailed(index, statement, exc) from None
            raise _spec_error(spec, statement, exc) from None
    raise RuntimeError("the DDL failed as a whole but each statement succeeded")  # pragma: no cover


def _spec_error(spec: Spec, statement: str, exc: Exception):
    from generator.database import explain_extension_privilege
    from generator.errors import Problem, SpecError
    from generator.spec.sql_fragments import fragment_at

    privilege = explain_extension_privilege(statement, exc)
    if privilege is not None:  # the dev role, not the spec, is at fault
        return privilege

    message = (str(exc).strip().splitlines() or ["?"])[0]
    where = statement.split("(")[0].strip()[:80]
    path, what = fragment_at(spec, statement, exc)
    if what:
        where = what
    text = f"PostgreSQL refused the spec ({where}): {message}"
    if spec.source is not None:
        return SpecError([spec.source.problem(path, text)])
    return SpecError([Problem(spec.file, 1, 1, text)])
