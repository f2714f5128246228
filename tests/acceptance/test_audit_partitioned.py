"""A partitioned variant of audit_logs (docs/design.md, "Partitioning audit_logs and
security_events"): hash-partitioned by scope (scope_type, scope_id), so each chain lives in
one partition and the fork guard (UNIQUE NULLS NOT DISTINCT (scope_type, scope_id,
prev_chain_hash)), which must include the partition key, still spans the whole table. The
chain guards work on it: appends chain, UPDATE and DELETE are refused on the parent and on a
partition, verify passes and finds a tamper. One guard does not carry over: a TRUNCATE of one
partition is not refused (a statement trigger of the parent does not fire for it), which is
one reason audit_logs is not partitioned now.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine

from cadb import audit
from generator.drift.materialize import materialize
from generator.spec import parse_spec

REPO = Path(__file__).resolve().parents[2]
PARTITIONS = 4


def partitioned_spec_text(partition_by: dict | None = None) -> str:
    data = yaml.safe_load((REPO / "schema.yaml").read_text(encoding="utf-8"))
    logs = copy.deepcopy(data["tables"]["audit_logs"])
    logs["columns"]["id"].pop("primary_key")
    logs["primary_key"] = ["id", "scope_type", "scope_id"]
    logs["columns"]["chain_hash"].pop("unique")
    logs["unique"].append({"columns": ["chain_hash", "scope_type", "scope_id"]})
    logs["partition_by"] = partition_by or {"hash": ["scope_type", "scope_id"]}
    logs["partitions"] = {
        f"audit_logs_p{r}": {"bound": f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {r})"} for r in range(PARTITIONS)
    } if partition_by is None else {"audit_logs_all": {"bound": "DEFAULT"}}
    data["tables"]["audit_logs"] = logs
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@pytest.fixture
def audit_db(empty_db: str) -> Iterator[Engine]:
    engine = sa.create_engine(empty_db)
    with engine.begin() as conn:
        materialize(conn, parse_spec(partitioned_spec_text()))
    try:
        yield engine
    finally:
        engine.dispose()


def _sqlstate(info: pytest.ExceptionInfo) -> str:
    return info.value.orig.sqlstate


def test_range_by_time_would_lose_the_fork_guard() -> None:
    """Range partitioning by created_at would need created_at in the fork guard's unique key,
    which then no longer stops two successors of one row: the spec refuses it at its line."""
    text = partitioned_spec_text({"range": ["created_at"]})
    from generator.errors import SpecError

    with pytest.raises(SpecError) as info:
        parse_spec(text)
    messages = [p.message for p in info.value.problems]
    assert any("uq_audit_logs_scope_prev must include the partition key column created_at" in m for m in messages), messages


def test_chain_guards_hold_on_a_hash_partitioned_audit_log(audit_db: Engine) -> None:
    scopes = [("job", str(uuid.uuid4())) for _ in range(8)]
    for scope_type, scope_id in scopes:
        for n in range(3):
            with audit_db.begin() as conn:
                audit.append(conn, scope_type=scope_type, scope_id=scope_id, event_type="job.created", payload={"n": n})
    with audit_db.connect() as conn:
        placed = conn.execute(sa.text(
            "SELECT tableoid::regclass::text, count(*), count(DISTINCT (scope_type, scope_id)) FROM audit_logs GROUP BY 1 ORDER BY 1"
        )).all()
        # each scope's chain is in exactly one partition
        per_scope = conn.execute(sa.text(
            "SELECT count(DISTINCT tableoid) FROM audit_logs GROUP BY scope_type, scope_id")).scalars().all()
    assert len(placed) > 1 and sum(n for _p, n, _s in placed) == 24
    assert set(per_scope) == {1}
    with audit_db.begin() as conn:
        report = audit.verify(conn)
    assert report.intact and report.rows == 24 and len(report.scopes) == 8

    partition = placed[0][0]
    for target in ("audit_logs", partition):
        for statement in (f"UPDATE {target} SET event_type = 'job.failed'", f"DELETE FROM {target}"):
            with pytest.raises(sa.exc.DBAPIError) as info, audit_db.begin() as conn:
                conn.execute(sa.text(statement))
            assert _sqlstate(info) == "P0001", statement  # raise_exception: "audit_logs is append-only"
            assert "is append-only" in str(info.value.orig)
    with pytest.raises(sa.exc.DBAPIError) as info, audit_db.begin() as conn:
        conn.execute(sa.text("TRUNCATE audit_logs"))
    assert _sqlstate(info) == "P0001"

    # the chain guard (BEFORE INSERT on the parent, cloned to each partition): a fork is refused
    with audit_db.connect() as conn:
        first = conn.execute(sa.text(
            "SELECT chain_hash FROM audit_logs WHERE scope_type = :t AND scope_id = :i ORDER BY id LIMIT 1"),
            {"t": scopes[0][0], "i": scopes[0][1]}).scalar_one()
    with pytest.raises(sa.exc.DBAPIError) as info, audit_db.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO audit_logs (scope_type, scope_id, event_type, payload, prev_chain_hash, chain_hash) "
            "VALUES (:t, :i, 'job.forked', '{}', :prev, repeat('a', 64))"), {"t": scopes[0][0], "i": scopes[0][1], "prev": first})
    assert _sqlstate(info) == "23514"

    # a tamper (guards switched off, as a superuser would) is found, in its partition
    with audit_db.begin() as conn:
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text(f"UPDATE {partition} SET payload = '{{\"n\": 99}}' WHERE id = (SELECT min(id) FROM {partition})"))
    with audit_db.begin() as conn:
        report = audit.verify(conn)
    assert not report.intact and len(report.broken) == 1

    # what does not carry over: the parent's TRUNCATE guard is a statement trigger, and a
    # TRUNCATE of one partition does not fire it
    with audit_db.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {partition}"))
    with audit_db.connect() as conn:
        assert conn.execute(sa.text(f"SELECT count(*) FROM {partition}")).scalar_one() == 0
