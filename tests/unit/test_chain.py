"""The chain format v1 and verify_rows, on in-memory rows (no database)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from cadb import audit
from cadb.audit import AuditError, Scope, chain_hash, format_created_at, record_json, verify_rows
from generator.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)


def make_chain(scope: Scope, count: int, first_id: int = 1, actor: str | None = None) -> list[list]:
    """Rows of a valid chain, as verify reads them (VERIFY_COLUMNS order), built with hashlib
    and rfc8785 directly: the format as docs/audit-chain.md states it."""
    rows, prev = [], None
    for n in range(count):
        created = format_created_at(T0 + timedelta(seconds=n))
        payload = {"n": n, "ratio": n / 3, "name": "şaft"}
        record = {"scope_type": scope.type, "scope_id": scope.id, "actor_user_id": actor,
                  "event_type": "job.progress", "payload": payload, "created_at": created}
        digest = hashlib.sha256((prev or "").encode() + rfc8785.dumps(record)).hexdigest()
        rows.append([first_id + n, scope.type, scope.id, actor, "job.progress", json.dumps(payload), prev, digest, created])
        prev = digest
    return rows


def check(rows: list[list]) -> list[audit.ScopeResult]:
    return list(verify_rows(rows))


# ---------------------------------------------------------------------------- format v1


def test_created_at_is_utc_with_microseconds() -> None:
    istanbul = timezone(timedelta(hours=3))
    assert format_created_at(datetime(2025, 3, 1, 12, 30, 0, 123456, tzinfo=istanbul)) == "2025-03-01T09:30:00.123456Z"
    assert format_created_at(datetime(2025, 3, 1, tzinfo=UTC)) == "2025-03-01T00:00:00.000000Z"
    assert format_created_at(datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "0999-01-02T03:04:05.000006Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_created_at(datetime(2025, 3, 1))


def test_the_v1_golden_hashes() -> None:
    """Pinned values: if these change, format v1 changed, and every stored chain breaks."""
    record = record_json(scope_type="job", scope_id="8c0f2d1e-2b7a-4c1d-9a51-3f7e6d5c4b3a",
                         actor_user_id="0b0e8a56-5c1b-4a6e-9d7e-4b1c2d3e4f5a", event_type="job.created",
                         payload_json='{"params":{"tolerance_mm":0.01},"type":"cam"}',
                         created_at="2025-03-01T09:30:00.123456Z")
    assert record == (
        b'{"actor_user_id":"0b0e8a56-5c1b-4a6e-9d7e-4b1c2d3e4f5a","created_at":"2025-03-01T09:30:00.123456Z",'
        b'"event_type":"job.created","payload":{"params":{"tolerance_mm":0.01},"type":"cam"},'
        b'"scope_id":"8c0f2d1e-2b7a-4c1d-9a51-3f7e6d5c4b3a","scope_type":"job"}'
    )
    first = chain_hash(None, record)  # printf '%s' "$record" | sha256sum
    assert first == "daef47f894477de3332ff9af8bd03cfc829e8808b082d56097337dab03180c3a"
    second = chain_hash(first, record)  # printf '%s%s' "$first" "$record" | sha256sum
    assert second == "eb0b5137dae7ab2fa96598f8a2be419c8b40cd261c3fec0e42ce5e028a9a85ec"
    assert second == hashlib.sha256(first.encode() + record).hexdigest()


text_values = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
payloads = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.floats(allow_nan=False, allow_infinity=False) | text_values,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text_values, children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(text_values, text_values, st.none() | text_values, text_values, payloads)
def test_record_json_is_rfc8785_of_the_record(scope_type, scope_id, actor, event_type, payload) -> None:
    created = "2025-03-01T09:30:00.123456Z"
    fields = {"scope_type": scope_type, "scope_id": scope_id, "actor_user_id": actor, "event_type": event_type}
    expected = rfc8785.dumps(audit.build_record(**fields, payload=payload, created_at=created))
    assert record_json(**fields, payload_json=rfc8785.dumps(payload).decode(), created_at=created) == expected


def test_scope_lock_keys_are_signed_64_bit_and_separate_the_fields() -> None:
    key = audit.scope_lock_key("job", "abc")
    assert key == audit.scope_lock_key("job", "abc")
    assert -(2**63) <= key < 2**63
    assert audit.scope_lock_key("jo", "babc") != key != audit.scope_lock_key("job", "abd")
    expected = hashlib.sha256(b"schemactl.audit.v1\x00job\x00abc").digest()[:8]
    assert key == int.from_bytes(expected, "big", signed=True)


def test_scope_parse() -> None:
    assert Scope.parse("job:8c0f") == Scope("job", "8c0f")
    assert Scope.parse("erp:SAP:4711") == Scope("erp", "SAP:4711")
    assert str(audit.SYSTEM_SCOPE) == "system:global"
    for bad, message in [("job", "is not TYPE:ID"), ("job:", "scope_id '' is not valid"), ("Job:1", "scope_type 'Job' is not valid")]:
        with pytest.raises(AuditError, match=message):
            Scope.parse(bad)


def test_the_name_patterns_are_the_schema_checks() -> None:
    checks = {c.name.removeprefix("ck_audit_logs_"): c.sql for c in load_spec(REPO / "schema.yaml").tables["audit_logs"].checks}
    assert f"scope_type ~ '{audit.SCOPE_TYPE_PATTERN}'" == checks["scope_type_format"]
    assert f"event_type ~ '{audit.EVENT_TYPE_PATTERN}'" == checks["event_type_format"]
    assert f"length(scope_id) BETWEEN 1 AND {audit.SCOPE_ID_MAX}" == checks["scope_id_len"]
    # and the generated models' validators (cadb must not import the tool: the copies are pinned here)
    from cadb import models

    assert models._FORMATS["audit_logs.scope_type"].pattern.pattern == audit.SCOPE_TYPE_PATTERN
    assert models._FORMATS["audit_logs.event_type"].pattern.pattern == audit.EVENT_TYPE_PATTERN
    assert audit._SCOPE_TYPE.pattern == audit.SCOPE_TYPE_PATTERN and audit._EVENT_TYPE.pattern == audit.EVENT_TYPE_PATTERN


# ------------------------------------------------------------------------- verify_rows


def test_intact_chains_report_rows_and_heads() -> None:
    a, b = make_chain(Scope("job", "a"), 3), make_chain(Scope("user", "b"), 2, first_id=10, actor="0b0e8a56-5c1b-4a6e-9d7e-4b1c2d3e4f5a")
    results = check(a + b)
    assert [(str(r.scope), r.rows, r.broken_rows, r.intact, r.head_id, r.head_hash) for r in results] == [
        ("job:a", 3, 0, True, 3, a[-1][7]),
        ("user:b", 2, 0, True, 11, b[-1][7]),
    ]
    assert check([]) == []


def test_payload_and_created_at_may_come_parsed() -> None:
    rows = make_chain(Scope("job", "a"), 2)
    for row in rows:
        row[5], row[8] = json.loads(row[5]), datetime.fromisoformat(row[8].replace("Z", "+00:00"))
    assert check(rows)[0].intact


@pytest.mark.parametrize(
    ("column", "value"),
    [(1, "user"), (2, "b"), (3, "0b0e8a56-5c1b-4a6e-9d7e-4b1c2d3e4f5a"), (4, "job.cancelled"),
     (5, '{"n": 1, "ratio": 0.3, "name": "şaft"}'), (8, "2025-03-01T09:30:01.123457Z"), (7, "0" * 64)],
    ids=["scope_type", "scope_id", "actor_user_id", "event_type", "payload", "created_at", "chain_hash"],
)
def test_a_changed_field_is_a_hash_mismatch_at_that_row(column: int, value: str) -> None:
    rows = make_chain(Scope("job", "a"), 4)
    rows[1][column] = value  # a changed scope moves the row into another chain
    results = check(sorted(rows, key=lambda r: (r[1], r[2], r[0])))
    broken = [r for r in results if not r.intact]
    assert 2 in [r.first_break.id for r in broken]
    named = next(r.first_break for r in broken if r.first_break.id == 2)
    assert named.kind == "hash_mismatch"
    if column in (1, 2, 7):  # the successor no longer links to a row of the chain
        assert sum(r.broken_rows for r in results) == 2
    else:
        assert [(r.broken_rows, r.first_break.id) for r in broken] == [(1, 2)]
        assert "a field was changed" in named.message


def test_a_changed_prev_chain_hash_is_a_wrong_predecessor() -> None:
    rows = make_chain(Scope("job", "a"), 4)
    rows[2][6] = "0" * 64
    [result] = check(rows)
    assert (result.first_break.id, result.first_break.kind, result.broken_rows) == (3, "wrong_predecessor", 1)
    assert "previous row (id 2)" in result.first_break.message


def test_a_missing_row_is_a_gap_at_its_successor() -> None:
    rows = make_chain(Scope("job", "a"), 5)
    del rows[2]
    [result] = check(rows)
    assert (result.first_break.id, result.first_break.kind, result.rows, result.broken_rows) == (4, "gap", 4, 1)
    assert result.first_break.message == "prev_chain_hash is not the chain_hash of the previous row (id 2): rows between them are missing"


def test_a_missing_first_row_is_a_gap_at_the_new_first_row() -> None:
    rows = make_chain(Scope("job", "a"), 3)[1:]
    [result] = check(rows)
    assert (result.first_break.id, result.first_break.kind) == (2, "gap")
    assert "first row has a prev_chain_hash" in result.first_break.message


def test_a_second_first_row_is_a_wrong_predecessor() -> None:
    rows = make_chain(Scope("job", "a"), 2) + make_chain(Scope("job", "a"), 1, first_id=3)
    [result] = check(rows)
    assert (result.first_break.id, result.first_break.kind) == (3, "wrong_predecessor")
    assert "prev_chain_hash is NULL although the previous row (id 2) precedes it" in result.first_break.message


def test_rows_that_cannot_be_hashed_are_broken_not_fatal() -> None:
    rows = make_chain(Scope("job", "a"), 3)
    rows[1][5] = "[1e400]"  # a number no double can hold
    rows[2][8] = None  # e.g. created_at 'infinity' formats to nothing
    [result] = check(rows)
    assert (result.first_break.id, result.first_break.kind, result.broken_rows) == (2, "hash_mismatch", 2)
    assert result.first_break.message.startswith("the row cannot be hashed (")


@pytest.mark.parametrize("batch", [1, 2, 3, 1000])
def test_batches_of_any_size_give_the_same_findings(batch: int) -> None:
    """verify canonicalises each fetched batch at once (orjson, one output check per batch);
    a row the fast tier declines, or that cannot be hashed, is still checked on its own, and
    a scope that spans batches is one chain."""
    a, b = make_chain(Scope("job", "a"), 5), make_chain(Scope("job", "b"), 4, first_id=10)
    a[2][5] = '{"n": 2, "ratio": 0.7, "name": "şaft"}'  # a changed payload
    b[1][5] = "[1e400]"  # cannot be hashed
    b[2][5] = '{"n": 2.0, "ratio": 0.6666666666666666, "name": "\\u015faft"}'  # the same value, written otherwise
    results = list(verify_rows(a + b, batch=batch))
    assert [(str(r.scope), r.rows, r.broken_rows, r.first_break and (r.first_break.id, r.first_break.kind))
            for r in results] == [("job:a", 5, 1, (3, "hash_mismatch")), ("job:b", 4, 1, (11, "hash_mismatch"))]
    assert "a field was changed" in results[0].first_break.message
    assert results[1].first_break.message.startswith("the row cannot be hashed (")
    assert [r.head_hash for r in results] == [a[-1][7], b[-1][7]]


def test_the_report() -> None:
    rows = make_chain(Scope("job", "a"), 2) + make_chain(Scope("job", "b"), 2, first_id=5)
    rows[3][4] = "job.other"
    report = audit.VerifyReport(tuple(check(rows)))
    assert (report.intact, report.rows, [str(s.scope) for s in report.broken]) == (False, 4, ["job:b"])
    data = report.as_dict()
    assert {k: data[k] for k in ("status", "format_version", "scopes_checked", "rows_checked", "broken_scopes")} == {
        "status": "broken", "format_version": 1, "scopes_checked": 2, "rows_checked": 4, "broken_scopes": 1,
    }
    assert data["scopes"][1]["first_broken"]["id"] == 6 and data["scopes"][1]["status"] == "broken"
    assert data["scopes"][0] == {
        "scope": "job:a", "scope_type": "job", "scope_id": "a", "status": "intact", "rows": 2, "broken_rows": 0,
        "head_id": 2, "head_hash": rows[1][7], "first_broken": None,
    }
