"""Writer stalls during schema changes on a table with rows (issue 18 item 6). Not a timed test.

    python bench/online_ddl.py                       # a scratch PostgreSQL 17.6 from $SCHEMACTL_PG17_BIN
    python bench/online_ddl.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres --rows 1000000

A scratch database per mode holds ``users`` (1,000 rows) and ``jobs`` (``--rows`` rows, default
1,000,000). While one writer inserts into jobs continuously (autocommit, one row per statement,
each in its own transaction, as an application does), three changes are applied one after the
other, each through Alembic's ``Operations`` inside a migration transaction as ``alembic
upgrade`` runs a revision:

- ``schemactl``: the calls a revision written by ``schemactl generate`` makes for these changes
  on an existing table (tests/migrations/test_online_generate.py pins them):
  ``op.set_timeouts(...)``, ``op.create_index_online`` (CREATE INDEX CONCURRENTLY),
  ``op.add_constraint_online`` (FOREIGN KEY ... NOT VALID, then VALIDATE), ``op.set_not_null_online``
  (CHECK (status IS NOT NULL) NOT VALID, VALIDATE, SET NOT NULL, drop the CHECK);
- ``alembic``: plain ``op.create_index``, ``op.create_foreign_key``, ``op.alter_column(nullable=False)``.

For each change the figure is the writer's longest stall: the largest gap between two
consecutive completed inserts that overlaps the change (plus the change's own duration and
how many rows the writer inserted meanwhile). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from a fresh clone
    sys.path.insert(0, str(REPO))

from alembic.operations import Operations  # noqa: E402
from alembic.runtime.migration import MigrationContext  # noqa: E402

from generator.migrate import online_ops, ops  # noqa: E402,F401  (registers the ops)
from generator.pg.database import connect, scratch_database  # noqa: E402

USERS = 1000


def libpq(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def fill(url: str, rows: int) -> None:
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL)")
        conn.execute("CREATE TABLE jobs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint, "
                     "status text, payload text)")
        conn.execute("INSERT INTO users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, %s) g", (USERS,))
        conn.execute("INSERT INTO jobs (user_id, status, payload) SELECT 1 + g %% %s, "
                     "(ARRAY['queued', 'running', 'done'])[1 + g %% 3], md5(g::text) FROM generate_series(1, %s) g",
                     (USERS, rows))
        conn.execute("VACUUM ANALYZE jobs")


class Writer:
    """Inserts into jobs until stopped; keeps the completion time of every insert."""

    def __init__(self, url: str) -> None:
        self.url, self.done, self.stop = url, [], threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            n = 0
            while not self.stop.is_set():
                n += 1
                conn.execute("INSERT INTO jobs (user_id, status, payload) VALUES (%s, 'queued', 'w')", (1 + n % USERS,))
                self.done.append(time.monotonic())

    def __enter__(self) -> Writer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def longest_stall(done: list[float], start: float, end: float) -> float:
    """The largest gap between consecutive inserts that overlaps [start, end]."""
    gaps = [b - a for a, b in zip(done, done[1:], strict=False) if b >= start and a <= end]
    return max(gaps, default=end - start)


def migrate(url: str, change: Callable[[Operations], None]) -> None:
    """Run ``change`` as Alembic runs a revision: a migration transaction, autocommit blocks inside."""
    engine = connect(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"transaction_per_migration": True})
            with ctx.begin_transaction(_per_migration=True):
                change(Operations(ctx))
    finally:
        engine.dispose()


TIMEOUTS = {"lock_timeout": "5s", "statement_timeout": "15min", "lock_retries": 3}

CHANGES: dict[str, dict[str, Callable[[Operations], None]]] = {
    "schemactl": {
        "index": lambda op: (op.set_timeouts(**TIMEOUTS),
                             op.create_index_online("ix_jobs_status", "jobs", "CREATE INDEX ON public.jobs USING btree (status)")),
        "foreign_key": lambda op: (op.set_timeouts(**TIMEOUTS),
                                   op.add_constraint_online("jobs", "fk_jobs_user_id_users",
                                                            "FOREIGN KEY (user_id) REFERENCES users(id)", kind="foreignkey")),
        "not_null": lambda op: (op.set_timeouts(**TIMEOUTS), op.set_not_null_online("jobs", "status")),
    },
    "alembic": {
        "index": lambda op: op.create_index("ix_jobs_status", "jobs", ["status"]),
        "foreign_key": lambda op: op.create_foreign_key("fk_jobs_user_id_users", "jobs", "users", ["user_id"], ["id"]),
        "not_null": lambda op: op.alter_column("jobs", "status", nullable=False),
    },
}


def run_mode(server_url: str, mode: str, rows: int, log: Callable[[str], None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with scratch_database(server_url, prefix="schemactl_bench_online") as url:
        started = time.monotonic()
        fill(url, rows)
        log(f"{mode}: {rows:,} rows in jobs in {time.monotonic() - started:.1f}s")
        for name, change in CHANGES[mode].items():
            with Writer(libpq(url)) as writer:
                time.sleep(0.5)
                start = time.monotonic()
                migrate(url, change)
                end = time.monotonic()
                time.sleep(0.5)
            during = sum(1 for t in writer.done if start <= t <= end)
            out[name] = {"longest_stall_s": round(longest_stall(writer.done, start, end), 3),
                         "change_s": round(end - start, 3), "inserts_during_change": during}
            log(f"{mode} {name}: longest writer stall {out[name]['longest_stall_s']}s, change took {out[name]['change_s']}s")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="a server (any database on it); default: a scratch server from $SCHEMACTL_PG17_BIN")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    server = None
    url = args.db
    folder = tempfile.TemporaryDirectory(prefix="schemactl-bench-online-")
    os.chmod(folder.name, 0o755)  # the server runs as postgres when we are root
    if url is None:
        from generator.pg.server import LocalServer

        bin_dir = os.environ.get("SCHEMACTL_PG17_BIN")
        if not bin_dir:
            parser.error("pass --db URL or set SCHEMACTL_PG17_BIN to PostgreSQL 17's bin/")
        server = LocalServer(Path(bin_dir), Path(folder.name) / "pg17", name="bench PostgreSQL 17", fsync=False, tcp=True)
        url = server.ensure_running()
    try:
        engine = connect(url)
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
        engine.dispose()
        results = {"server_version": version, "rows": args.rows, "cpus": os.cpu_count(),
                   "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
                   "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
        for mode in ("schemactl", "alembic"):
            results[mode] = run_mode(url, mode, args.rows, log)
        print(json.dumps(results, indent=2))
    finally:
        if server is not None:
            server.stop()
        folder.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
