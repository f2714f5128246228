"""The chain guard (issue 12, finding 5): what a role with only the documented grants
(SELECT, INSERT on audit_logs) can and cannot insert, on real PostgreSQL.

Before revision 0009 such a role could insert, with ``OVERRIDING SYSTEM VALUE``, a correctly
hashed row with id 2^62+7 (or 0) linked to a scope's head: the database accepted it, every later
``append_one`` to that scope failed with a chain conflict no retry could fix, and ``verify``
reported a "gap". The trigger ``audit_logs_chain_guard`` (spec ``hash_chain``) now refuses any
insert that does not extend its chain at the newest row with an id the sequence has issued.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import Engine
from test_audit import make_schema_db  # noqa: I001 - the sibling module's schema builder

from cadb import audit
from cadb.audit import AuditChainConflict, Scope

FAR_ID = 2**62 + 7
SCOPE = Scope("job", "j-guard")


@pytest.fixture
def audit_db(empty_db: str) -> Iterator[Engine]:
    engine = make_schema_db(empty_db)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def writer(audit_db: Engine, empty_db: str) -> Iterator[psycopg.Connection]:
    """A psycopg connection acting as a role granted exactly what docs/audit-chain.md says the
    application gets: SELECT, INSERT on audit_logs (SET ROLE: privileges are the role's)."""
    role = f"audit_writer_{uuid.uuid4().hex[:10]}"
    dsn = audit_db.url.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = psycopg.connect(dsn, autocommit=True)
    admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    admin.execute(sql.SQL("GRANT SELECT, INSERT ON audit_logs TO {}").format(sql.Identifier(role)))
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    try:
        yield conn
    finally:
        conn.close()
        admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
        admin.close()


def head(engine: Engine, scope: Scope = SCOPE) -> tuple[int, str] | None:
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT id, chain_hash FROM audit_logs WHERE scope_type = :t AND scope_id = :i ORDER BY id DESC LIMIT 1"),
            {"t": scope.type, "i": scope.id},
        ).first()
    return None if row is None else (row[0], row[1])


def forged(prev: str | None, scope: Scope = SCOPE, created: datetime | None = None) -> dict[str, object]:
    """A row with a correct v1 hash linking to ``prev``: what an attacker who can read the
    table computes. verify would accept it if it were in the right place."""
    created_at = audit.format_created_at(created or datetime.now(UTC))
    record = audit.record_json(scope_type=scope.type, scope_id=scope.id, actor_user_id=None,
                               event_type="job.forged", payload_json='{"x":1}', created_at=created_at)
    return {"scope_type": scope.type, "scope_id": scope.id, "event_type": "job.forged", "payload": '{"x":1}',
            "prev": prev, "hash": audit.chain_hash(prev, record), "created_at": created_at}


INSERT_WITH_ID = (
    "INSERT INTO audit_logs (id, scope_type, scope_id, event_type, payload, prev_chain_hash, chain_hash, created_at) "
    "OVERRIDING SYSTEM VALUE VALUES (%(id)s, %(scope_type)s, %(scope_id)s, %(event_type)s, %(payload)s, "
    "%(prev)s, %(hash)s, %(created_at)s)"
)
INSERT = (
    "INSERT INTO audit_logs (scope_type, scope_id, event_type, payload, prev_chain_hash, chain_hash, created_at) "
    "VALUES (%(scope_type)s, %(scope_id)s, %(event_type)s, %(payload)s, %(prev)s, %(hash)s, %(created_at)s)"
)


def refused(conn: psycopg.Connection, statement: str, params: dict[str, object]) -> psycopg.Error:
    with pytest.raises(psycopg.Error) as info:
        conn.execute(statement, params)
    return info.value


def assert_scope_still_works(engine: Engine, rows: int) -> None:
    """append_one keeps working on the scope and every chain verifies intact."""
    entry = audit.append_one(engine, scope_type=SCOPE.type, scope_id=SCOPE.id, event_type="job.after", payload={})
    assert head(engine) == (entry.id, entry.chain_hash)
    with engine.connect() as conn:
        report = audit.verify(conn)
    assert report.intact, report.as_dict()
    assert report.rows == rows + 1


def append(engine: Engine, n: int, scope: Scope = SCOPE) -> None:
    for k in range(n):
        audit.append_one(engine, scope_type=scope.type, scope_id=scope.id, event_type="job.step", payload={"k": k})


# ------------------------------------------------------------------------ the issue's attack


def test_the_issue_attack_an_id_ahead_of_the_sequence_is_refused(audit_db: Engine, writer: psycopg.Connection) -> None:
    append(audit_db, 2)
    head_id, head_hash = head(audit_db) or (0, "")
    error = refused(writer, INSERT_WITH_ID, {"id": FAR_ID, **forged(head_hash)})
    assert error.sqlstate == "428C9"  # generated_always: ids come from the sequence
    assert error.diag.constraint_name == "audit_logs_chain_guard"
    assert f"id {FAR_ID} was not issued by its identity sequence" in str(error)
    assert head(audit_db) == (head_id, head_hash)
    assert_scope_still_works(audit_db, rows=2)


@pytest.mark.parametrize("pick", ["zero", "negative", "issued_below_head"])
def test_an_id_below_the_scope_head_is_refused(audit_db: Engine, writer: psycopg.Connection, pick: str) -> None:
    """The same stop with a small id: linked to the head but ordered before it, so the next
    append would read the old head and collide with the fork guard forever."""
    append(audit_db, 3)
    head_id, head_hash = head(audit_db) or (0, "")
    row_id = {"zero": 0, "negative": -5, "issued_below_head": head_id - 1}[pick]
    if pick == "issued_below_head":  # free that id first (as the superuser; the row is gone)
        with audit_db.begin() as conn:
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            conn.execute(sa.text("DELETE FROM audit_logs WHERE id = :i"), {"i": row_id})
        with audit_db.connect() as conn:
            assert not audit.verify(conn).intact  # (a deleted row is a gap, as designed)
    error = refused(writer, INSERT_WITH_ID, {"id": row_id, **forged(head_hash)})
    assert error.sqlstate == "23514" and error.diag.constraint_name == "audit_logs_chain_guard"
    assert head(audit_db) == (head_id, head_hash)
    if pick != "issued_below_head":
        assert_scope_still_works(audit_db, rows=3)


def test_copy_with_a_chosen_id_is_refused(audit_db: Engine, writer: psycopg.Connection) -> None:
    """COPY writes identity columns as given; the row trigger still runs."""
    append(audit_db, 1)
    _, head_hash = head(audit_db) or (0, "")
    row = forged(head_hash)
    with pytest.raises(psycopg.Error) as info:
        with writer.cursor().copy(
            "COPY audit_logs (id, scope_type, scope_id, event_type, payload, prev_chain_hash, chain_hash, created_at) FROM STDIN"
        ) as copy:
            copy.write_row([FAR_ID, row["scope_type"], row["scope_id"], row["event_type"], row["payload"],
                            row["prev"], row["hash"], row["created_at"]])
    assert info.value.sqlstate == "428C9"
    assert_scope_still_works(audit_db, rows=1)


# --------------------------------------------------------------------- the other forgeries


def test_a_fork_at_an_older_row_and_a_second_first_row_are_refused(audit_db: Engine, writer: psycopg.Connection) -> None:
    append(audit_db, 2)
    with audit_db.connect() as conn:
        first = conn.execute(sa.text("SELECT chain_hash FROM audit_logs ORDER BY id LIMIT 1")).scalar_one()
    for prev in (first, None):
        error = refused(writer, INSERT, forged(prev))
        assert error.sqlstate == "23514" and error.diag.constraint_name == "audit_logs_chain_guard"
    assert_scope_still_works(audit_db, rows=2)


def test_a_new_scope_must_start_with_no_predecessor(audit_db: Engine, writer: psycopg.Connection) -> None:
    """A first row linking to nothing there would make verify report a gap in a scope from
    which nothing was deleted."""
    other = Scope("job", "j-new")
    error = refused(writer, INSERT, forged("a" * 64, scope=other))
    assert error.sqlstate == "23514" and "first row of chain job:j-new" in str(error)
    assert head(audit_db, other) is None


def test_a_temporary_table_cannot_stand_in_for_audit_logs(audit_db: Engine, writer: psycopg.Connection) -> None:
    """The guard runs as the table's owner with search_path pinned to pg_catalog, pg_temp and
    names public.audit_logs: a writer's temporary audit_logs (searched first by default) with a
    fake head is not what it reads."""
    append(audit_db, 2)
    writer.execute("CREATE TEMP TABLE audit_logs (id bigint, scope_type text, scope_id text, chain_hash text)")
    writer.execute("INSERT INTO pg_temp.audit_logs VALUES (1, %s, %s, %s)", (SCOPE.type, SCOPE.id, "b" * 64))
    error = refused(writer, INSERT.replace("INTO audit_logs", "INTO public.audit_logs"), forged("b" * 64))
    assert error.sqlstate == "23514"
    assert_scope_still_works(audit_db, rows=2)


def test_what_a_writer_can_do_append_a_well_linked_row(audit_db: Engine, writer: psycopg.Connection) -> None:
    """A role with INSERT is a writer: it can append a row of its choosing (content, and a
    created_at in the past or future) as long as the row extends the chain at its head with an
    id from the sequence. The chain stays intact and appends go on."""
    append(audit_db, 2)
    _, head_hash = head(audit_db) or (0, "")
    writer.execute(INSERT, forged(head_hash, created=datetime(2000, 1, 1, tzinfo=UTC)))
    assert_scope_still_works(audit_db, rows=3)


def test_a_chain_guard_refusal_is_a_chain_conflict_for_append(audit_db: Engine, writer: psycopg.Connection) -> None:
    """When a row is committed between an append's head read and its insert (a direct INSERT
    racing it), the guard refuses the append; append reports AuditChainConflict (retry)."""
    append(audit_db, 1)
    error = refused(writer, INSERT, forged(None))  # what the append's stale view would insert
    row = audit._Row.check(SCOPE.type, SCOPE.id, "job.step", {}, None)
    assert isinstance(error, psycopg.errors.CheckViolation)
    assert isinstance(audit._append_error(error, row), AuditChainConflict)
