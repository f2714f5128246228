"""Issue 13.14: `diff` while a migration commits reads one consistent snapshot.

The live database lacks users.last_login_at (which the spec has). Another connection (the
migration) adds it back with its comment in a transaction. The diff's catalog query blocks on
the migration's lock (pg_get_expr opens the table); the migration commits while the diff
waits, as in the report (the diff waited 7 s). Before the fix the diff's queries each read
their own state, and the script had a COMMENT on a column it never added. Now everything is
read in one REPEATABLE READ READ ONLY transaction: the state before the migration, whole (the
column is missing, the script adds it, then comments it). Since issue 19 the live fingerprint
is read first on a connection of its own; when it differs from the spec's, its snapshot is
exported and the inspection imports it, so the whole diff still reads one state."""

from __future__ import annotations

import json
import threading
import time

import psycopg
from drift_corpus import clone, execute

from generator.pg.server import LocalServer

COLUMN = "last_login_at"
COMMENT = "Last successful login; written by the auth service."


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def test_diff_reads_one_snapshot_while_a_migration_commits(run_cli, pg: LocalServer, head: str) -> None:
    # the spec database's fingerprint remembered: the diff below reads the live fingerprint
    # first (generator.drift.remembered), finds it different, and the engine's inspection must
    # read that same snapshot (exported and imported), not a later one
    for _ in range(2):
        assert run_cli("diff", "--db", head, "--dev-db", pg.url()).code == 0
    with clone(pg.url(), head, prefix="drift_snapshot") as live:
        execute(live, f"ALTER TABLE users DROP COLUMN {COLUMN};")
        migration = psycopg.connect(_libpq(live))
        migration.execute(f"ALTER TABLE users ADD COLUMN {COLUMN} timestamptz")
        migration.execute(f"COMMENT ON COLUMN users.{COLUMN} IS '{COMMENT}'")  # not committed yet
        waited = threading.Event()
        stop = threading.Event()

        def commit_while_the_diff_waits() -> None:
            with psycopg.connect(_libpq(live), autocommit=True) as watcher:
                deadline = time.monotonic() + 60
                while not stop.is_set() and time.monotonic() < deadline:
                    blocked = watcher.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND pid <> %s", (migration.info.backend_pid,)
                    ).fetchone()[0]
                    if blocked:
                        waited.set()
                        break
                    time.sleep(0.05)
            migration.commit()

        watcher = threading.Thread(target=commit_while_the_diff_waits)
        watcher.start()
        try:
            result = run_cli("diff", "--db", live, "--dev-db", pg.url(), "-f", "json")
        finally:
            stop.set()
            watcher.join(90)
            migration.close()
        assert waited.is_set(), "the diff never waited for the migration's lock"
        assert result.code == 2, result.output
        report = json.loads(result.stdout)
        sql = [s["sql"] for s in report["statements"]]
        adds = [s for s in sql if f'add column "{COLUMN}"' in s.lower()]
        comments = [s for s in sql if s.startswith("COMMENT ON COLUMN") and f'"{COLUMN}"' in s]
        missing = [c for c in report["changes"] if c["name"] == f"users.{COLUMN}" and c["kind"] == "column"]
        # consistent: the state before the commit, whole (column missing, added, then commented)
        assert missing and missing[0]["action"] == "added", report["changes"]
        assert len(adds) == 1 and len(comments) == 1, sql
        assert sql.index(adds[0]) < sql.index(comments[0])
        assert report["complete"] and not report["missing_sql"]
        assert "dev_check" in report["timings"] and "live_fingerprint" in report["timings"]  # the remembered path
