"""``schemactl import``: read the source read-only, write its spec, prove it, optionally baseline.

Library code: nothing here prints or exits; ``progress`` reports each step, errors are
SchemactlErrors (``UnsupportedObjects`` lists what the spec cannot express).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from generator.adopt.writer import ImportPlan, Unsupported, plan_import
from generator.errors import ConfigError, SchemactlError
from generator.pg.introspect import Database, read_database, user_schemas

Progress = Callable[[str], None]


class UnsupportedObjects(SchemactlError):
    """The database has objects the spec cannot express; ``details`` names each (kind and name)."""

    kind = "unsupported"

    def __init__(self, objects: list[Unsupported]) -> None:
        n = len(objects)
        super().__init__(
            f"the database has {n} object{'s' if n != 1 else ''} the spec cannot express; nothing was written",
            "import what the spec can say with --skip-unsupported (the skipped objects are listed "
            "in the spec's header), or --exclude PATTERN to leave tables out (docs/import.md)",
            details=[u.line() for u in objects],
        )
        self.objects = objects


@dataclass
class ImportResult:
    """What ``schemactl import`` did: the spec's text, what it holds and skips, the proof.

    The CLI fills ``output`` (the file written, None for stdout) and ``baseline`` (the first
    revision and whether the source was stamped) before it reports."""

    text: str
    plan: ImportPlan
    server_version: str
    timings: dict[str, float] = field(default_factory=dict)
    verified: bool = False
    output: str | None = None
    baseline: dict[str, Any] | None = None

    status = "written"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "format_version": 1,
            "output": self.output,
            "server_version": self.server_version,
            "verified": self.verified,
            "tables": list(self.plan.tables),
            "skipped": [
                {"kind": u.kind, "name": u.name, "reason": u.reason, "because_of": u.because_of or None}
                for u in self.plan.unsupported
            ],
            "excluded": list(self.plan.excluded),
            "unread_schemas": list(self.plan.unread_schemas),
            "baseline": self.baseline,
            "timings": dict(self.timings),
            # the spec itself when it went to stdout: stdout holds exactly one JSON document
            "spec": self.text if self.output is None else None,
        }


ALEMBIC_TABLE = "alembic_version"  # left out of every import (docs/import.md)


def _noop(_: str) -> None:
    pass


def read_source(url: str, schemas: list[str] | None) -> Database:
    """Every fact of the source, read in one REPEATABLE READ READ ONLY transaction over a
    session that cannot write (``default_transaction_read_only=on``). Plain psycopg: no
    SQLAlchemy engine for thirteen queries (it halved the time of an import of 120 tables)."""
    import psycopg

    from generator.adopt.verify import read_only_url
    from generator.pg.database import CONNECT_TIMEOUT, explain_operational_error, libpq_url

    try:
        conn = psycopg.connect(libpq_url(read_only_url(url)), connect_timeout=CONNECT_TIMEOUT, autocommit=False)
    except psycopg.OperationalError as exc:
        raise explain_operational_error(exc, url) from exc
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        conn.execute("SET standard_conforming_strings = on")  # as every schemactl session (pg/database.py)
        # what PostgreSQL prints (a view's query, a function's types) names public's objects bare and
        # every other schema's qualified, whatever search_path the database sets (as diff reads it)
        conn.execute("SELECT pg_catalog.set_config('search_path', 'public', false)")
        present = user_schemas(conn)
        chosen = present if not schemas else list(dict.fromkeys(schemas))
        missing = [s for s in chosen if s not in present]
        if missing:
            raise ConfigError(
                f"--schema {missing[0]}: no such schema in the database",
                f"the database has: {', '.join(present) or 'no user schema'}",
            )
        db = read_database(conn, chosen)
        db.unread_schemas = [s for s in present if s not in chosen]
        return db
    finally:
        conn.rollback()
        conn.close()


def header_lines(plan: ImportPlan) -> list[str]:
    """The leading comment block of a spec written with objects left out."""
    if plan.clean:
        return []
    lines = [
        "schemactl import: this spec does NOT describe the whole database.",
    ]
    if plan.unsupported:
        lines.append(f"Skipped: {len(plan.unsupported)} object{'s' if len(plan.unsupported) != 1 else ''} the spec cannot express yet")
        lines.append("(the database keeps them; `unmanaged:` below names each, so schemactl diff sets their")
        lines.append("differences aside and lists them as unchecked; what they contain is not checked;")
        lines.append("see docs/import.md):")
        lines += [f"  - {u.line()}" for u in plan.unsupported]
    if plan.unread_schemas:
        lines.append(f"Schemas not read (not named by --schema): {', '.join(plan.unread_schemas)}")
    if plan.excluded:
        lines.append(f"Excluded: {len(plan.excluded)} table{'s' if len(plan.excluded) != 1 else ''}:")
        lines += [f"  - table {name}" + (" (Alembic's revision table; schemactl's migrations keep their own)"
                                         if name in (ALEMBIC_TABLE, f"public.{ALEMBIC_TABLE}") else "")
                  for name in plan.excluded]
    lines.append("")
    return lines


def run_import(
    source_url: str,
    dev_url: str | None,
    *,
    schemas: list[str] | None = None,
    exclude: tuple[str, ...] = (),
    skip_unsupported: bool = False,
    verify: bool = True,
    file: str = "schema.yaml",
    progress: Progress = _noop,
) -> ImportResult:
    from generator.adopt import verify as proof

    timings: dict[str, float] = {}
    started = time.perf_counter()
    progress("reading the database's catalog")
    db = read_source(source_url, schemas)
    timings["read"] = round(time.perf_counter() - started, 3)
    if any(r.schema == "public" and r.name == ALEMBIC_TABLE and r.kind == "r" for r in db.relations):
        exclude = (*exclude, ALEMBIC_TABLE)  # Alembic's bookkeeping: schemactl's chain keeps its own
    plan = plan_import(db, exclude=exclude)
    plan.unread_schemas = list(db.unread_schemas)
    plan.skipped_schemas.update(db.unread_schemas)
    if plan.unsupported and not skip_unsupported:
        raise UnsupportedObjects(plan.unsupported)
    if not plan.tables:
        raise ConfigError(
            "no table of the database can be imported: the spec needs at least one",
            "see the objects listed with --skip-unsupported, or check --schema / --exclude",
        )
    text = plan.text(header_lines(plan))
    timings["write"] = round(time.perf_counter() - started - timings["read"], 3)
    version = f"{db.server_version // 10000}.{db.server_version % 10000}"
    result = ImportResult(text, plan, version, timings)
    if verify:
        assert dev_url is not None
        timings.update({f"verify_{k}": v for k, v in proof.verify(plan, text, source_url, dev_url, file=file, progress=progress).items()})
        result.verified = True
    timings["total"] = round(time.perf_counter() - started, 3)
    return result


__all__ = ["ImportResult", "UnsupportedObjects", "run_import"]
