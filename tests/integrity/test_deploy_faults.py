"""Faults during deploys, with `schemactl upgrade` run as a deploy runs it: a separate process.

- killed with SIGKILL in the middle of a revision: the revision's transaction dies with the
  process, the database stays at the previous revision with no trace of the half-applied one,
  and the next `upgrade` succeeds;
- two `upgrade` started at the same moment (two deploy pods): the second waits on the
  advisory lock (generator.migrate.api.MIGRATION_LOCK_KEY), then finds nothing to do;
- a database at a revision the repository does not know (a newer deploy migrated it):
  `upgrade` and `status` refuse with one clear line and exit 1, and change nothing.

"The middle" is made deterministic with a lock: another session holds ACCESS EXCLUSIVE on
jobs, which revision 0006 indexes after it has already created indexes on artefacts and
audit_logs in the same transaction; the upgrade blocks there until it is killed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
import sqlalchemy as sa
from integrity_support import REPO, libpq_url, run_cli_process, start_cli
from sqlalchemy.pool import NullPool

from generator.migrate import api as migrate
from generator.migrate.api import MIGRATION_LOCK_KEY
from generator.pg.catalog import compare, read_snapshot
from generator.pg.database import scratch_database
from generator.pg.server import LocalServer

pytestmark = pytest.mark.slow  # volume and subprocess tests: left out of the default run (tests/conftest.py), run by CI

WAIT = 60  # seconds; every wait below is bounded by it


@pytest.fixture
def fresh_db(pg: LocalServer) -> Iterator[str]:
    with scratch_database(pg.url(), prefix="integrity_deploy") as url:
        yield url


def wait_for(what: str, condition: Callable[[], object], timeout: float = WAIT) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def backends(watch: psycopg.Connection, database: str, where: str = "true") -> list[tuple]:
    return watch.execute(
        f"SELECT pid, wait_event_type, wait_event, query FROM pg_stat_activity "
        f"WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND {where}",
        (database,),
    ).fetchall()


def version_num(url: str) -> list[str]:
    with psycopg.connect(libpq_url(url), autocommit=True) as c:
        return [r[0] for r in c.execute("SELECT version_num FROM alembic_version").fetchall()]


def snapshot(url: str):
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return read_snapshot(conn)
    finally:
        engine.dispose()


def test_sigkill_in_the_middle_of_a_revision_leaves_the_previous_revision(fresh_db: str) -> None:
    migrate.upgrade(REPO, fresh_db, "0005")
    before = snapshot(fresh_db)
    database = sa.engine.make_url(fresh_db).database
    with psycopg.connect(libpq_url(fresh_db), autocommit=True) as watch, psycopg.connect(libpq_url(fresh_db)) as blocker:
        blocker.execute("LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE")  # held until rollback
        # --no-preflight: preflight would (rightly) refuse, its probe of jobs waiting on the same lock
        proc = start_cli("upgrade", "--db", fresh_db, "--no-preflight")
        try:
            stuck = wait_for(
                "the upgrade to block on jobs inside revision 0006",
                lambda: backends(watch, database, "wait_event_type = 'Lock' AND query LIKE '%%ix_jobs_%%'"),
            )
            pid = stuck[0][0]
            # Mid-revision: 0006 has already indexed artefacts and audit_logs in this transaction
            # (it holds their locks), and none of it is visible outside.
            locked = {r[0] for r in watch.execute(
                "SELECT relation::regclass::text FROM pg_locks WHERE pid = %s AND granted AND relation IS NOT NULL", (pid,)
            )}
            assert {"artefacts", "audit_logs"} <= locked, locked
            assert watch.execute("SELECT to_regclass('public.ix_artefacts_meta')").fetchone()[0] is None
            proc.kill()
            assert proc.wait(timeout=WAIT) == -9
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=WAIT)
        blocker.rollback()  # the orphaned backend gets its lock, finds its client gone and exits
        wait_for("the killed upgrade's backend to end", lambda: not backends(watch, database, f"pid = {pid}"))
    assert version_num(fresh_db) == ["0005"]
    assert compare(before, snapshot(fresh_db)) == []  # no index, enum or table of 0006 survived
    done = run_cli_process("upgrade", "--db", fresh_db)
    assert done.returncode == 0, done.stderr
    status = migrate.status(REPO, fresh_db)
    assert status.at_head and status.pending == []
    with psycopg.connect(libpq_url(fresh_db), autocommit=True) as c:
        assert c.execute("SELECT to_regclass('public.ix_jobs_metrics')").fetchone()[0] == "ix_jobs_metrics"


NOTE_DDL = """
CREATE TABLE ddl_by_backend (pid integer NOT NULL, tag text NOT NULL);
CREATE FUNCTION note_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ddl_by_backend VALUES (pg_backend_pid(), tg_tag);
END
$$;
CREATE EVENT TRIGGER note_ddl ON ddl_command_end EXECUTE FUNCTION note_ddl();
"""


def test_two_upgrades_at_once_apply_the_revisions_once(fresh_db: str) -> None:
    database = sa.engine.make_url(fresh_db).database
    revisions = len(list(migrate.script_directory(REPO).walk_revisions()))
    with psycopg.connect(libpq_url(fresh_db), autocommit=True) as holder:
        holder.execute(NOTE_DDL)  # an event trigger records which backend ran each DDL command
        # Hold the migration lock so that both deploys are surely waiting before either starts.
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        procs = [start_cli("upgrade", "--db", fresh_db) for _ in range(2)]
        try:
            wait_for(
                "both upgrades to wait on the migration lock",
                lambda: len(backends(holder, database, "wait_event_type = 'Lock' AND wait_event = 'advisory'")) == 2,
            )
            holder.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
            results = [p.communicate(timeout=WAIT * 2) for p in procs]
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait(timeout=WAIT)
        ddl_backends = holder.execute("SELECT count(DISTINCT pid), count(*) FROM ddl_by_backend").fetchone()
    errors = [err for _, err in results]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert not any("error" in err.lower() or "Traceback" in err for err in errors), errors
    assert version_num(fresh_db) == migrate.script_directory(REPO).get_heads()  # one row, at head
    assert ddl_backends[0] == 1 and ddl_backends[1] > 0, ddl_backends  # all DDL from one process
    applied = sorted(_applied_count(err) for err in errors)
    assert applied == [0, revisions], f"the summaries say {applied} revisions applied"


def _applied_count(stderr: str) -> int:
    for line in stderr.splitlines():
        if "revision(s) applied" in line:
            return int(line.split("revision(s) applied")[0].split()[-1])
    raise AssertionError(f"no summary line in: {stderr!r}")


@pytest.mark.parametrize("command", ["upgrade", "status"])
def test_an_unknown_revision_in_the_database_is_refused(head_clone: str, command: str) -> None:
    with psycopg.connect(libpq_url(head_clone), autocommit=True) as c:
        c.execute("UPDATE alembic_version SET version_num = '9999'")
    before = snapshot(head_clone)
    done = run_cli_process(command, "--db", head_clone)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: the database is at revision 9999, which this repository does not know"], done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "hint: a newer deploy migrated it: pull the latest migrations" in done.stderr
    assert version_num(head_clone) == ["9999"]
    assert compare(before, snapshot(head_clone)) == []

