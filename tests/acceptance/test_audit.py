"""cadb.audit against real PostgreSQL: append, the database guards, verify, concurrency.

Every test gets a fresh database with the whole schema (``audit_db``). Tampering is done as
the superuser with ``SET session_replication_role = replica``, which switches the append-only
triggers (and the FK triggers) off for that session only.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import psycopg
import pytest
import rfc8785
import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from cadb import audit
from cadb.audit import AuditChainConflict, AuditError, Scope
from generator.drift.materialize import materialize
from generator.errors import DatabaseError
from generator.pg.database import scratch_database
from generator.schema.metadata import build_metadata
from generator.spec import load_spec

REPO = Path(__file__).resolve().parents[2]


@cache
def _spec():
    return load_spec(REPO / "schema.yaml")


def make_schema_db(url: str, pool_size: int = 5) -> Engine:
    """An Engine on ``url`` after creating the whole schema there."""
    engine = sa.create_engine(url, pool_size=pool_size, max_overflow=4)
    with engine.begin() as conn:
        materialize(conn, _spec())
    return engine


@pytest.fixture
def audit_db(empty_db: str) -> Iterator[Engine]:
    """A fresh database with the schema; the Engine's pool fits 20 threads."""
    engine = make_schema_db(empty_db, pool_size=20)
    try:
        yield engine
    finally:
        engine.dispose()


def add_user(engine: Engine, email: str | None = None) -> uuid.UUID:
    with engine.begin() as conn:
        return conn.execute(
            sa.text("INSERT INTO users (email) VALUES (:e) RETURNING id"),
            {"e": email or f"u{uuid.uuid4().hex[:12]}@example.com"},
        ).scalar_one()


def tamper(engine: Engine, sql: str, **params: object) -> None:
    """Run ``sql`` as the superuser with the append-only triggers off (this session only)."""
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text(sql), params)


def fill(engine: Engine, scope: Scope, count: int, actor: uuid.UUID | None = None) -> list[int]:
    ids = []
    with engine.begin() as conn:
        for n in range(count):
            entry = audit.append(conn, scope_type=scope.type, scope_id=scope.id, event_type="job.progress",
                                 payload={"n": n, "percent": n * 12.5, "note": "Çelik şaft"}, actor_user_id=actor)
            ids.append(entry.id)
    return ids


def verify(engine: Engine, scope: Scope | None = None) -> audit.VerifyReport:
    with engine.begin() as conn:
        return audit.verify(conn, scope)


# ------------------------------------------------------------------------------- append


def test_two_appends_in_one_transaction_pass_an_independent_ten_line_check(audit_db: Engine) -> None:
    actor = add_user(audit_db)
    job = str(uuid.uuid4())
    with audit_db.begin() as conn:
        audit.append(conn, scope_type="job", scope_id=job, event_type="job.created", actor_user_id=actor,
                     payload={"type": "cam", "params": {"tolerance_mm": 0.01, "tools": ["em-6", "dr-3"]}, "n": 1})
        audit.append(conn, scope_type="job", scope_id=job, event_type="job.started",
                     payload={"worker": "w-1", "note": "Dönüş €", "wait_ms": 1500})

    # The check an auditor writes from docs/audit-chain.md: hashlib + rfc8785 only.
    with audit_db.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM audit_logs ORDER BY id")).mappings().all()
    prev = ""
    for r in rows:
        record = {"scope_type": r["scope_type"], "scope_id": r["scope_id"], "event_type": r["event_type"],
                  "actor_user_id": str(r["actor_user_id"]) if r["actor_user_id"] else None, "payload": r["payload"],
                  "created_at": r["created_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
        assert r["prev_chain_hash"] == (prev or None)
        prev = hashlib.sha256(prev.encode() + rfc8785.dumps(record)).hexdigest()
        assert r["chain_hash"] == prev
    assert len(rows) == 2


def test_append_returns_the_stored_row(audit_db: Engine) -> None:
    actor = add_user(audit_db)
    with audit_db.begin() as conn:
        first = audit.append(conn, scope_type="user", scope_id=actor, event_type="user.created",
                             payload={"email": "a@example.com"}, actor_user_id=str(actor))
        second = audit.append(conn, scope_type="user", scope_id=actor, event_type="user.role_changed",
                              payload={"from": "customer", "to": "admin"})
    with audit_db.connect() as conn:
        stored = conn.execute(sa.text("SELECT * FROM audit_logs ORDER BY id")).mappings().all()
    for entry, row in zip((first, second), stored, strict=True):
        assert entry.id == row["id"]
        assert entry.scope == Scope("user", str(actor))
        assert entry.created_at == row["created_at"]
        assert entry.created_at.tzinfo is not None and entry.created_at.utcoffset().total_seconds() == 0
        assert (entry.prev_chain_hash, entry.chain_hash) == (row["prev_chain_hash"], row["chain_hash"])
        assert entry.payload == row["payload"]
    assert first.actor_user_id == actor and second.actor_user_id is None
    assert first.prev_chain_hash is None and second.prev_chain_hash == first.chain_hash
    assert first.created_at < second.created_at


class User:
    """A mapped class for the users table (the application's models are its own business)."""

    def __init__(self, **fields: object) -> None:
        self.__dict__.update(fields)


def test_append_works_with_an_orm_session(audit_db: Engine) -> None:
    registry = sa.orm.registry()
    registry.map_imperatively(User, build_metadata(_spec()).tables["users"])
    try:
        with Session(audit_db) as session:
            user_id = uuid.uuid4()
            session.add(User(id=user_id, email="new@example.com"))  # pending: append flushes it first
            entry = audit.append(session, scope_type="user", scope_id=user_id, event_type="user.created",
                                 payload={"plan": "trial"}, actor_user_id=user_id)
            session.commit()
    finally:
        registry.dispose()
    assert entry.actor_user_id == user_id
    assert verify(audit_db).scopes[0].head_id == entry.id


def test_nothing_is_stored_when_the_caller_rolls_back(audit_db: Engine) -> None:
    with audit_db.connect() as conn:
        audit.append(conn, scope_type="system", scope_id="global", event_type="config.changed", payload={})
        conn.rollback()
    fill(audit_db, audit.SYSTEM_SCOPE, 2)
    report = verify(audit_db)
    assert report.intact and report.rows == 2


def test_append_refuses_a_connection_in_autocommit_mode(audit_db: Engine) -> None:
    with audit_db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        with pytest.raises(AuditError, match="autocommit") as caught:
            audit.append(conn, scope_type="system", scope_id="global", event_type="x.y", payload={})
    assert "engine.begin()" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"scope_type": "Job"}, "scope_type 'Job' is not valid"),
        ({"scope_type": "job-run"}, "scope_type 'job-run' is not valid"),
        ({"scope_id": ""}, "scope_id '' is not valid"),
        ({"scope_id": "x" * 201}, "is not valid"),
        ({"event_type": "Job Created"}, "event_type 'Job Created' is not valid"),
        ({"actor_user_id": "bob"}, "actor_user_id 'bob' is not a uuid"),
        ({"payload": {"at": datetime(2025, 1, 1)}}, "audit payload $.at: a datetime is not a JSON value"),
        ({"payload": {"n": [1, 2**60]}}, "audit payload $.n[1]: is an integer beyond"),
        ({"payload": {"x": float("nan")}}, "audit payload $.x: is not a finite number"),
        ({"payload": {"blob": "a\x00b"}}, "audit payload $.blob: contains the character U+0000"),
    ],
)
def test_append_refuses_bad_input_before_touching_the_database(audit_db: Engine, fields: dict, message: str) -> None:
    args = {"scope_type": "job", "scope_id": "j-1", "event_type": "job.created", "payload": {}} | fields
    with audit_db.begin() as conn:
        with pytest.raises(AuditError) as caught:
            audit.append(conn, **args)
        assert message in str(caught.value)
        conn.execute(sa.text("SELECT 1"))  # the transaction is still usable
    assert verify(audit_db).rows == 0


def test_append_names_an_actor_that_is_not_a_user(audit_db: Engine) -> None:
    ghost = uuid.uuid4()
    with audit_db.begin() as conn, pytest.raises(AuditError, match=f"actor_user_id {ghost} is not a user"):
        audit.append(conn, scope_type="system", scope_id="global", event_type="x.y", payload={}, actor_user_id=ghost)


def test_payload_numbers_survive_the_jsonb_round_trip(audit_db: Engine) -> None:
    numbers = [0, -0.0, 1e21, 1e-7, 0.1, 100.0, 2**53 - 1, -(2**53 - 1), 1e300, 5e-324, 1.7976931348623157e308,
               0.30000000000000004, 333333333.3333333, 1e16, 2.0**60, 123456789012345.6]
    with audit_db.begin() as conn:
        entry = audit.append(conn, scope_type="system", scope_id="global", event_type="numbers.stored",
                             payload={"numbers": numbers, "text": "€ 😀 \u2028 \x1f \" \\", "😀": 1, "\ufb33": 2})
    assert entry.payload["numbers"][2] == 1e21
    assert verify(audit_db).intact


def test_a_scope_id_may_be_a_uuid_or_an_int(audit_db: Engine) -> None:
    job = uuid.uuid4()
    with audit_db.begin() as conn:
        a = audit.append(conn, scope_type="job", scope_id=job, event_type="job.created", payload={})
        b = audit.append(conn, scope_type="invoice", scope_id=42, event_type="invoice.issued", payload={})
    assert (a.scope_id, b.scope_id) == (str(job), "42")


# -------------------------------------------------------------------------- the guards


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_logs SET payload = '{}'",
        "DELETE FROM audit_logs",
        "TRUNCATE audit_logs",
    ],
)
def test_rows_cannot_be_changed_or_removed(audit_db: Engine, sql: str) -> None:
    fill(audit_db, audit.SYSTEM_SCOPE, 2)
    with pytest.raises(sa.exc.DBAPIError, match="audit_logs is append-only"):
        with audit_db.begin() as conn:
            conn.execute(sa.text(sql))
    assert verify(audit_db).rows == 2


def test_a_fork_is_refused_by_the_database(audit_db: Engine) -> None:
    fill(audit_db, Scope("job", "j-1"), 2)
    with audit_db.connect() as conn:
        first = conn.execute(sa.text("SELECT chain_hash FROM audit_logs ORDER BY id LIMIT 1")).scalar_one()
    insert = ("INSERT INTO audit_logs (scope_type, scope_id, event_type, prev_chain_hash, chain_hash) "
              "VALUES ('job', 'j-1', 'job.forked', :prev, :hash)")
    for prev in (first, None):  # a second successor of row 1; a second first row
        # the chain guard (0009) refuses it before the unique fork guard is reached
        with pytest.raises(sa.exc.IntegrityError, match="audit_logs_chain_guard") as info:
            with audit_db.begin() as conn:
                conn.execute(sa.text(insert), {"prev": prev, "hash": "f" * 64})
        assert info.value.orig.sqlstate == "23514"
    # the unique fork guard stays, for two uncommitted inserts the trigger cannot see
    with pytest.raises(sa.exc.IntegrityError, match="uq_audit_logs_scope_prev"):
        with audit_db.begin() as conn:
            conn.execute(sa.text("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_chain_guard"))
            conn.execute(sa.text(insert), {"prev": first, "hash": "f" * 64})


def test_malformed_hashes_are_refused_by_the_database(audit_db: Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError, match="ck_audit_logs_chain_hash_hex"):
        with audit_db.begin() as conn:
            conn.execute(sa.text("INSERT INTO audit_logs (scope_type, scope_id, event_type, chain_hash) "
                                 "VALUES ('job', 'j-1', 'job.created', 'ABC')"))


# ------------------------------------------------------------------------------ verify


def test_verify_reports_every_scope_with_its_rows_and_head(audit_db: Engine) -> None:
    a = fill(audit_db, Scope("job", "a"), 3)
    b = fill(audit_db, Scope("user", "b"), 2)
    report = verify(audit_db)
    assert report.intact and report.rows == 5
    assert [(str(s.scope), s.rows, s.head_id) for s in report.scopes] == [("job:a", 3, a[-1]), ("user:b", 2, b[-1])]
    only = verify(audit_db, Scope("user", "b"))
    assert [(str(s.scope), s.rows) for s in only.scopes] == [("user:b", 2)]
    with audit_db.begin() as conn:
        assert audit.verify(conn, "job:a").rows == 3
        assert audit.count_rows(conn, "job:a") == 3


def test_verify_on_an_empty_table_is_intact(audit_db: Engine) -> None:
    report = verify(audit_db)
    assert report.intact and report.scopes == ()


def test_verify_without_the_schema_says_to_upgrade(empty_db: str) -> None:
    engine = sa.create_engine(empty_db)
    try:
        with engine.begin() as conn, pytest.raises(DatabaseError, match="no audit_logs table") as caught:
            audit.verify(conn)
        assert caught.value.hint == "run schemactl upgrade"
    finally:
        engine.dispose()


TAMPERING = {
    "scope_type": "UPDATE audit_logs SET scope_type = 'invoice' WHERE id = :id",
    "scope_id": "UPDATE audit_logs SET scope_id = 'j-2' WHERE id = :id",
    "actor_user_id": "UPDATE audit_logs SET actor_user_id = :other WHERE id = :id",
    "actor_user_id (removed)": "UPDATE audit_logs SET actor_user_id = NULL WHERE id = :id",
    "event_type": "UPDATE audit_logs SET event_type = 'job.cancelled' WHERE id = :id",
    "payload (value)": "UPDATE audit_logs SET payload = jsonb_set(payload, '{n}', '99') WHERE id = :id",
    "payload (new key)": "UPDATE audit_logs SET payload = payload || '{\"extra\": true}' WHERE id = :id",
    "created_at": "UPDATE audit_logs SET created_at = created_at + interval '1 microsecond' WHERE id = :id",
    "prev_chain_hash": "UPDATE audit_logs SET prev_chain_hash = repeat('0', 64) WHERE id = :id",
    "chain_hash": "UPDATE audit_logs SET chain_hash = repeat('a', 64) WHERE id = :id",
}


@pytest.mark.parametrize("field", list(TAMPERING))
def test_changing_any_field_of_a_row_is_caught_naming_that_row(audit_db: Engine, field: str) -> None:
    actor, other = add_user(audit_db), add_user(audit_db)
    ids = fill(audit_db, Scope("job", "j-1"), 5, actor=actor)
    fill(audit_db, Scope("user", str(actor)), 3)
    target = ids[2]
    tamper(audit_db, TAMPERING[field], id=target, other=other)

    report = verify(audit_db)
    assert not report.intact
    breaks = {b.scope: b.first_break for b in report.broken}
    assert target in [b.id for b in breaks.values()], breaks
    assert verify(audit_db, Scope("user", str(actor))).intact  # the other chain is untouched
    named = next(b for b in breaks.values() if b.id == target)
    expected_kind = {"prev_chain_hash": "wrong_predecessor"}.get(field, "hash_mismatch")
    assert named.kind == expected_kind, named


def test_a_removed_row_leaves_a_gap_at_its_successor(audit_db: Engine) -> None:
    ids = fill(audit_db, Scope("job", "j-1"), 5)
    tamper(audit_db, "DELETE FROM audit_logs WHERE id = :id", id=ids[2])
    [scope] = verify(audit_db).scopes
    assert scope.first_break is not None
    assert (scope.first_break.id, scope.first_break.kind, scope.rows) == (ids[3], "gap", 4)
    assert f"id {ids[1]}" in scope.first_break.message


def test_a_removed_first_row_leaves_a_gap_at_the_new_first_row(audit_db: Engine) -> None:
    ids = fill(audit_db, Scope("job", "j-1"), 3)
    tamper(audit_db, "DELETE FROM audit_logs WHERE id = :id", id=ids[0])
    [scope] = verify(audit_db).scopes
    assert scope.first_break is not None
    assert (scope.first_break.id, scope.first_break.kind) == (ids[1], "gap")
    assert scope.broken_rows == 1


def test_parallel_verify_finds_the_first_broken_row_of_every_scope_as_one_process_does(
    audit_db: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Several processes, each verifying a range of scopes in the caller's snapshot, report
    exactly what one process reports: every scope in order, its rows and head, and the first
    broken row of each broken chain (tampered in scopes spread over all the ranges)."""
    generate_chains(audit_db, scopes=30, per_scope=6)
    with audit_db.connect() as conn:
        ids = {s: conn.execute(sa.text("SELECT array_agg(id ORDER BY id) FROM audit_logs WHERE scope_id = :s"),
                               {"s": f"job-{s}"}).scalar_one() for s in (1, 12, 25, 30)}
    tamper(audit_db, TAMPERING["payload (value)"].replace("'{n}'", "'{attempt}'"), id=ids[1][3])
    tamper(audit_db, TAMPERING["payload (value)"].replace("'{n}'", "'{attempt}'"), id=ids[1][4])  # the 2nd broken row
    tamper(audit_db, "DELETE FROM audit_logs WHERE id = :id", id=ids[12][0])
    tamper(audit_db, TAMPERING["prev_chain_hash"], id=ids[25][5])
    tamper(audit_db, TAMPERING["created_at"], id=ids[30][2])
    monkeypatch.setattr(audit, "PARALLEL_FROM", 1)
    parallel_runs = []
    real = audit._verify_parallel
    monkeypatch.setattr(audit, "_verify_parallel", lambda *a, **k: parallel_runs.append(len(a[2])) or real(*a, **k))

    progress: list[int] = []
    with audit_db.begin() as conn:
        one = audit.verify(conn, workers=1)
    with audit_db.begin() as conn:
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")  # as the CLI does
        many = audit.verify(conn, workers=3, progress=progress.append)
    assert parallel_runs == [3]
    assert many.as_dict() == one.as_dict()
    assert [(b.scope_id, b.first_break.id, b.first_break.kind, b.broken_rows) for b in many.broken] == [
        ("job-1", ids[1][3], "hash_mismatch", 2), ("job-12", ids[12][1], "gap", 1),
        ("job-25", ids[25][5], "wrong_predecessor", 1), ("job-30", ids[30][2], "hash_mismatch", 1),
    ]
    assert many.rows == 179 and len(many.scopes) == 30 and progress[-1] == 179


def test_parallel_verify_reads_the_callers_snapshot(audit_db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    generate_chains(audit_db, scopes=4, per_scope=3)
    monkeypatch.setattr(audit, "PARALLEL_FROM", 1)
    parallel_runs = []
    real = audit._verify_parallel
    monkeypatch.setattr(audit, "_verify_parallel", lambda *a, **k: parallel_runs.append(len(a[2])) or real(*a, **k))
    with audit_db.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        conn.execute(sa.text("SELECT count(*) FROM audit_logs")).scalar_one()  # the snapshot is taken
        audit.append_one(audit_db, scope_type="job", scope_id="job-1", event_type="job.progress", payload={})
        report = audit.verify(conn, workers=2)
        conn.rollback()
    assert parallel_runs == [2]
    assert report.intact and report.rows == 12  # the row appended after the snapshot is not read


# ------------------------------------------------------------------------- concurrency


def _hammer(engine: Engine, scopes: list[Scope], threads: int, per_thread: int) -> None:
    """``threads`` writers, each appending ``per_thread`` rows (one transaction each),
    thread t writing to scopes[(t + n) % len(scopes)] so every scope has several writers."""
    start = threading.Barrier(threads)

    def writer(t: int) -> None:
        start.wait(timeout=30)
        for n in range(per_thread):
            scope = scopes[(t + n) % len(scopes)]
            with engine.begin() as conn:
                audit.append(conn, scope_type=scope.type, scope_id=scope.id, event_type="job.progress",
                             payload={"thread": t, "n": n})

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(writer, t) for t in range(threads)]:
            future.result(timeout=120)


def _assert_no_fork(engine: Engine) -> None:
    with engine.connect() as conn:
        forks = conn.execute(sa.text(
            "SELECT count(*) FROM (SELECT 1 FROM audit_logs GROUP BY scope_type, scope_id, prev_chain_hash "
            "HAVING count(*) > 1) f")).scalar_one()
    assert forks == 0


def test_eight_writers_on_one_scope_make_one_valid_chain(audit_db: Engine) -> None:
    _hammer(audit_db, [Scope("job", "hot")], threads=8, per_thread=200)
    report = verify(audit_db)
    assert report.intact
    assert [(s.scope, s.rows) for s in report.scopes] == [(Scope("job", "hot"), 1600)]
    _assert_no_fork(audit_db)


def test_eight_writers_on_eight_scopes_make_eight_valid_chains(audit_db: Engine) -> None:
    scopes = [Scope("job", f"j-{i}") for i in range(8)]
    _hammer(audit_db, scopes, threads=8, per_thread=200)
    report = verify(audit_db)
    assert report.intact
    assert sorted((s.scope, s.rows) for s in report.scopes) == [(s, 200) for s in scopes]
    _assert_no_fork(audit_db)


def test_writers_of_different_scopes_do_not_wait_for_each_other(audit_db: Engine) -> None:
    holder = audit_db.connect()
    try:
        holder.begin()
        audit.append(holder, scope_type="job", scope_id="a", event_type="job.created", payload={})
        with audit_db.begin() as conn:  # another scope: goes through while "a" is locked
            conn.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
            audit.append(conn, scope_type="job", scope_id="b", event_type="job.created", payload={})
        with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
            with audit_db.begin() as conn:  # the same scope: waits for the holder
                conn.execute(sa.text("SET LOCAL lock_timeout = '200ms'"))
                audit.append(conn, scope_type="job", scope_id="a", event_type="job.started", payload={})
        holder.commit()
    finally:
        holder.close()
    assert verify(audit_db).intact


def test_a_waiting_writer_links_to_the_row_committed_while_it_waited(audit_db: Engine) -> None:
    holder = audit_db.connect()
    holder.begin()
    first = audit.append(holder, scope_type="job", scope_id="a", event_type="job.created", payload={})
    results: list[audit.AuditEntry] = []

    def second() -> None:
        with audit_db.begin() as conn:
            results.append(audit.append(conn, scope_type="job", scope_id="a", event_type="job.started", payload={}))

    waiter = threading.Thread(target=second)
    waiter.start()
    time.sleep(0.3)  # the waiter is now blocked on the scope lock
    assert not results
    holder.commit()
    holder.close()
    waiter.join(timeout=10)
    assert results and results[0].prev_chain_hash == first.chain_hash


def test_repeatable_read_with_a_stale_snapshot_is_a_chain_conflict(audit_db: Engine) -> None:
    fill(audit_db, Scope("job", "a"), 1)
    with audit_db.connect().execution_options(isolation_level="REPEATABLE READ") as stale:
        stale.execute(sa.text("SELECT count(*) FROM audit_logs")).scalar_one()  # snapshot taken
        fill(audit_db, Scope("job", "a"), 1)  # committed after that snapshot
        with pytest.raises(AuditChainConflict, match="retry|fork") as caught:
            audit.append(stale, scope_type="job", scope_id="a", event_type="job.started", payload={})
        assert "retry the transaction" in (caught.value.hint or "")
        stale.rollback()
    assert verify(audit_db).intact


def test_lock_scopes_takes_several_scope_locks(audit_db: Engine) -> None:
    with audit_db.begin() as conn:
        audit.lock_scopes(conn, [Scope("job", "a"), ("user", "u")])
        audit.append(conn, scope_type="job", scope_id="a", event_type="job.created", payload={})
        audit.append(conn, scope_type="user", scope_id="u", event_type="job.created", payload={})
        held = conn.execute(sa.text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")).scalar_one()
    assert held == 2
    assert verify(audit_db).intact


# ------------------------------------------------------- append_one, the one-round-trip path


def _psycopg(engine: Engine, **kwargs: object) -> psycopg.Connection:
    return psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False), **kwargs)


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM audit_logs")).scalar_one()


@pytest.mark.parametrize("how", ["engine", "autocommit", "idle"])
def test_append_one_commits_a_row_of_its_own(audit_db: Engine, how: str) -> None:
    actor = add_user(audit_db)
    payload = {"params": {"tolerance_mm": 0.01}, "note": "Çelik şaft €", "n": 3}
    if how == "engine":
        entries = [audit.append_one(audit_db, scope_type="job", scope_id="j1", event_type="job.created",
                                    payload=payload, actor_user_id=actor) for _ in range(3)]
    else:
        with _psycopg(audit_db, autocommit=how == "autocommit") as conn:
            entries = [audit.append_one(conn, scope_type="job", scope_id="j1", event_type="job.created",
                                        payload=payload, actor_user_id=actor) for _ in range(3)]
            assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            assert conn.autocommit is (how == "autocommit")
    report = verify(audit_db)  # read on another connection: committed
    assert report.intact and report.rows == 3 and report.scopes[0].head_id == entries[-1].id
    assert [e.prev_chain_hash for e in entries] == [None, entries[0].chain_hash, entries[1].chain_hash]
    assert entries[0].payload == payload and entries[0].actor_user_id == actor
    with audit_db.connect() as conn:
        stored = conn.execute(sa.text("SELECT created_at FROM audit_logs ORDER BY id")).scalars().all()
    assert [e.created_at for e in entries] == stored


def test_append_one_refuses_a_connection_inside_a_transaction(audit_db: Engine) -> None:
    with _psycopg(audit_db) as conn:
        conn.execute("SELECT 1")  # psycopg began a transaction
        with pytest.raises(AuditError, match="inside one") as caught:
            audit.append_one(conn, scope_type="job", scope_id="j1", event_type="job.created", payload={})
        assert "audit.append(conn" in (caught.value.hint or "")
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS  # left as it was
        conn.rollback()
    with pytest.raises(TypeError, match="Engine or a psycopg Connection"):
        audit.append_one("postgresql://x", scope_type="job", scope_id="j1", event_type="job.created", payload={})  # type: ignore[arg-type]


def test_append_one_stores_nothing_when_refused_and_the_connection_stays_usable(audit_db: Engine) -> None:
    with _psycopg(audit_db) as conn:
        with pytest.raises(AuditError, match="is not a user"):
            audit.append_one(conn, scope_type="job", scope_id="j1", event_type="job.created", payload={},
                             actor_user_id=uuid.UUID(int=1))
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        with pytest.raises(AuditError, match="scope_type"):
            audit.append_one(conn, scope_type="Job", scope_id="j1", event_type="job.created", payload={})
        entry = audit.append_one(conn, scope_type="job", scope_id="j1", event_type="job.created", payload={})
    assert entry.prev_chain_hash is None and _count(audit_db) == 1


def test_append_one_prepares_again_after_discard_all(audit_db: Engine) -> None:
    with _psycopg(audit_db, autocommit=True) as conn:
        audit.append_one(conn, scope_type="job", scope_id="j1", event_type="job.created", payload={})
        conn.execute("DISCARD ALL")  # what a pooler does between clients: the prepared statements go
        audit.append_one(conn, scope_type="job", scope_id="j1", event_type="job.started", payload={})
    with _psycopg(audit_db, autocommit=True, prepare_threshold=None) as conn:  # prepared statements off
        audit.append_one(conn, scope_type="job", scope_id="j1", event_type="job.progress", payload={})
        assert conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone() == (0,)
    report = verify(audit_db)
    assert report.intact and report.rows == 3


def test_many_threads_with_append_one_on_one_scope_make_one_unforked_chain(audit_db: Engine) -> None:
    threads, per_thread = 8, 100
    start = threading.Barrier(threads)

    def writer(t: int) -> list[audit.AuditEntry]:
        with _psycopg(audit_db, autocommit=True) as conn:
            start.wait(timeout=30)
            return [audit.append_one(conn, scope_type="system", scope_id="global", event_type="config.changed",
                                     payload={"thread": t, "n": n}) for n in range(per_thread)]

    with ThreadPoolExecutor(threads) as pool:
        entries = [e for future in [pool.submit(writer, t) for t in range(threads)] for e in future.result(timeout=300)]
    report = verify(audit_db)
    assert report.intact and [(s.scope, s.rows) for s in report.scopes] == [(audit.SYSTEM_SCOPE, threads * per_thread)]
    _assert_no_fork(audit_db)
    by_id = sorted(entries, key=lambda e: e.id)  # one chain, in id order and in time order
    assert [e.prev_chain_hash for e in by_id[1:]] == [e.chain_hash for e in by_id[:-1]]
    assert all(a.created_at <= b.created_at for a, b in zip(by_id, by_id[1:], strict=False))


def test_append_one_is_one_statement_when_the_scope_lock_is_free(audit_db: Engine) -> None:
    with _psycopg(audit_db, autocommit=True) as conn:
        for n in range(3):
            audit.append_one(conn, scope_type="job", scope_id=f"j{n % 2}", event_type="job.created", payload={"n": n})
        prepared = conn.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    # no BEGIN, lock statement or COMMIT was ever needed: only the INSERT that tries the lock
    assert len(prepared) == 1 and "pg_try_advisory_xact_lock" in prepared[0][0]
    report = verify(audit_db)
    assert report.intact and sorted(s.rows for s in report.scopes) == [1, 2]


def test_append_one_whose_snapshot_missed_a_row_appends_after_it(audit_db: Engine) -> None:
    """A row committed between the fast path's snapshot and its insert (here by a direct
    INSERT that takes no scope lock) makes the fork guard refuse the fast path's row; the
    append is then made the locked way and links to that row."""
    first = audit.append_one(audit_db, scope_type="job", scope_id="a", event_type="job.created", payload={})
    created = "2030-01-01T00:00:00.000000Z"
    record = audit.record_json(scope_type="job", scope_id="a", actor_user_id=None, event_type="job.started",
                               payload_json="{}", created_at=created)
    direct_hash = audit.chain_hash(first.chain_hash, record)
    direct = audit_db.connect()
    direct.begin()
    direct.execute(sa.text(
        "INSERT INTO audit_logs (scope_type, scope_id, event_type, payload, created_at, prev_chain_hash, chain_hash) "
        "VALUES ('job', 'a', 'job.started', '{}', :created, :prev, :hash)"),
        {"created": created, "prev": first.chain_hash, "hash": direct_hash})
    results: list[audit.AuditEntry] = []
    errors: list[BaseException] = []

    def third() -> None:
        try:
            results.append(audit.append_one(audit_db, scope_type="job", scope_id="a", event_type="job.progress",
                                            payload={"n": 3}))
        except BaseException as exc:
            errors.append(exc)

    waiter = threading.Thread(target=third)
    waiter.start()
    time.sleep(0.5)  # the fast path got the (free) scope lock, missed the direct row and waits on its key
    assert not results and not errors
    direct.commit()
    direct.close()
    waiter.join(timeout=10)
    assert not errors and results and results[0].prev_chain_hash == direct_hash
    report = verify(audit_db)
    assert report.intact and report.rows == 3
    _assert_no_fork(audit_db)


def test_append_one_and_append_in_a_transaction_share_the_scope_lock(audit_db: Engine) -> None:
    holder = audit_db.connect()
    holder.begin()
    first = audit.append(holder, scope_type="job", scope_id="a", event_type="job.created", payload={})
    results: list[audit.AuditEntry] = []
    waiter = threading.Thread(target=lambda: results.append(
        audit.append_one(audit_db, scope_type="job", scope_id="a", event_type="job.started", payload={})))
    waiter.start()
    time.sleep(0.3)  # the waiter is now blocked on the scope lock
    assert not results
    holder.commit()
    holder.close()
    waiter.join(timeout=10)
    assert results and results[0].prev_chain_hash == first.chain_hash


def test_a_rolled_back_transaction_whose_first_statement_was_the_append_leaves_nothing(audit_db: Engine) -> None:
    with audit_db.connect() as conn:  # the append sends the BEGIN itself, pipelined with the lock
        audit.append(conn, scope_type="job", scope_id="a", event_type="job.created", payload={})
        assert conn.execute(sa.text("SELECT count(*) FROM audit_logs")).scalar_one() == 1  # same transaction
        conn.rollback()
    with Session(audit_db) as session:
        audit.append(session, scope_type="job", scope_id="a", event_type="job.created", payload={})
        session.rollback()
    assert _count(audit_db) == 0
    audit.append_one(audit_db, scope_type="job", scope_id="a", event_type="job.created", payload={})
    assert verify(audit_db).scopes[0].rows == 1


def test_an_append_that_begins_the_transaction_keeps_its_isolation_level(audit_db: Engine) -> None:
    with audit_db.connect().execution_options(isolation_level="SERIALIZABLE") as conn:
        audit.append(conn, scope_type="job", scope_id="a", event_type="job.created", payload={})
        level = conn.execute(sa.text("SELECT current_setting('transaction_isolation')")).scalar_one()
        conn.commit()
    assert level == "serializable"
    assert verify(audit_db).intact


def test_an_error_in_the_callers_transaction_is_a_sqlalchemy_error(audit_db: Engine) -> None:
    with audit_db.connect() as conn:
        conn.execute(sa.text("SET LOCAL lock_timeout = '1ms'"))
        conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": audit.scope_lock_key("job", "a")})  # session lock
        with audit_db.connect() as other:
            other.execute(sa.text("SET lock_timeout = '100ms'"))
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                audit.append(other, scope_type="job", scope_id="a", event_type="job.created", payload={})
            other.rollback()
        conn.rollback()
        conn.execute(sa.text("SELECT pg_advisory_unlock_all()"))


# ------------------------------------------------------------------------- throughput


# Chains computed by PostgreSQL itself, an independent implementation of the v1 format for
# payloads whose canonical JSON is easy to write by hand (keys in order, plain numbers). Round k
# of the recursive CTE computes row k of every scope from row k - 1. "@k" is the row number.
_CREATED = "(timestamptz '2025-01-01 00:00:00+00' + (@k * :scopes + s) * interval '1 millisecond')"
_PAYLOAD = """('{"attempt":' || @k % 5 || ',"job_id":"job-' || s || '","metrics":{"cycle_time_s":' || @k
    || '.25,"toolpath_mm":1234.5},"note":"Çelik şaft","status":"running","tags":["roughing","5-axis"]}')"""
_RECORD = f"""'{{"actor_user_id":null,"created_at":"'
    || to_char({_CREATED} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    || '","event_type":"job.progress","payload":' || {_PAYLOAD}
    || ',"scope_id":"job-' || s || '","scope_type":"job"}}'"""
_HASH = "encode(sha256(convert_to(@prev" + _RECORD + ", 'UTF8')), 'hex')"
GENERATE_CHAINS = f"""
INSERT INTO audit_logs (scope_type, scope_id, event_type, payload, created_at, prev_chain_hash, chain_hash)
WITH RECURSIVE chain (k, s, prev, hash) AS (
    SELECT 1, s, NULL::text, {_HASH.replace("@prev", "").replace("@k", "1")}
    FROM generate_series(1, :scopes) AS s
  UNION ALL
    SELECT k + 1, s, hash, {_HASH.replace("@prev", "hash || ").replace("@k", "(k + 1)")}
    FROM chain WHERE k < :per_scope
)
SELECT 'job', 'job-' || s, 'job.progress', {_PAYLOAD.replace("@k", "k")}::jsonb,
       {_CREATED.replace("@k", "k")}, prev, hash
FROM chain ORDER BY k, s"""


def generate_chains(engine: Engine, scopes: int, per_scope: int) -> None:
    with engine.begin() as conn:
        sql = GENERATE_CHAINS.replace("%", "%%").replace(":scopes", "%(scopes)s").replace(":per_scope", "%(per_scope)s")
        conn.exec_driver_sql(sql, {"scopes": scopes, "per_scope": per_scope})  # psycopg parameters
        conn.execute(sa.text("ANALYZE audit_logs"))


def test_chains_computed_by_postgresql_verify(audit_db: Engine) -> None:
    generate_chains(audit_db, scopes=3, per_scope=4)
    report = verify(audit_db)
    assert report.intact and report.rows == 12 and len(report.scopes) == 3


@pytest.mark.slow
def test_verify_throughput_on_100k_rows(pg17, capsys: pytest.CaptureFixture[str]) -> None:
    """100,000 rows in 1,000 chains; verify finds them intact. The rate is printed; the
    floor asserted only catches a pathological slowdown (CI machines are shared)."""
    with scratch_database(pg17.url()) as url:
        engine = make_schema_db(url)
        try:
            generate_chains(engine, scopes=1000, per_scope=100)
            started = time.perf_counter()
            report = verify(engine)
            elapsed = time.perf_counter() - started
        finally:
            engine.dispose()
    assert report.intact and report.rows == 100_000 and len(report.scopes) == 1000
    with capsys.disabled():
        print(f"\nverify: {report.rows:,} rows in {elapsed:.2f} s = {report.rows / elapsed:,.0f} rows/s")
    assert report.rows / elapsed > 5_000
