"""Run the spec's DDL on a database: what a database "created straight from the spec" means.

The statements are ``generator.schema.ddl.ddl_script``'s (pure); running them knows
PostgreSQL: one pipelined round trip, and on failure the culprit found one statement at a
time and reported against the spec's line (or, for an extension the dev role may not create,
as the role's fault: ``generator.pg.database.explain_extension_privilege``). Used by
``schemactl diff`` (``generator.drift.spec_db``) and by ``schemactl generate``'s proof target
(migrate/), which is why it sits in drift/, the lowest layer that may import both
schema/ and pg/.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from generator.drift.generated_guard import refuse_virtual_columns
from generator.schema.ddl import ddl_script
from generator.spec.model import Spec


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
    refuse_virtual_columns(conn, spec)
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
    from generator.errors import Problem, SpecError
    from generator.pg.database import explain_extension_privilege
    from generator.schema.access_ddl import explain_role_privilege
    from generator.spec.sql_fragments import fragment_at

    privilege = explain_extension_privilege(statement, exc) or explain_role_privilege(statement, exc)
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
