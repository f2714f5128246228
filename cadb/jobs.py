"""Idempotent job creation: ``create_job(conn, user_id=..., type=..., params=...,
idempotency_key=...) -> (job, created)``. docs/idempotency.md describes the semantics.

- The key is 8 to 255 characters of ``A-Z a-z 0-9 _ . : -`` (the CHECK
  ``ck_jobs_idempotency_key_format``), unique across all users, forever (also after the job
  is soft-deleted).
- The request is fingerprinted: sha256 hex of the RFC 8785 canonical JSON of
  ``{"user_id", "type", "params"}``, stored in ``jobs.request_fingerprint``.
- ``INSERT ... ON CONFLICT (idempotency_key) DO NOTHING RETURNING *``: the first call inserts
  (created=True). Otherwise the existing row is read: same fingerprint -> that job,
  created=False; another fingerprint -> IdempotencyConflict. A concurrent first call with the
  same key makes the INSERT wait for that transaction; when it commits, the INSERT does
  nothing and the SELECT (a new statement, so a new snapshot in READ COMMITTED) sees its row.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from enum import Enum
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from cadb.canonical import NotCanonicalJson, canonical_json, canonical_json_for_jsonb, sha256_hex
from cadb.errors import DatabaseError, IdempotencyConflict, InvalidIdempotencyKey, SchemactlError

IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:-]{8,255}$"  # = ck_jobs_idempotency_key_format
_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
_KEY_CHAR = re.compile(IDEMPOTENCY_KEY_PATTERN[1 : IDEMPOTENCY_KEY_PATTERN.index("{")])  # its [class]
_KEY_HINT = "use 8 to 255 characters of A-Z a-z 0-9 _ . : -, e.g. a UUID: str(uuid.uuid4())"
_ATTEMPTS = 3  # the existing row can vanish between INSERT and SELECT only if hard-deleted

Job = dict[str, Any]
"""A jobs row: every column by name (``id``, ``user_id``, ``status``, ``params``, ...)."""


class InvalidJobRequest(SchemactlError):
    """A job request that cannot be stored: a user_id that is not a uuid or not a user, an
    unknown job type, params that are not a JSON object."""

    kind = "job"


def check_idempotency_key(key: Any) -> str:
    """``key`` if it matches ``IDEMPOTENCY_KEY_PATTERN``, else InvalidIdempotencyKey saying why."""
    if not isinstance(key, str):
        raise InvalidIdempotencyKey(f"the idempotency key must be a string, not {type(key).__name__}", _KEY_HINT)
    if _KEY.fullmatch(key):
        return key
    shown = key if len(key) <= 40 else key[:37] + "..."
    if not 8 <= len(key) <= 255:
        why = f"it has {len(key)} characters"
    else:
        bad = next(c for c in key if not _KEY_CHAR.fullmatch(c))
        why = f"it contains {bad!r}"
    raise InvalidIdempotencyKey(f"idempotency key {shown!r} is not valid: {why}", _KEY_HINT)


def request_fingerprint(*, user_id: uuid.UUID | str, type: str, params: Mapping[str, Any]) -> str:
    """sha256 hex of canonical_json({"user_id": "<uuid, lower-case>", "type", "params"})."""
    return sha256_hex(canonical_json({"user_id": str(_user_uuid(user_id)), "type": _type_name(type), "params": params}))


def create_job(
    conn: Connection | Session,
    *,
    user_id: uuid.UUID | str,
    type: str | Enum,
    params: Mapping[str, Any],
    idempotency_key: str,
) -> tuple[Job, bool]:
    """Create the job, or return the one this key already created: ``(job, created)``.

    Runs in the caller's transaction (a Connection or Session). Raises InvalidIdempotencyKey
    for a malformed key, IdempotencyConflict (``.existing`` is the stored job, which may
    belong to another user: do not show it to the caller unchecked) when the key was used
    for a different request, InvalidJobRequest for a request the table cannot hold.
    """
    key = check_idempotency_key(idempotency_key)
    user = _user_uuid(user_id)
    type_name = _type_name(type)
    if not isinstance(params, Mapping):
        raise InvalidJobRequest(
            f"job params must be a JSON object (a dict), not {params.__class__.__name__}",
            "pass the parameters as a dict, e.g. {} when there are none",
        )
    try:
        params_json = canonical_json_for_jsonb(dict(params))
    except NotCanonicalJson as exc:
        raise InvalidJobRequest(f"job params {exc.message}", exc.hint) from exc
    fingerprint = request_fingerprint(user_id=user, type=type_name, params=dict(params))
    connection = _connection(conn)
    values = {"user_id": user, "type": type_name, "params": params_json.decode(), "key": key,
              "fingerprint": fingerprint}
    for _ in range(_ATTEMPTS):
        try:
            row = connection.execute(_INSERT, values).mappings().one_or_none()
            if row is not None:
                return dict(row), True
            row = connection.execute(_SELECT, {"key": key}).mappings().one_or_none()
        except sa_exc.DBAPIError as exc:
            translated = _error(exc, user, type_name)
            if translated is None:
                raise
            raise translated from exc
        if row is not None:
            if row["request_fingerprint"] != fingerprint:
                raise IdempotencyConflict(key, dict(row))
            return dict(row), False
    raise DatabaseError(f"job with idempotency key {key!r} disappeared while it was being read", "retry")


def _connection(conn: Connection | Session) -> Connection:
    """The Connection of a Session, flushed first as the Session's own queries would be (so a
    user added in the same unit of work can submit a job at once)."""
    if isinstance(conn, Session):
        if conn.autoflush:
            conn.flush()
        return conn.connection()
    return conn


def _user_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidJobRequest(f"user_id {value!r} is not a uuid", "pass the id of a row of users") from None


def _type_name(value: Any) -> str:
    name = value.value if isinstance(value, Enum) else value
    if not isinstance(name, str) or not name:
        raise InvalidJobRequest(f"job type {value!r} is not a job_type name", "e.g. cam, simulation, post_process")
    return name


def _error(exc: sa_exc.DBAPIError, user: uuid.UUID, type_name: str) -> SchemactlError | None:
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None)
    if state == "22P02":  # invalid_text_representation: not a job_type value
        return InvalidJobRequest(
            f"job type {type_name!r} is not a value of the job_type enum", "see schema.yaml, enums.job_type"
        )
    if state == "23503":
        return InvalidJobRequest(f"user_id {user} is not a user", "pass an existing users.id")
    if state == "42P01":
        return DatabaseError("the database has no jobs table", "run schemactl upgrade")
    return None


_INSERT = text("""
    INSERT INTO jobs (user_id, type, params, idempotency_key, request_fingerprint)
    VALUES (:user_id, CAST(:type AS job_type), CAST(:params AS jsonb), :key, :fingerprint)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING *""")
_SELECT = text("SELECT * FROM jobs WHERE idempotency_key = :key")
