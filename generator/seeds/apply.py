"""Upsert seeds into a database, and the SQL text the data revisions share.

``run_seed(url, seeds, root)`` writes every seeded table in one transaction, in foreign-key
order (``Seeds.tables`` is already ordered), one statement per table and set of columns:

    INSERT INTO tools AS t (code, name, ...) VALUES (...), (...)
    ON CONFLICT (code) DO UPDATE SET name = excluded.name, ..., updated_at = now()
        WHERE (t.name, ...) IS DISTINCT FROM (excluded.name, ...)
    RETURNING (t.xmax = 0) AS inserted, t.code

A returned row with ``xmax = 0`` was inserted, any other returned row was updated, and a row
not returned was unchanged (the WHERE was false, so nothing was written, ``updated_at``
included). Rules:

- Only the columns a row gives are managed: a column left out gets its default on insert
  and is never touched on update. ``created_at`` is never updated; ``updated_at`` (if the
  table has one) is set to now() only when a managed value changed.
- Rows that are not in seeds.yaml (users' rows) are never updated or deleted.
- A foreign key to another seeded row is a subquery on that row's natural key, so ids may
  differ between databases.
- Concurrency: two seeds at once both succeed with the same result. The second blocks on
  the first's uncommitted rows, then takes the ON CONFLICT path and finds them equal.
- The database must be at the migrations' head, checked inside the transaction under a
  shared advisory lock on the migration lock, so an upgrade cannot run in between.
- ``dry_run`` runs the same statements and rolls back: the counts say what would change.

Statements are SQL text with literals, run without bind-parameter parsing (``no_parameters``),
because the data revisions embed the same text (``generator.seeds.revision``).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import DatabaseError, MigrationError
from generator.seeds.spec import Seeds, SeedTable
from generator.spec import naming

__all__ = ["SeedReport", "TableReport", "run_seed", "upsert_statements"]

FORMAT_VERSION = 1  # of the JSON documents of `schemactl seed` (as_dict)
RAW = {"no_parameters": True}  # execution options: send the SQL text as it is


# ---------------------------------------------------------------------- report


@dataclass
class TableReport:
    table: str
    key: tuple[str, ...]
    inserted: list[dict[str, Any]] = field(default_factory=list)  # natural keys
    updated: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def rows(self) -> int:
        return len(self.inserted) + len(self.updated) + self.unchanged


@dataclass
class SeedReport:
    """What one seed run did (or, with dry_run, would do) per table. Nothing here prints."""

    tables: list[TableReport]
    dry_run: bool = False
    revision: str | None = None  # the database's revision (the head)
    seconds: float = 0.0  # how long the run took (text output only)

    @property
    def status(self) -> str:
        return "ok"

    @property
    def inserted(self) -> int:
        return sum(len(t.inserted) for t in self.tables)

    @property
    def updated(self) -> int:
        return sum(len(t.updated) for t in self.tables)

    @property
    def unchanged(self) -> int:
        return sum(t.unchanged for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated)

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON shape of `schemactl seed --format json`."""
        return {
            "status": self.status,
            "format_version": FORMAT_VERSION,
            "dry_run": self.dry_run,
            "revision": self.revision,
            "tables": [
                {
                    "table": t.table, "inserted": len(t.inserted), "updated": len(t.updated),
                    "unchanged": t.unchanged, "rows": t.rows,
                    "inserted_keys": t.inserted, "updated_keys": t.updated,
                }
                for t in self.tables
            ],
            "totals": {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged, "rows": self.rows},
        }


# ---------------------------------------------------------------------- SQL text


def quote_ident(name: str) -> str:
    """``name`` as SQL: bare when PostgreSQL reads it back unchanged, else
    ``generator.spec.naming.quote_ident`` (the seed SQL is sent as it is, never %-formatted)."""
    from sqlalchemy.dialects import postgresql

    if postgresql.dialect().identifier_preparer.quote(name) == name:
        return name
    return naming.quote_ident(name)


def quote_text(text: str) -> str:
    """A SQL string literal; E'' when it holds a backslash, so standard_conforming_strings does not matter."""
    if "\\" in text:
        return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"
    return "'" + text.replace("'", "''") + "'"


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def literal(value: Any, *, json_value: bool = False, array: bool = False) -> str:
    if value is None:
        return "NULL"
    if json_value:
        return quote_text(json_text(value))
    if array:
        return quote_text("{" + ",".join(_array_item(v) for v in value) + "}")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        return quote_text("NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity")
    return quote_text(str(value))


def _array_item(value: Any) -> str:
    if value is None:
        return "NULL"
    text = "true" if value is True else "false" if value is False else str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def value_sql(table: SeedTable, column: str, value: Any) -> str:
    """A row's value as SQL: a literal, or a subquery on a referenced seeded row's natural key."""
    ref = table.references.get(column)
    if ref is not None and value is not None:
        where = " AND ".join(f"{quote_ident(k)} = {literal(v)}" for k, v in value.items())
        return f"(SELECT {quote_ident(ref.target)} FROM {quote_ident(ref.table)} WHERE {where})"
    return literal(value, json_value=column in table.json_columns, array=column in table.array_columns)


def compared(table: SeedTable, alias: str, column: str) -> str:
    """A column in an IS DISTINCT FROM comparison (json has no equality operator; jsonb does)."""
    if column in table.text_compared:  # a type without an equality operator (point, xml): its text
        return f"{alias}.{quote_ident(column)}::text"
    return f"{alias}.{quote_ident(column)}" + ("::jsonb" if column in table.json_columns else "")


def column_groups(rows: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> list[tuple[tuple[str, ...], list[dict[str, Any]]]]:
    """Rows grouped by the columns they give (one multi-row statement each), in first-seen order."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    return list(groups.items())


def insert_sql(table: SeedTable, columns: tuple[str, ...], rows: list[dict[str, Any]], *, update: bool, returning: bool) -> str:
    """INSERT ... ON CONFLICT (natural key) DO UPDATE (only what changed) or DO NOTHING."""
    q = quote_ident
    values = ",\n".join("    (" + ", ".join(value_sql(table, c, row[c]) for c in columns) + ")" for row in rows)
    sql = (
        f"INSERT INTO {q(table.name)} AS t ({', '.join(q(c) for c in columns)})\nVALUES\n{values}\n"
        f"ON CONFLICT ({', '.join(q(k) for k in table.key)}) "
    )
    managed = [c for c in columns if c not in table.key]
    if update and managed:
        sets = [f"{q(c)} = excluded.{q(c)}" for c in managed]
        if table.has_updated_at:
            sets.append(f"{q('updated_at')} = now()")
        old = ", ".join(compared(table, "t", c) for c in managed)
        new = ", ".join(compared(table, "excluded", c) for c in managed)
        sql += f"DO UPDATE SET {', '.join(sets)}\n    WHERE ({old}) IS DISTINCT FROM ({new})"
    else:
        sql += "DO NOTHING"
    if returning:
        sql += "\nRETURNING (t.xmax = 0) AS inserted, " + ", ".join(f"t.{q(k)}" for k in table.key)
    return sql


def upsert_statements(table: SeedTable) -> list[str]:
    return [insert_sql(table, cols, rows, update=True, returning=True) for cols, rows in column_groups(table.rows)]


# ---------------------------------------------------------------------- running


def run_seed(
    url: str, seeds: Seeds, root: Path, *, dry_run: bool = False, script_location: Path | None = None
) -> SeedReport:
    """Upsert ``seeds`` into the database at ``url`` in one transaction and return the counts.

    ``root`` is the project root (its migrations/ give the head the database must be at).
    Raises MigrationError when the database is not at head (nothing is written) and
    DatabaseError when a statement fails (the transaction is rolled back).
    """
    import sqlalchemy.exc

    from generator.migrate.api import MIGRATION_LOCK_KEY
    from generator.pg.database import connect

    started = time.perf_counter()
    engine = connect(url)
    table = ""
    try:
        with engine.connect() as conn, conn.begin() as trans:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock_shared({MIGRATION_LOCK_KEY})")
            revision = _require_head(conn, root, script_location)
            reports = []
            for seed_table in seeds.tables.values():
                table = seed_table.name
                reports.append(_upsert(conn, seed_table))
            if dry_run:
                trans.rollback()
        return SeedReport(reports, dry_run, revision, seconds=time.perf_counter() - started)
    except sqlalchemy.exc.DBAPIError as exc:
        raise _database_error(exc, url, table) from exc
    finally:
        engine.dispose()


def _require_head(conn: Any, root: Path, script_location: Path | None) -> str | None:
    from generator.migrate.api import current_revisions, script_directory

    script = script_directory(root, script_location)
    heads = sorted(script.get_heads())
    current = sorted(current_revisions(conn))
    known = {r.revision for r in script.walk_revisions()}
    unknown = [c for c in current if c not in known]
    if unknown:
        raise MigrationError(
            f"the database is at revision {', '.join(unknown)}, which this repository does not know; nothing was seeded",
            "a newer deploy migrated it: pull the latest migrations before seeding",
        )
    if current != heads:
        at = ", ".join(current) if current else "base (no revision applied)"
        raise MigrationError(
            f"the database is not at head (it is at {at}, head is {', '.join(heads) or 'base'}); nothing was seeded",
            "run `schemactl upgrade` (or `alembic upgrade head`) first, then seed",
        )
    return current[0] if len(current) == 1 else ", ".join(current) or None


def _upsert(conn: Any, table: SeedTable) -> TableReport:
    report = TableReport(table.name, table.key)
    for statement in upsert_statements(table):
        result = conn.exec_driver_sql(statement, execution_options=RAW).all()
        for row in result:
            key = {k: _plain(v) for k, v in zip(table.key, row[1:], strict=True)}
            (report.inserted if row[0] else report.updated).append(key)
    report.unchanged = len(table.rows) - len(report.inserted) - len(report.updated)
    return report


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


_HINTS = {
    "23514": "a row breaks a CHECK constraint of schema.yaml: fix it in seeds.yaml",
    "23505": "a row collides with an existing row on another unique key: fix it in seeds.yaml, or the existing row",
    "23503": "a referenced row is missing: seed it too",
    "42703": "schema.yaml is ahead of the migrations: run `schemactl generate -m MSG`, then upgrade",
    "42P01": "schema.yaml is ahead of the migrations: run `schemactl generate -m MSG`, then upgrade",
    "40P01": "another transaction held these rows in a different order: run seed again",
    "42501": "the database user lacks a privilege: GRANT it SELECT, INSERT, UPDATE on the seeded tables (and SELECT on alembic_version)",
    "25006": "the database is read-only: seed the primary, or turn off default_transaction_read_only for this user",
}


def _database_error(exc: Any, url: str, table: str) -> DatabaseError:
    from generator.pg.database import _is_operational, explain_operational_error

    if _is_operational(exc) and not getattr(getattr(exc, "orig", None), "sqlstate", None):
        return explain_operational_error(exc, url)
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    where = f"seeding {table}" if table else "seeding"
    state = getattr(orig, "sqlstate", None)
    hint = _HINTS.get(state or "", "check seeds.yaml against the database; nothing was written")
    return DatabaseError(f"{where} failed: {first}; nothing was written", hint, sqlstate=state)
