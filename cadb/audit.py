"""The audit hash chain: append a row to a scope's chain, verify every chain.

Chain format v1 (docs/audit-chain.md is the auditor's version):

- A scope is ``(scope_type, scope_id)``; each scope is one chain, ordered by ``id``.
- record = {"scope_type", "scope_id", "actor_user_id", "event_type", "payload",
  "created_at"}: ids as strings or null, created_at as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC,
  the instant stored in the row).
- chain_hash = lower-case hex sha256 of (prev_chain_hash as ASCII, or "" for the first row of
  a scope) followed by canonical_json(record) (RFC 8785, ``cadb.canonical``).

Pure functions first (record, hash, ``verify_rows`` over any iterable of rows), then the I/O:
``append`` (lock the scope, read its head, insert, in the caller's transaction),
``append_one`` (the same in a transaction of its own; usually a single statement that tries
the lock, see ``_append_alone``) and ``verify`` / ``iter_verify``
(stream the table through a server-side cursor).

An append takes ``pg_advisory_xact_lock(scope_lock_key(scope))``, then inserts in a second
statement that reads the head itself. Two statements are needed: in READ COMMITTED a
statement's snapshot is taken when it starts, so a head read in the statement that waited
for the lock would miss the row its predecessor committed meanwhile (and fork, which the
unique constraint ``uq_audit_logs_scope_prev`` would refuse). Both go in one libpq pipeline
(one network round trip; ``append_one``'s safe path adds BEGIN and COMMIT to it): the server
still runs the INSERT only after the lock statement has finished. ``append_one`` first tries
the INSERT alone, taking the lock with ``pg_try_advisory_xact_lock`` (``_append_alone``): the
fork guards refuse its row if its snapshot missed one, and the safe path follows. The INSERT reads
``clock_timestamp()`` once, after the lock was granted, stores it as created_at and splices
it, formatted, between the record bytes Python sent, so the hashed instant is the stored one
and a scope's rows are in time order; Python checks the returned hash before returning.

The database's chain guard (trigger ``audit_logs_chain_guard``, spec ``hash_chain``) makes
the head lookup by highest id trustworthy whoever inserts: it refuses ids the sequence has not
issued and rows that do not extend their scope's chain at its newest row.
"""

from __future__ import annotations

import hashlib
import itertools
import json.encoder
import multiprocessing
import os
import queue
import re
import secrets
import select
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import psycopg
import psycopg.conninfo
import psycopg.sql
from psycopg import pq
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from cadb.canonical import (
    NotCanonicalJson,
    canonical_json_for_jsonb,
    canonical_json_from_text,
    canonical_json_many,
    parse_json,
)
from cadb.errors import DatabaseError, SchemactlError

CHAIN_FORMAT_VERSION = 1
SCOPE_TYPE_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"  # = ck_audit_logs_scope_type_format
EVENT_TYPE_PATTERN = r"^[a-z][a-z0-9_.]{0,63}$"  # = ck_audit_logs_event_type_format
SCOPE_ID_MAX = 200  # = ck_audit_logs_scope_id_len
LOCK_NAMESPACE = b"schemactl.audit.v1\x00"
FORK_GUARDS = {"uq_audit_logs_scope_prev", "uq_audit_logs_chain_hash"}
CHAIN_GUARD = "audit_logs_chain_guard"  # the BEFORE INSERT trigger (spec hash_chain, revision 0009)

_SCOPE_TYPE = re.compile(SCOPE_TYPE_PATTERN)
_EVENT_TYPE = re.compile(EVENT_TYPE_PATTERN)


class AuditError(SchemactlError):
    """An audit row could not be appended as asked (bad scope or event name, bad payload,
    unknown actor, a connection that cannot hold the scope lock)."""

    kind = "audit"


class AuditChainConflict(AuditError):
    """Another transaction appended to the scope after this transaction's snapshot was taken
    (REPEATABLE READ or SERIALIZABLE): the insert would fork the chain. Retry the transaction."""


class Scope(NamedTuple):
    """One chain: ``Scope("job", "8c0f...")``; ``str(scope)`` is ``job:8c0f...``."""

    type: str
    id: str

    def __str__(self) -> str:
        return f"{self.type}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Scope:
        """``TYPE:ID`` (split at the first colon) -> Scope; AuditError when malformed."""
        scope_type, sep, scope_id = text.partition(":")
        if not sep:
            raise AuditError(f"scope {text!r} is not TYPE:ID", "e.g. --scope job:8c0f2d1e-... or --scope system:global")
        return cls(_check_scope_type(scope_type), _check_scope_id(scope_id))


SYSTEM_SCOPE = Scope("system", "global")
"""Platform-wide events that belong to no single entity (configuration, admin actions)."""


# ------------------------------------------------------------------------- the format (pure)

_STR = json.encoder.encode_basestring  # RFC 8785 string escaping (see cadb.canonical)


def format_created_at(instant: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC; ``instant`` must be timezone-aware."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("created_at must be timezone-aware")
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def build_record(
    *, scope_type: str, scope_id: str, actor_user_id: str | None, event_type: str,
    payload: Any, created_at: str,
) -> dict[str, Any]:
    """The hashed record as a dict (its canonical JSON is what ``record_json`` writes)."""
    return {
        "scope_type": scope_type, "scope_id": scope_id, "actor_user_id": actor_user_id,
        "event_type": event_type, "payload": payload, "created_at": created_at,
    }


def record_json(
    *, scope_type: str, scope_id: str, actor_user_id: str | None, event_type: str,
    payload_json: str, created_at: str,
) -> bytes:
    """canonical_json(record), given the payload's canonical JSON: the six keys in RFC 8785
    order (actor_user_id < created_at < event_type < payload < scope_id < scope_type)."""
    actor = "null" if actor_user_id is None else _STR(actor_user_id)
    return (
        f'{{"actor_user_id":{actor},"created_at":{_STR(created_at)},"event_type":{_STR(event_type)},'
        f'"payload":{payload_json},"scope_id":{_STR(scope_id)},"scope_type":{_STR(scope_type)}}}'
    ).encode()


def chain_hash(prev_chain_hash: str | None, record: bytes) -> str:
    """sha256(prev_chain_hash as ASCII, or "" for a scope's first row, || record) as hex."""
    return hashlib.sha256((prev_chain_hash or "").encode("utf-8") + record).hexdigest()


def scope_lock_key(scope_type: str, scope_id: str) -> int:
    """The ``pg_advisory_xact_lock`` key of a scope: the first 8 bytes of
    sha256("schemactl.audit.v1" NUL scope_type NUL scope_id) as a signed big-endian int64.
    Two scopes sharing a key only wait for each other; their chains stay separate."""
    digest = hashlib.sha256(LOCK_NAMESPACE + scope_type.encode() + b"\x00" + scope_id.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


# ------------------------------------------------------------------- verification (pure)


@dataclass(frozen=True)
class Break:
    """What is wrong with a row. ``kind``: "hash_mismatch" (its chain_hash does not match its
    content), "wrong_predecessor" (its prev_chain_hash was changed, or a second first row) or
    "gap" (it is intact but links to a row that is not the previous one: rows are missing)."""

    id: int
    kind: str
    message: str


@dataclass(frozen=True)
class ScopeResult:
    """One chain, checked: rows read, rows found broken, the first broken row, the head."""

    scope_type: str
    scope_id: str
    rows: int
    broken_rows: int
    first_break: Break | None
    head_id: int | None
    head_hash: str | None

    @property
    def scope(self) -> Scope:
        return Scope(self.scope_type, self.scope_id)

    @property
    def intact(self) -> bool:
        return self.first_break is None

    @property
    def status(self) -> str:
        return "intact" if self.intact else "broken"

    def as_dict(self) -> dict[str, Any]:
        brk = self.first_break
        return {
            "scope": str(self.scope), "scope_type": self.scope_type, "scope_id": self.scope_id,
            "status": self.status, "rows": self.rows,
            "broken_rows": self.broken_rows, "head_id": self.head_id, "head_hash": self.head_hash,
            "first_broken": None if brk is None else {"id": brk.id, "kind": brk.kind, "message": brk.message},
        }

    to_dict = as_dict  # the name before 1.0 (docs/audit-chain.md); as_dict is the one to use


@dataclass(frozen=True)
class VerifyReport:
    """Every chain verified (or the one ``scope`` asked for); ``status`` is "intact" or "broken"."""

    scopes: tuple[ScopeResult, ...]
    scope: Scope | None = None  # the one scope asked for, or None: every scope
    seconds: float = 0.0  # how long verifying took

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.scopes)

    @property
    def broken(self) -> tuple[ScopeResult, ...]:
        return tuple(s for s in self.scopes if not s.intact)

    @property
    def intact(self) -> bool:
        return not self.broken

    @property
    def status(self) -> str:
        return "intact" if self.intact else "broken"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status, "format_version": CHAIN_FORMAT_VERSION,
            "scopes_checked": len(self.scopes), "rows_checked": self.rows,
            "broken_scopes": len(self.broken), "scopes": [s.as_dict() for s in self.scopes],
        }

    to_dict = as_dict  # the name before 1.0 (docs/audit-chain.md); as_dict is the one to use


VERIFY_COLUMNS = (
    "id", "scope_type", "scope_id", "actor_user_id", "event_type", "payload",
    "prev_chain_hash", "chain_hash", "created_at",
)


def verify_rows(rows: Iterable[Sequence[Any]], *, batch: int = 1_000) -> Iterator[ScopeResult]:
    """Recompute the chains of ``rows`` and yield one ScopeResult per scope.

    Each row is a sequence in ``VERIFY_COLUMNS`` order; rows are grouped by scope and in id
    order within a scope (as ``ORDER BY scope_type, scope_id, id`` gives them). payload is
    JSON text (or an already-parsed value), created_at the formatted string (or a datetime),
    actor_user_id a string or None. After a broken row, checking goes on from that row's
    stored hash, so one changed row is reported once (and ``broken_rows`` counts the rest).
    Rows are canonicalised ``batch`` at a time (``canonical_json_many``).
    """
    iterator = iter(rows)
    return verify_batches(iter(lambda: list(itertools.islice(iterator, batch)), []))


def verify_batches(batches: Iterable[Sequence[Sequence[Any]]]) -> Iterator[ScopeResult]:
    """``verify_rows`` over rows that come in lists (as a cursor's ``fetchmany`` gives them):
    each list's payloads are canonicalised at once."""
    scope: tuple[str, str] | None = None
    expected = None  # the chain_hash the next row must link to
    last_id = count = broken = 0
    first: Break | None = None
    tail: bytes | None = None  # the record's end, the same for every row of a scope
    sha256, esc, many = hashlib.sha256, _STR, canonical_json_many  # (record_json and chain_hash, inlined)
    for part in batches:
        for row, body in zip(part, many([row[5] for row in part]), strict=True):
            row_id, scope_type, scope_id, actor, event_type, payload, prev, stored, created = row
            if scope is None or scope_id != scope[1] or scope_type != scope[0]:
                if scope is not None:
                    yield ScopeResult(scope[0], scope[1], count, broken, first, last_id, expected)
                scope, expected, last_id, count, broken, first, tail = (scope_type, scope_id), None, 0, 0, 0, None, None
            count += 1
            try:
                if body is None:  # not for the fast tier: a slower form, or a tampered value
                    body = canonical_json_from_text(payload) if type(payload) is str else _payload_json(payload).encode()
                if tail is None:
                    tail = f',"scope_id":{esc(scope_id)},"scope_type":{esc(scope_type)}}}'.encode()
                record: bytes | None = (
                    f'{{"actor_user_id":{"null" if actor is None else esc(actor)},'
                    f'"created_at":{esc(created if type(created) is str else format_created_at(created))},'
                    f'"event_type":{esc(event_type)},"payload":'
                ).encode() + body + tail
                computed = sha256(prev.encode() + record if prev else record).hexdigest()
            except Exception as exc:  # stored values no writer produces (a tampered row)
                record, computed = None, str(exc) if isinstance(exc, NotCanonicalJson) else f"{type(exc).__name__}: {exc}"
            if computed != stored or prev != expected:
                broken += 1
                if first is None:
                    first = _diagnose(row_id, record, computed, prev, stored, expected, last_id)
            expected, last_id = stored, row_id
    if scope is not None:
        yield ScopeResult(scope[0], scope[1], count, broken, first, last_id, expected)


def _payload_json(payload: Any) -> str:
    if isinstance(payload, str | bytes):
        return canonical_json_from_text(payload).decode()
    return canonical_json_for_jsonb(payload).decode()


def _diagnose(
    row_id: int, record: bytes | None, computed: str, prev: str | None, stored: str,
    expected: str | None, last_id: int,
) -> Break:
    """Why a row failed: ``computed`` is its recomputed hash (or, if ``record`` is None, why it
    could not be hashed); ``expected`` the chain_hash of the previous row (id ``last_id``)."""
    previous = f"the previous row (id {last_id})" if last_id else "no previous row"
    if record is None:
        return Break(row_id, "hash_mismatch", f"the row cannot be hashed ({computed})")
    if prev == expected:
        return Break(row_id, "hash_mismatch", "chain_hash does not match the row's content: a field "
                     f"was changed (recomputed {computed}, stored {stored})")
    if computed == stored:  # consistent in itself, but linked elsewhere
        if expected is None:
            return Break(row_id, "gap", "the scope's first row has a prev_chain_hash: the rows before it are missing")
        if prev is None:
            return Break(row_id, "wrong_predecessor",
                         f"prev_chain_hash is NULL although {previous} precedes it: a second first row")
        return Break(row_id, "gap",
                     f"prev_chain_hash is not the chain_hash of {previous}: rows between them are missing")
    if chain_hash(expected, record) == stored:
        return Break(row_id, "wrong_predecessor", "prev_chain_hash was changed: the row's hash links "
                     f"to {previous}, not to the stored prev_chain_hash")
    return Break(row_id, "hash_mismatch", f"chain_hash matches neither the row's content nor a link to {previous}")


# --------------------------------------------------------------------------------- appending


@dataclass(frozen=True)
class AuditEntry:
    """A stored audit row, as ``append`` returns it."""

    id: int
    scope_type: str
    scope_id: str
    actor_user_id: uuid.UUID | None
    event_type: str
    payload: Any
    prev_chain_hash: str | None
    chain_hash: str
    created_at: datetime

    @property
    def scope(self) -> Scope:
        return Scope(self.scope_type, self.scope_id)


def append(
    conn: Connection | Session,
    *,
    scope_type: str,
    scope_id: str | uuid.UUID | int,
    event_type: str,
    payload: Any,
    actor_user_id: str | uuid.UUID | None = None,
) -> AuditEntry:
    """Append one row to the chain of ``(scope_type, scope_id)`` in the caller's transaction.

    Writers of one scope are serialised by a transaction-scoped advisory lock (held until the
    caller commits or rolls back); writers of different scopes do not wait for each other.
    One round trip: the lock and the INSERT that reads the head are pipelined (two
    statements, so the INSERT's snapshot is taken after the lock is granted). ``payload`` is
    any JSON value (usually a dict). Raises AuditError for a bad name, payload or actor, or a
    connection in autocommit mode (the lock would end with the statement);
    AuditChainConflict in REPEATABLE READ / SERIALIZABLE when another transaction appended to
    the scope after this one's snapshot: retry the transaction. Other database errors are
    raised as SQLAlchemy exceptions; the caller's transaction must then be rolled back.
    """
    connection = _transactional(conn, "append")
    row = _Row.check(scope_type, scope_id, event_type, payload, actor_user_id)
    if not connection.in_transaction():
        connection.begin()  # what SQLAlchemy's autobegin would do; the caller ends it
    dbapi = connection.connection.dbapi_connection
    steps: list[tuple[str, Sequence[bytes | None] | None]] = []
    if dbapi.info.transaction_status == _IDLE:  # psycopg would send BEGIN first: so do we
        steps.append((_begin_command(dbapi), None))
    steps += [("lock", row.lock_params()), ("insert", row.insert_params(dbapi.info.encoding))]
    try:
        results = _round_trip(dbapi, steps)
    except psycopg.Error as exc:
        raise _append_error(exc, row) from exc
    return row.entry(results[-1])


def append_one(
    target: Engine | psycopg.Connection[Any],
    *,
    scope_type: str,
    scope_id: str | uuid.UUID | int,
    event_type: str,
    payload: Any,
    actor_user_id: str | uuid.UUID | None = None,
) -> AuditEntry:
    """Append one row in a transaction of its own, committed before returning: the fast path
    for an event that goes with no other change. Usually one statement in one round trip, as
    a plain INSERT: the INSERT, prepared, in an implicit transaction, taking the scope lock
    with ``pg_try_advisory_xact_lock`` (``_append_alone``). When the lock is held by another
    writer, or a row committed meanwhile makes the fork guards refuse the row, one more round
    trip appends the safe way: BEGIN (READ COMMITTED), the scope lock (waiting), the INSERT,
    COMMIT, pipelined.

    ``target`` is a SQLAlchemy Engine (a pooled connection is borrowed) or a psycopg 3
    Connection that is not inside a transaction (autocommit or idle). Same checks and errors
    as ``append``; nothing is stored when it raises.
    """
    row = _Row.check(scope_type, scope_id, event_type, payload, actor_user_id)
    if isinstance(target, Engine):
        raw = target.raw_connection()
        try:
            return _append_one(raw.driver_connection, row)
        finally:
            raw.close()
    if not isinstance(target, psycopg.Connection):
        raise TypeError(f"append_one() needs a SQLAlchemy Engine or a psycopg Connection, not {type(target).__name__}")
    return _append_one(target, row)


def _append_one(dbapi: Any, row: _Row) -> AuditEntry:
    if dbapi.info.transaction_status != _IDLE:
        raise AuditError(
            "audit.append_one() commits a transaction of its own, but the connection is inside one",
            "use audit.append(conn, ...) to append in the caller's transaction",
        )
    params = row.insert_params(dbapi.info.encoding)
    entry = _append_alone(dbapi, row, params)
    if entry is not None:
        return entry
    steps = [("begin", None), ("lock", row.lock_params()), ("insert", params), ("commit", None)]
    for attempt in (1, 2, 3):
        try:
            results = _round_trip(dbapi, steps)
        except psycopg.Error as exc:
            if dbapi.info.transaction_status != _IDLE:  # the pipeline stopped at the error
                with suppress(psycopg.Error):
                    dbapi.rollback()
            if attempt < 3 and exc.sqlstate in _STALE_PREPARED:
                continue  # _round_trip corrected what it knows; once more, preparing
            raise _append_error(exc, row) from exc
        return row.entry(results[-2])
    raise AssertionError("unreachable")  # pragma: no cover


def _append_alone(dbapi: Any, row: _Row, params: list[bytes | None]) -> AuditEntry | None:
    """The fast path of ``append_one``: one statement, its own implicit transaction (no BEGIN,
    no COMMIT, no lock statement: what a plain INSERT costs in statements). It takes the scope
    lock with ``pg_try_advisory_xact_lock`` and inserts only if it got it. None when it did not
    (another writer holds the lock) or when the row would not extend the chain (its snapshot,
    taken before it got the lock, missed a row a previous holder committed meanwhile: the fork
    guards refuse it): the caller then appends the safe way (lock, then a new snapshot)."""
    for attempt in (1, 2, 3):
        try:
            result = _round_trip(dbapi, [("try_insert", [*params, *row.lock_params()])])[0]
        except psycopg.Error as exc:
            if attempt < 3 and exc.sqlstate in _STALE_PREPARED:
                continue
            if _is_chain_conflict(exc) or exc.sqlstate in _SERIALIZATION:
                return None
            raise _append_error(exc, row) from exc
        return row.entry(result) if result.ntuples else None
    raise AssertionError("unreachable")  # pragma: no cover


def lock_scopes(conn: Connection | Session, scopes: Iterable[Scope | tuple[str, str]]) -> None:
    """Take the append locks of several scopes up front, in one global order (by key), before
    appending to them in one transaction: two such transactions then cannot deadlock."""
    connection = _transactional(conn, "lock_scopes")
    keys = sorted({scope_lock_key(str(t), str(i)) for t, i in scopes})
    for key in keys:
        connection.execute(_LOCK_SQL, {"key": key})


class _Row(NamedTuple):
    """One checked append: the columns, and the record's bytes around created_at (the server
    reads the clock after the lock is granted and splices the instant in)."""

    scope_type: str
    scope_id: str
    actor: uuid.UUID | None
    event_type: str
    payload_json: str
    before: bytes  # {"actor_user_id":…,"created_at":"
    after: bytes  # ","event_type":…,"payload":…,"scope_id":…,"scope_type":…}

    @classmethod
    def check(cls, scope_type: Any, scope_id: Any, event_type: Any, payload: Any, actor_user_id: Any) -> _Row:
        scope_type = _check_scope_type(scope_type)
        scope_id = _check_scope_id(scope_id)
        event_type = _check_event_type(event_type)
        actor = _check_actor(actor_user_id)
        try:
            payload_json = canonical_json_for_jsonb(payload).decode("utf-8")
        except NotCanonicalJson as exc:
            raise AuditError(f"audit payload {exc.message}", exc.hint) from exc
        record = record_json(
            scope_type=scope_type, scope_id=scope_id, actor_user_id=None if actor is None else str(actor),
            event_type=event_type, payload_json=payload_json, created_at="\x00",
        )
        # created_at is the record's second field (after a uuid or null), so the first
        # escaped NUL in the record is its placeholder
        before, _, after = record.partition(b'"\\u0000"')
        return cls(scope_type, scope_id, actor, event_type, payload_json, before + b'"', b'"' + after)

    def lock_params(self) -> list[bytes | None]:
        return [str(scope_lock_key(self.scope_type, self.scope_id)).encode()]

    def insert_params(self, encoding: str) -> list[bytes | None]:
        """$1..$7 of _INSERT_SQL in text format, in the connection's client encoding."""
        try:
            return [
                self.scope_type.encode(encoding), self.scope_id.encode(encoding),
                None if self.actor is None else str(self.actor).encode(), self.event_type.encode(encoding),
                self.payload_json.encode(encoding), b"\\x" + self.before.hex().encode(), b"\\x" + self.after.hex().encode(),
            ]
        except UnicodeEncodeError as exc:
            raise AuditError(
                f"the audit row has a character the connection's client encoding ({encoding}) cannot carry",
                "connect with client_encoding UTF8",
            ) from exc

    def entry(self, result: pq.abc.PGresult) -> AuditEntry:
        """The AuditEntry for the INSERT's RETURNING row, after checking its hash."""
        row_id, prev, stored, created = (result.get_value(0, i) for i in range(4))
        assert row_id is not None and stored is not None and created is not None  # NOT NULL columns
        prev_text = None if prev is None else prev.decode()
        created_at = datetime.fromisoformat(created.decode())
        expected = chain_hash(prev_text, self.before + created + self.after)
        if stored.decode() != expected or format_created_at(created_at) != created.decode():
            raise AuditError(
                f"the database hashed audit row {int(row_id)} differently from schemactl "
                f"(stored {stored.decode()}, expected {expected})",
                "roll the transaction back; is the database encoding UTF8?",
            )
        return AuditEntry(int(row_id), self.scope_type, self.scope_id, self.actor, self.event_type,
                          parse_json(self.payload_json), prev_text, expected, created_at)


# The statements an append sends, as prepared statements named after a hash of their text
# (so a connection that outlives a change of the SQL never runs the old one).
_IDLE = pq.TransactionStatus.IDLE
_STALE_PREPARED = {"26000", "42P05"}  # no such prepared statement / it exists already
_SERIALIZATION = {"40001", "40P01"}  # (the session's default isolation is SERIALIZABLE; a deadlock)
_PREPARED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def _round_trip(dbapi: Any, steps: Sequence[tuple[str, Sequence[bytes | None] | None]]) -> list[pq.abc.PGresult]:
    """Send ``steps`` (a name of _STATEMENTS, or any other SQL sent unprepared; text
    parameters) in libpq pipeline mode, then one Sync, and wait once: one network round
    trip. Statements this connection has not prepared yet are prepared in the same
    pipeline. Returns every statement's result; raises the first error as psycopg would.

    Written against psycopg's libpq wrapper (``psycopg.pq``) rather than its Pipeline class,
    whose per-statement Python work costs more CPU than the statements themselves."""
    with dbapi.lock:
        pgconn = dbapi.pgconn
        if pgconn.pipeline_status != pq.PipelineStatus.OFF:
            raise AuditError("audit.append() cannot run inside a psycopg pipeline block", "append outside it")
        prepare = dbapi.prepare_threshold is not None  # None: the application disabled them (PgBouncer)
        known = _PREPARED.setdefault(dbapi, set())
        sent: list[tuple[str, str]] = []  # ("prepare" | "execute", step name) per command
        pgconn.enter_pipeline_mode()
        try:
            for name, params in steps:
                if name not in _STATEMENTS:
                    pgconn.send_query_params(name.encode(), None)
                elif not prepare:
                    pgconn.send_query_params(_STATEMENTS[name][1], params)
                else:
                    if name not in known:
                        pgconn.send_prepare(_STATEMENTS[name][0], _STATEMENTS[name][1])
                        sent.append(("prepare", name))
                    pgconn.send_query_prepared(_STATEMENTS[name][0], params)
                sent.append(("execute", name))
            pgconn.pipeline_sync()
            results = _collect(pgconn)
        except BaseException:
            with suppress(Exception):  # (fails if results are left: the error says more)
                pgconn.exit_pipeline_mode()
            raise
        pgconn.exit_pipeline_mode()
    error = None
    for (kind, name), result in zip(sent, results, strict=True):
        if result.status == pq.ExecStatus.FATAL_ERROR and error is None:
            error = psycopg.errors.error_from_result(result, encoding=dbapi.info.encoding)
            if error.sqlstate == "26000":  # the server forgot them (DISCARD ALL, a pooler)
                known.clear()
            elif error.sqlstate == "42P05":  # prepared already (its name says its SQL is ours)
                known.add(name)
        elif kind == "prepare" and result.status == pq.ExecStatus.COMMAND_OK:
            known.add(name)
    if error is not None:
        raise error
    return [result for (kind, _), result in zip(sent, results, strict=True) if kind == "execute"]


def _begin_command(dbapi: Any) -> str:
    """The BEGIN psycopg would send for ``dbapi`` (its isolation level, read-only and
    deferrable settings), for when the append is the transaction's first statement."""
    parts = ["BEGIN"]
    if dbapi.isolation_level is not None:
        parts.append("ISOLATION LEVEL " + dbapi.isolation_level.name.replace("_", " "))
    if dbapi.read_only is not None:
        parts.append("READ ONLY" if dbapi.read_only else "READ WRITE")
    if dbapi.deferrable is not None:
        parts.append("DEFERRABLE" if dbapi.deferrable else "NOT DEFERRABLE")
    return " ".join(parts)


def _collect(pgconn: Any) -> list[pq.abc.PGresult]:
    """One result per command of a pipeline (PIPELINE_ABORTED for those skipped after an
    error), up to its Sync, waiting on the socket without holding the GIL."""
    sock = pgconn.socket
    while pgconn.flush():  # the rest of the output, once the socket is writable
        _wait(sock, write=True)
        pgconn.consume_input()
    results = []
    while True:
        while pgconn.is_busy():
            _wait(sock)
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:  # the end of one command's results
            continue
        if result.status == pq.ExecStatus.PIPELINE_SYNC:
            return results
        results.append(result)


def _wait(sock: int, write: bool = False) -> None:
    """Block until ``sock`` is readable (or writable, with ``write``); poll() where there is one,
    as select() refuses descriptors above 1023."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN | (select.POLLOUT if write else 0))
        poller.poll()
    else:  # pragma: no cover - Windows
        select.select([sock], [sock] if write else [], [])


def _transactional(conn: Any, what: str) -> Connection:
    """The Connection behind a Connection or Session (flushed first, as its own queries would
    autoflush, so the row may refer to objects added in the same unit of work); refuse autocommit."""
    if isinstance(conn, Session):
        if conn.autoflush:
            conn.flush()
        conn = conn.connection()
    if not isinstance(conn, Connection):
        raise TypeError(f"{what}() needs a SQLAlchemy Connection or Session, not {type(conn).__name__}")
    dbapi = conn.connection.dbapi_connection
    if getattr(dbapi, "autocommit", False):
        raise AuditError(
            f"audit.{what}() needs a transaction, but the connection is in autocommit mode",
            "use engine.begin() or a Session; in autocommit the scope lock would end with "
            "each statement and concurrent writers could fork the chain",
        )
    return conn


def _check_scope_type(value: Any) -> str:
    if not isinstance(value, str) or not _SCOPE_TYPE.fullmatch(value):
        raise AuditError(
            f"scope_type {value!r} is not valid",
            f"use lower-case letters, digits and _ (at most 32, matching {SCOPE_TYPE_PATTERN}), "
            "e.g. job, user, system",
        )
    return value


def _check_scope_id(value: Any) -> str:
    text = str(value) if isinstance(value, uuid.UUID | int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not 1 <= len(text) <= SCOPE_ID_MAX:
        raise AuditError(
            f"scope_id {value!r} is not valid",
            f"use the entity's id as text, 1 to {SCOPE_ID_MAX} characters (e.g. a uuid, or 'global')",
        )
    if "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise AuditError(
            f"scope_id {value!r} contains a character PostgreSQL text cannot hold",
            "remove NUL characters and unpaired surrogates from the scope id",
        )
    return text


def _check_event_type(value: Any) -> str:
    if not isinstance(value, str) or not _EVENT_TYPE.fullmatch(value):
        raise AuditError(
            f"event_type {value!r} is not valid",
            f"use a dotted lower-case name (matching {EVENT_TYPE_PATTERN}), e.g. job.created",
        )
    return value


def _check_actor(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise AuditError(
            f"actor_user_id {value!r} is not a uuid", "pass the users.id of the actor, or None for the system"
        ) from None


def _is_chain_conflict(exc: psycopg.Error) -> bool:
    """The unique fork guard, or the chain guard, refused the row: a row was committed to its
    scope after the head was read."""
    return (exc.sqlstate == "23505" and exc.diag.constraint_name in FORK_GUARDS) or (
        exc.sqlstate == "23514" and exc.diag.constraint_name == CHAIN_GUARD
    )


def _append_error(exc: psycopg.Error, row: _Row) -> Exception:
    """The AuditError for a refused append, else the error as SQLAlchemy would raise it."""
    state = exc.sqlstate
    if _is_chain_conflict(exc):
        return AuditChainConflict(
            f"another transaction appended to scope {row.scope_type}:{row.scope_id} after this "
            "transaction's snapshot was taken; appending here would fork the chain",
            "retry the transaction (REPEATABLE READ / SERIALIZABLE), or append in READ COMMITTED",
        )
    if state == "23503":
        return AuditError(f"actor_user_id {row.actor} is not a user", "pass an existing users.id, or None for the system")
    if state == "42P01":
        return DatabaseError("the database has no audit_logs table", "run schemactl upgrade")
    return sa_exc.DBAPIError.instance(_INSERT_SQL, None, exc, psycopg.Error)


# ------------------------------------------------------------------------------- verifying


def verify(
    conn: Connection | Session, scope: Scope | tuple[str, str] | str | None = None, *,
    progress: Callable[[int], None] | None = None, batch: int = 10_000, workers: int | None = None,
) -> VerifyReport:
    """Recompute every chain (or one ``scope``) and report per scope; see ``iter_verify``."""
    started = time.perf_counter()
    wanted = None if scope is None else Scope.parse(scope) if isinstance(scope, str) else Scope(*scope)
    scopes = tuple(iter_verify(conn, wanted, progress=progress, batch=batch, workers=workers))
    return VerifyReport(scopes, wanted, time.perf_counter() - started)


def iter_verify(
    conn: Connection | Session, scope: Scope | tuple[str, str] | str | None = None, *,
    progress: Callable[[int], None] | None = None, batch: int = 5_000, workers: int | None = None,
) -> Iterator[ScopeResult]:
    """Stream audit_logs ordered by scope and id through a server-side cursor (``batch`` rows
    per FETCH, constant memory) and yield one ScopeResult per scope as it is finished.

    ``progress(rows_so_far)`` is called after each batch. One snapshot: rows appended
    meanwhile are not seen, and what is seen is a prefix of every chain. The next batch is
    fetched in a background thread while this one is checked, so the server's work and ours
    overlap. Nothing is checked before the first ``next()``.

    Every chain (no ``scope``) of a table the planner puts at ``PARALLEL_FROM`` rows or more
    is checked by ``workers`` processes (default: the CPUs, at most ``MAX_WORKERS``; 1 turns
    this off), each reading one range of scopes on a connection of its own in the caller's
    snapshot (``pg_export_snapshot``), so the same rows are read; the results come in the same
    order. Checking is CPU-bound Python, so this is what scales it past one core.
    """
    connection = _transactional(conn, "verify")
    where, params = "", {}
    if scope is not None:
        wanted = Scope.parse(scope) if isinstance(scope, str) else Scope(*scope)
        where = "WHERE scope_type = %(scope_type)s AND scope_id = %(scope_id)s"
        params = {"scope_type": wanted.type, "scope_id": wanted.id}
    elif (workers or _default_workers()) > 1:
        parallel = _parallel_plan(connection, workers or _default_workers())
        if parallel is not None:
            yield from _verify_parallel(*parallel, progress=progress, batch=batch)
            return

    def batches() -> Iterator[list[Any]]:
        done = 0
        for part in _server_side_batches(connection, _VERIFY_SQL.format(where=where), params, batch):
            yield part
            done += len(part)
            if progress is not None:
                progress(done)

    yield from verify_batches(batches())


PARALLEL_FROM = 50_000  # rows (the planner's estimate); below, starting processes costs more than it saves
MAX_WORKERS = 8


def _default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def _parallel_plan(connection: Connection, workers: int) -> tuple[str, str, list[dict[str, Any]]] | None:
    """(conninfo, exported snapshot, one range of scopes per worker) or None: the table is
    small, the server is a standby (which cannot export snapshots), or there is one scope."""
    if not connection.in_transaction():
        connection.begin()  # what SQLAlchemy's autobegin would do; the caller ends it
    estimate = count_rows(connection)
    if estimate is None or estimate < PARALLEL_FROM:
        return None
    dbapi = connection.connection.dbapi_connection
    if connection.exec_driver_sql("SELECT pg_is_in_recovery()").scalar():
        return None
    # The snapshot first: the workers read as of now. The ranges are read afterwards in a newer
    # snapshot, which does not matter: they only split the key space, and cover all of it.
    snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    sizes = connection.exec_driver_sql(
        "SELECT scope_type, scope_id, count(*) FROM audit_logs GROUP BY 1, 2 ORDER BY 1, 2").all()
    total = sum(n for _, _, n in sizes)
    bounds: list[tuple[str, str]] = []  # the first scope of every range but the first
    seen = 0
    for scope_type, scope_id, n in sizes:
        if seen >= total * (len(bounds) + 1) / workers and len(bounds) < workers - 1:
            bounds.append((scope_type, scope_id))
        seen += n
    if not bounds:
        return None
    ranges = []
    for lo, hi in zip([None, *bounds], [*bounds, None], strict=True):
        conditions, params = [], {}
        if lo is not None:
            conditions.append("(scope_type, scope_id) >= (%(lo_type)s, %(lo_id)s)")
            params.update(lo_type=lo[0], lo_id=lo[1])
        if hi is not None:
            conditions.append("(scope_type, scope_id) < (%(hi_type)s, %(hi_id)s)")
            params.update(hi_type=hi[0], hi_id=hi[1])
        ranges.append({"where": "WHERE " + " AND ".join(conditions), "params": params})
    conninfo = psycopg.conninfo.make_conninfo(dbapi.info.dsn, password=dbapi.info.password)
    return conninfo, snapshot, ranges


def _verify_parallel(
    conninfo: str, snapshot: str, ranges: list[dict[str, Any]], *,
    progress: Callable[[int], None] | None, batch: int,
) -> Iterator[ScopeResult]:
    """One process per range; the results of range k are yielded once ranges 0..k are done."""
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    counts = context.Queue()
    with ProcessPoolExecutor(len(ranges), mp_context=context, initializer=_worker_init, initargs=(counts,)) as pool:
        futures = [pool.submit(_verify_range, conninfo, snapshot, r["where"], r["params"], batch) for r in ranges]
        done = 0
        for future in futures:
            while not future.done():
                with suppress(queue.Empty):
                    done += counts.get(timeout=0.05)
                    if progress is not None:
                        progress(done)
            yield from future.result()
        while True:  # what is left of the counts
            try:
                done += counts.get_nowait()
            except queue.Empty:
                break
        if progress is not None:
            progress(done)


_COUNTS: Any = None  # in a worker: the queue its row counts go to


def _worker_init(counts: Any) -> None:
    global _COUNTS
    _COUNTS = counts


def _verify_range(conninfo: str, snapshot: str, where: str, params: dict[str, Any], batch: int) -> list[ScopeResult]:
    """In a worker process: verify the scopes ``where`` selects, in ``snapshot``."""
    with psycopg.connect(conninfo) as dbapi:
        dbapi.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        dbapi.read_only = True
        dbapi.execute(psycopg.sql.SQL("SET TRANSACTION SNAPSHOT {}").format(psycopg.sql.Literal(snapshot)))
        cursor = dbapi.cursor(name=f"schemactl_audit_verify_{secrets.token_hex(4)}")
        cursor.execute(_VERIFY_SQL.format(where=where), params)

        def batches() -> Iterator[list[Any]]:
            for part in _prefetched(cursor, batch):
                yield part
                if _COUNTS is not None:
                    _COUNTS.put(len(part))

        return list(verify_batches(batches()))


def _server_side_batches(connection: Connection, sql: str, params: dict[str, Any], batch: int) -> Iterator[list[Any]]:
    """Lists of row tuples from a psycopg server-side cursor (DECLARE, then FETCH ``batch``),
    the next one fetched by a background thread while the caller works on the current one.
    Plain tuples, not SQLAlchemy Rows: verify reads millions of rows."""
    if not connection.in_transaction():
        connection.begin()  # what SQLAlchemy's autobegin would do; the caller ends it
    cursor = connection.connection.dbapi_connection.cursor(name=f"schemactl_audit_verify_{secrets.token_hex(4)}")
    try:
        cursor.execute(sql, params)
    except Exception as exc:
        if getattr(exc, "sqlstate", None) == "42P01":
            raise DatabaseError("the database has no audit_logs table", "run schemactl upgrade") from exc
        raise
    yield from _prefetched(cursor, batch)


def _prefetched(cursor: Any, batch: int) -> Iterator[list[Any]]:
    """``cursor.fetchmany(batch)`` lists until the end, the next fetched by a background
    thread while the caller works on the current one; the cursor is closed at the end."""
    batches: queue.Queue[Any] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def put(item: Any) -> None:
        while not stop.is_set():
            try:
                batches.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def fetch() -> None:
        try:
            while not stop.is_set():
                part = cursor.fetchmany(batch)
                put(part)
                if not part:
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)

    fetcher = threading.Thread(target=fetch, name="schemactl-audit-verify-fetch", daemon=True)
    fetcher.start()
    try:
        while True:
            part = batches.get()
            if isinstance(part, BaseException):
                raise part
            if not part:
                return
            yield part
    finally:
        stop.set()
        fetcher.join()
        with suppress(Exception):  # after a failed FETCH the transaction is aborted anyway
            cursor.close()


def count_rows(conn: Connection | Session, scope: Scope | tuple[str, str] | str | None = None) -> int | None:
    """Rows ``verify`` will read: exact for one scope, the planner's estimate for the whole
    table (None when the table was never analysed). For progress bars."""
    connection = _transactional(conn, "count_rows")
    if scope is None:
        estimate = connection.execute(text(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass('audit_logs')"
        )).scalar()
        return None if estimate is None or estimate < 0 else int(estimate)
    wanted = Scope.parse(scope) if isinstance(scope, str) else Scope(*scope)
    return int(connection.execute(
        text("SELECT count(*) FROM audit_logs WHERE scope_type = :t AND scope_id = :i"),
        {"t": wanted.type, "i": wanted.id},
    ).scalar_one())


# ------------------------------------------------------------------------------ statements


_LOCK_SQL = text("SELECT pg_advisory_xact_lock(:key)")

# The INSERT is a statement of its own, sent after the lock's, so in READ COMMITTED its
# snapshot is taken after the lock was granted: the head it reads is the row the previous
# holder committed. The clock is read once (a materialised CTE), after the lock: created_at is
# stored and spliced into the hashed record as the same instant, and returned as formatted.
_CREATED_AT_TEXT = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
_INSERT_SQL = f"""
    WITH clock AS MATERIALIZED (SELECT clock_timestamp() AS at)
    INSERT INTO audit_logs (scope_type, scope_id, actor_user_id, event_type, payload,
                            created_at, prev_chain_hash, chain_hash)
    SELECT $1, $2, $3::uuid, $4, $5::jsonb, clock.at, head.hash,
           encode(sha256(convert_to(coalesce(head.hash, ''), 'UTF8') || $6::bytea
                         || convert_to({_CREATED_AT_TEXT.format("clock.at")}, 'UTF8') || $7::bytea), 'hex')
    FROM clock, (SELECT (SELECT chain_hash FROM audit_logs WHERE scope_type = $1 AND scope_id = $2
                         ORDER BY id DESC LIMIT 1) AS hash) AS head
    {{where}}
    RETURNING id, prev_chain_hash, chain_hash, {_CREATED_AT_TEXT.format("created_at")}"""

# append_one's fast path: the same INSERT alone in its transaction, inserting only if the scope
# lock was free ($8: its key). Its snapshot is taken before the lock is granted, so a row a
# previous holder committed in between is missed: the new row then links to the row before
# it, which the fork guards refuse (23505 / 23514) and the caller takes the locked path. A row
# that is stored read the clock after its predecessor committed: time order holds too.
_TRY_INSERT_SQL = _INSERT_SQL.format(where="WHERE pg_try_advisory_xact_lock($8::bigint)")
_INSERT_SQL = _INSERT_SQL.format(where="")


def _named(**statements: str) -> dict[str, tuple[bytes, bytes]]:
    tag = hashlib.sha256(repr(sorted(statements.items())).encode()).hexdigest()[:12]
    return {name: (f"schemactl_audit_{tag}_{name}".encode(), sql.encode()) for name, sql in statements.items()}


_STATEMENTS = _named(
    begin="BEGIN ISOLATION LEVEL READ COMMITTED", lock="SELECT pg_advisory_xact_lock($1::bigint)",
    insert=_INSERT_SQL, commit="COMMIT", try_insert=_TRY_INSERT_SQL,
)

# psycopg paramstyle. created_at is formatted by the server (cheaper than datetimes, and total:
# any stored value, even a tampered 'infinity', gives a string). The ORDER BY matches an index
# on (scope_type, scope_id, id) scanned forwards, if the schema has one; else PostgreSQL sorts.
_VERIFY_SQL = """
    SELECT id, scope_type, scope_id, actor_user_id::text, event_type, payload::text,
           prev_chain_hash, chain_hash,
           to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    FROM audit_logs {where}
    ORDER BY scope_type, scope_id, id"""
