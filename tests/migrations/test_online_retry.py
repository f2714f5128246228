"""Lock timeouts and retries of the online ops (issue 18 item 1), on a real server: a statement
blocked by another session's lock fails after ``lock_timeout`` (SQLSTATE 55P03) and is retried
with backoff until the lock is released (behind a SAVEPOINT inside a transaction), or fails
when the retries run out; a concurrent index build finds an INVALID index of its name (left by
a failed build) and replaces it. Also pins the private Alembic API the retry wraps
(``impl._exec``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from generator.migrate import online_ops  # noqa: F401  (registers the ops)
from generator.pg.database import connect


@pytest.fixture
def engine(empty_db: str) -> Iterator[sa.Engine]:
    engine = connect(empty_db)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id bigint PRIMARY KEY, code text)")
        conn.exec_driver_sql("INSERT INTO t SELECT g, 'c' || g FROM generate_series(1, 100) g")
    yield engine
    engine.dispose()


def hold_lock(engine: sa.Engine, seconds: float) -> threading.Thread:
    """Another session holds ACCESS EXCLUSIVE on t for ``seconds``."""
    ready = threading.Event()

    def run() -> None:
        with engine.connect() as other:
            other.exec_driver_sql("BEGIN")
            other.exec_driver_sql("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
            ready.set()
            time.sleep(seconds)
            other.exec_driver_sql("COMMIT")

    thread = threading.Thread(target=run)
    thread.start()
    ready.wait(10)
    return thread


def operations(conn: sa.Connection) -> Operations:
    return Operations(MigrationContext.configure(conn))


def test_private_api_the_retry_wraps(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn)
        assert callable(ctx.impl._exec) and ctx.impl.connection is conn


def test_lock_timeout_is_retried_in_a_transaction(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        op = operations(conn)
        with conn.begin():
            op.set_timeouts(lock_timeout="200ms", statement_timeout="1min", lock_retries=5)
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "200ms"
            conn.exec_driver_sql("SELECT 1")  # something done before: it must survive the retries
            thread = hold_lock(engine, 1.0)
            started = time.monotonic()
            op.execute("ALTER TABLE t ADD COLUMN x integer")
            waited = time.monotonic() - started
            thread.join()
        assert 0.9 <= waited < 8, waited
    with engine.connect() as conn:
        assert "x" in [c["name"] for c in sa.inspect(conn).get_columns("t")]


def test_lock_timeout_fails_when_retries_run_out(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        op = operations(conn)
        thread = hold_lock(engine, 2.0)
        try:
            with pytest.raises(sa.exc.OperationalError) as failed, conn.begin():
                op.set_timeouts(lock_timeout="100ms", statement_timeout="1min", lock_retries=1)
                op.execute("ALTER TABLE t ADD COLUMN y integer")
            assert failed.value.orig.sqlstate == "55P03"
        finally:
            thread.join()


def test_concurrent_build_replaces_an_invalid_index(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1000, 'c1')")  # a duplicate: a unique build fails
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        with pytest.raises(sa.exc.IntegrityError):
            conn.exec_driver_sql("CREATE UNIQUE INDEX CONCURRENTLY ix_t_code ON t (code)")
        assert conn.exec_driver_sql(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_t_code'::regclass").scalar() is False
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"transaction_per_migration": True})
        op = Operations(ctx)
        with ctx.begin_transaction(_per_migration=True):  # as Alembic runs a revision: autocommit blocks need it
            op.set_timeouts(lock_timeout="2s", statement_timeout="1min", lock_retries=2)
            op.create_index_online("ix_t_code", "t", "CREATE INDEX ON public.t USING btree (code)")
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT indisvalid, indisunique FROM pg_index WHERE indexrelid = 'ix_t_code'::regclass").one()
        assert tuple(row) == (True, False), "the INVALID unique index was dropped and the wanted one built"
