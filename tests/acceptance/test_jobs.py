"""cadb.jobs.create_job against real PostgreSQL: idempotency keys, fingerprints, races."""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from enum import Enum
from functools import cache
from pathlib import Path

import pytest
import rfc8785
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from cadb import jobs
from cadb.errors import IdempotencyConflict, InvalidIdempotencyKey
from cadb.jobs import InvalidJobRequest, create_job
from generator.drift.materialize import materialize
from generator.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
PARAMS = {"machine": "dmg-dmu-50", "material": "al-6061", "tolerance_mm": 0.01, "tools": ["em-6", "dr-3"]}


@cache
def _spec():
    return load_spec(REPO / "schema.yaml")


@pytest.fixture
def jobs_db(empty_db: str) -> Iterator[Engine]:
    """A fresh database with the whole schema; the pool fits 16 threads."""
    engine = sa.create_engine(empty_db, pool_size=20, max_overflow=4)
    with engine.begin() as conn:
        materialize(conn, _spec())
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def user(jobs_db: Engine) -> uuid.UUID:
    return add_user(jobs_db)


def add_user(engine: Engine) -> uuid.UUID:
    with engine.begin() as conn:
        return conn.execute(
            sa.text("INSERT INTO users (email) VALUES (:e) RETURNING id"), {"e": f"{uuid.uuid4().hex[:12]}@example.com"}
        ).scalar_one()


def job_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM jobs")).scalar_one()


def submit(engine: Engine, user: uuid.UUID, key: str, type: str = "cam", params: dict | None = None):
    with engine.begin() as conn:
        return create_job(conn, user_id=user, type=type, params=PARAMS if params is None else params, idempotency_key=key)


# --------------------------------------------------------------------------- the cases


def test_the_first_call_creates_and_a_retry_returns_the_same_job(jobs_db: Engine, user: uuid.UUID) -> None:
    job, created = submit(jobs_db, user, "req-0001")
    assert created is True
    assert (job["user_id"], job["type"], job["status"], job["params"]) == (user, "cam", "queued", PARAMS)
    assert job["idempotency_key"] == "req-0001"
    again, created_again = submit(jobs_db, user, "req-0001")
    assert created_again is False
    assert again == job
    assert job_count(jobs_db) == 1


def test_the_fingerprint_is_sha256_of_the_canonical_request(jobs_db: Engine, user: uuid.UUID) -> None:
    job, _ = submit(jobs_db, user, "req-0001")
    expected = hashlib.sha256(rfc8785.dumps({"user_id": str(user), "type": "cam", "params": PARAMS})).hexdigest()
    assert job["request_fingerprint"] == expected
    assert jobs.request_fingerprint(user_id=str(user).upper(), type="cam", params=PARAMS) == expected


def test_the_same_request_written_differently_is_the_same_request(jobs_db: Engine, user: uuid.UUID) -> None:
    job, _ = submit(jobs_db, user, "req-0001", params={"a": 1, "b": {"y": 2.0, "x": [1, 2]}})
    again, created = submit(jobs_db, user, "req-0001", params={"b": {"x": [1.0, 2], "y": 2}, "a": 1.0})
    assert (again["id"], created) == (job["id"], False)


@pytest.mark.parametrize(
    "change",
    [
        {"params": PARAMS | {"tolerance_mm": 0.02}},
        {"params": {}},
        {"type": "simulation"},
        {"user": "other"},
    ],
    ids=["params", "no params", "type", "user"],
)
def test_the_same_key_for_another_request_is_a_conflict(jobs_db: Engine, user: uuid.UUID, change: dict) -> None:
    job, _ = submit(jobs_db, user, "req-0001")
    who = add_user(jobs_db) if change.get("user") else user
    with pytest.raises(IdempotencyConflict) as caught:
        submit(jobs_db, who, "req-0001", type=change.get("type", "cam"), params=change.get("params"))
    assert caught.value.key == "req-0001"
    assert caught.value.existing["id"] == job["id"]
    assert str(caught.value) == (
        "idempotency key 'req-0001' was already used for a different request (use a new key for a new request)"
    )
    assert job_count(jobs_db) == 1


def test_a_soft_deleted_job_keeps_its_key(jobs_db: Engine, user: uuid.UUID) -> None:
    job, _ = submit(jobs_db, user, "req-0001")
    with jobs_db.begin() as conn:
        conn.execute(sa.text("UPDATE jobs SET deleted_at = now() WHERE id = :id"), {"id": job["id"]})
    again, created = submit(jobs_db, user, "req-0001")
    assert (again["id"], created) == (job["id"], False)
    assert again["deleted_at"] is not None


@pytest.mark.parametrize("key", ["a" * 8, "A" * 255, "0b0e8a56-5c1b-4a6e-9d7e-4b1c2d3e4f5a", "client:42.retry_1-x"])
def test_keys_of_the_documented_format_are_accepted(jobs_db: Engine, user: uuid.UUID, key: str) -> None:
    job, created = submit(jobs_db, user, key)
    assert created and job["idempotency_key"] == key


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("short", "idempotency key 'short' is not valid: it has 5 characters"),
        ("", "idempotency key '' is not valid: it has 0 characters"),
        ("k" * 256, "is not valid: it has 256 characters"),
        ("has space", "idempotency key 'has space' is not valid: it contains ' '"),
        ("a/b/c/d/e", "idempotency key 'a/b/c/d/e' is not valid: it contains '/'"),
        ("çalışma-anahtarı", "it contains 'ç'"),
        ("line\nbreak!", "it contains '\\n'"),
        ("abcdefgh\n", "it contains '\\n'"),
        (12345678, "the idempotency key must be a string, not int"),
        (None, "the idempotency key must be a string, not NoneType"),
    ],
)
def test_a_malformed_key_is_refused_with_the_format(jobs_db: Engine, user: uuid.UUID, key: object, message: str) -> None:
    with pytest.raises(InvalidIdempotencyKey) as caught:
        submit(jobs_db, user, key)  # type: ignore[arg-type]
    assert message in caught.value.message
    assert caught.value.hint == "use 8 to 255 characters of A-Z a-z 0-9 _ . : -, e.g. a UUID: str(uuid.uuid4())"
    assert job_count(jobs_db) == 0


def test_the_key_pattern_is_the_schema_check() -> None:
    """jobs.py's pattern is the spec's CHECK, and the same as the generated models' validator
    (cadb must not import the tool, so the copy is pinned here instead of derived)."""
    from cadb import models

    check = next(c for c in _spec().tables["jobs"].checks if c.name.endswith("idempotency_key_format"))
    assert check.sql == f"idempotency_key ~ '{jobs.IDEMPOTENCY_KEY_PATTERN}'"
    assert models._FORMATS["jobs.idempotency_key"].pattern.pattern == jobs.IDEMPOTENCY_KEY_PATTERN
    assert jobs._KEY.pattern == jobs.IDEMPOTENCY_KEY_PATTERN  # the check jobs.py runs is that pattern
    assert jobs._KEY_CHAR.pattern == "[A-Za-z0-9_.:-]"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"type": "milling"}, "job type 'milling' is not a value of the job_type enum"),
        ({"user_id": "nobody"}, "user_id 'nobody' is not a uuid"),
        ({"user_id": uuid.UUID(int=7)}, "user_id 00000000-0000-0000-0000-000000000007 is not a user"),
        ({"params": ["a"]}, "job params must be a JSON object (a dict), not list"),
        ({"params": {"t": float("inf")}}, "job params $.t: is not a finite number"),
        ({"params": {"s": "a\x00"}}, "job params $.s: contains the character U+0000"),
    ],
)
def test_a_request_the_table_cannot_hold_is_refused(jobs_db: Engine, user: uuid.UUID, args: dict, message: str) -> None:
    call = {"user_id": user, "type": "cam", "params": PARAMS, "idempotency_key": "req-0001"} | args
    with jobs_db.begin() as conn, pytest.raises(InvalidJobRequest) as caught:
        create_job(conn, **call)
    assert message in str(caught.value)
    assert job_count(jobs_db) == 0


def test_an_enum_member_and_an_orm_session_work(jobs_db: Engine, user: uuid.UUID) -> None:
    class JobType(Enum):
        CAM = "cam"

    with Session(jobs_db) as session:
        job, created = create_job(session, user_id=str(user), type=JobType.CAM, params={}, idempotency_key="req-0001")
        session.commit()
    assert created and job["type"] == "cam"


def test_a_rolled_back_creation_leaves_the_key_free(jobs_db: Engine, user: uuid.UUID) -> None:
    with jobs_db.connect() as conn:
        create_job(conn, user_id=user, type="cam", params=PARAMS, idempotency_key="req-0001")
        conn.rollback()
    _, created = submit(jobs_db, user, "req-0001", type="simulation")
    assert created


# ------------------------------------------------------------------------- concurrency


def _race(engine: Engine, calls: list[dict]) -> list[object]:
    """Run the calls at once (one thread and one transaction each); results or exceptions."""
    start = threading.Barrier(len(calls))

    def call(kwargs: dict) -> object:
        start.wait(timeout=30)
        try:
            with engine.begin() as conn:
                return create_job(conn, **kwargs)
        except IdempotencyConflict as exc:
            return exc

    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result(timeout=60) for f in [pool.submit(call, c) for c in calls]]


def test_sixteen_simultaneous_calls_with_one_key_make_one_job(jobs_db: Engine, user: uuid.UUID) -> None:
    call = {"user_id": user, "type": "cam", "params": PARAMS, "idempotency_key": "req-race"}
    results = _race(jobs_db, [call] * 16)
    assert job_count(jobs_db) == 1
    assert len({job["id"] for job, _ in results}) == 1  # type: ignore[misc]
    assert sorted(created for _, created in results) == [False] * 15 + [True]  # type: ignore[misc]


def test_simultaneous_calls_with_one_key_and_two_requests(jobs_db: Engine, user: uuid.UUID) -> None:
    a = {"user_id": user, "type": "cam", "params": PARAMS, "idempotency_key": "req-race"}
    b = a | {"type": "simulation"}
    results = _race(jobs_db, [a, b] * 8)
    assert job_count(jobs_db) == 1
    jobs_made = [r for r in results if isinstance(r, tuple)]
    conflicts = [r for r in results if isinstance(r, IdempotencyConflict)]
    assert len(jobs_made) == 8 and len(conflicts) == 8  # the winner's twins get it; the others conflict
    winner = {job["id"] for job, _ in jobs_made}
    assert len(winner) == 1 and {c.existing["id"] for c in conflicts} == winner
