"""The proof on data: a new revision applied to the previous head filled with synthetic rows.

The schema proof (``revision._prove``) runs on empty tables, where ``ADD COLUMN ... NOT NULL``
without a default, a CHECK the rows break or a narrowed type always succeed. Here the
previous head (the proof's scratch copy, back at the previous revision after the proven
downgrade) gets a few rows per table from ``generator.migrate.rowfactory`` (rows the previous
schema accepts), and the revision must upgrade it. A failure caused by the rows (SQLSTATE
class 22 data exception or 23 integrity violation) is one line naming the table and the
column or constraint; nothing is written. ``schemactl generate --no-data-proof`` skips it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import ProofFailed
from generator.migrate.rowfactory import ROWS_PER_TABLE


@dataclass
class DataProof:
    rows: dict[str, int] = field(default_factory=dict)  # table -> synthetic rows
    skipped: dict[str, str] = field(default_factory=dict)  # table -> why it got none
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"rows": dict(self.rows), "skipped": dict(self.skipped), "seconds": self.seconds}


def prove_on_data(root: Path, scripts: Path, head_url: str, rev_id: str, rows: int = ROWS_PER_TABLE) -> DataProof:
    """Fill ``head_url`` (a scratch database at the previous head) and upgrade it to ``rev_id``."""
    import psycopg

    from generator.migrate import api as migrate
    from generator.migrate.rowfactory import fill
    from generator.pg.database import libpq_url

    started = time.perf_counter()
    with psycopg.connect(libpq_url(head_url)) as conn:
        filled = fill(conn, rows)  # committed when the block ends
    try:
        migrate.upgrade(root, head_url, rev_id, script_location=scripts)
    except Exception as exc:
        failed = _data_failure(exc, filled.rows)
        if failed is None:
            raise ProofFailed("the new revision failed to upgrade the previous head filled with synthetic rows",
                              [_first_line(exc)]) from exc
        raise failed from None
    return DataProof(filled.rows, filled.skipped, round(time.perf_counter() - started, 3))


def _data_failure(exc: BaseException, rows: dict[str, int]) -> ProofFailed | None:
    import psycopg

    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    statement = None  # SQLAlchemy's error carries the statement, the driver's error it wraps the diagnostics
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        statement = statement or getattr(e, "statement", None)
        if isinstance(e, psycopg.Error) and (e.sqlstate or "")[:2] in ("22", "23"):
            diag = e.diag
            table, column = diag.table_name, diag.column_name
            if not table:  # a cast error names no table: the failing statement does (in a DO block: its context)
                table, column = _statement_target(statement)
                for line in (diag.context or "").splitlines():
                    if not table and line.startswith('SQL statement "') and line.endswith('"'):
                        table, column = _statement_target(line[len('SQL statement "'):-1])
            table = table or "?"
            where = ", ".join(x for x in (
                f"table {table}",
                f"column {column}" if column else "",
                f"constraint {diag.constraint_name}" if diag.constraint_name else "",
            ) if x)
            count = rows.get(table)
            on = f"{count} synthetic rows" if count else "synthetic rows"
            return ProofFailed(
                f"data proof: the revision fails on {on} the previous head accepts ({where}): "
                f"{diag.message_primary or _first_line(e)} [{e.sqlstate}]",
                [f"{where}: {diag.message_primary or _first_line(e)}"],
                "give a new NOT NULL column a server default (or backfill it in the revision), or make the "
                "CHECK/type hold for existing rows; if the live rows are known to satisfy it, check them with "
                "`schemactl preflight` and pass --no-data-proof",
            )
        stack.extend([getattr(e, "orig", None), e.__cause__, e.__context__])
    return None


def _statement_target(statement: str | None) -> tuple[str | None, str | None]:
    """(table, column) of an ``ALTER TABLE t ALTER COLUMN c ...`` statement (pglast)."""
    if not statement:
        return None, None
    from pglast import ast, parse_sql
    from pglast.parser import ParseError

    try:
        stmt = parse_sql(statement)[0].stmt
    except (ParseError, IndexError):
        return None, None
    if isinstance(stmt, ast.AlterTableStmt) and stmt.relation is not None:
        names = [c.name for c in stmt.cmds or () if getattr(c, "name", None)]
        return stmt.relation.relname, names[0] if names else None
    return None, None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
