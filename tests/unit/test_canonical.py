"""cadb.canonical: RFC 8785 against the RFC's own examples; errors; the fast path."""

from __future__ import annotations

import collections
import contextlib
import enum
import json
import math
import struct
import uuid
from datetime import datetime
from decimal import Decimal

import pytest
import rfc8785
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cadb import canonical
from cadb.canonical import (
    MAX_SAFE_INTEGER,
    NotCanonicalJson,
    canonical_json,
    canonical_json_for_jsonb,
    canonical_json_from_text,
    canonical_json_many,
    parse_json,
    sha256_hex,
)

# ---------------------------------------------------------------- RFC 8785's examples

# Section 3.2.2: the input, as the RFC writes it, and the canonical output.
RFC_3_2_2_INPUT = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
RFC_3_2_2_OUTPUT = (
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
)

# Section 3.2.3: property sorting by UTF-16 code units.
RFC_3_2_3_INPUT = r"""{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"""
RFC_3_2_3_ORDER = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]

# Appendix B: IEEE 754 doubles (as hex) and their JSON serialization.
RFC_APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]
RFC_APPENDIX_B_INVALID = ["7fffffffffffffff", "7ff0000000000000"]  # NaN, Infinity


def double(hex_bits: str) -> float:
    return struct.unpack(">d", bytes.fromhex(hex_bits))[0]


def test_rfc_3_2_2_example() -> None:
    assert canonical_json(json.loads(RFC_3_2_2_INPUT)) == RFC_3_2_2_OUTPUT.encode()
    assert canonical_json_from_text(RFC_3_2_2_INPUT) == RFC_3_2_2_OUTPUT.encode()


def test_rfc_3_2_3_sorting_example() -> None:
    for out in (canonical_json(json.loads(RFC_3_2_3_INPUT)), canonical_json_from_text(RFC_3_2_3_INPUT)):
        assert list(json.loads(out)) == RFC_3_2_3_ORDER
        assert out.startswith(b'{"\\r":"Carriage Return","1":"One","\xc2\x80":"Control"')


@pytest.mark.parametrize(("bits", "expected"), RFC_APPENDIX_B)
def test_rfc_appendix_b_numbers(bits: str, expected: str) -> None:
    assert canonical_json(double(bits)) == expected.encode()
    assert canonical_json_from_text(repr(double(bits))) == expected.encode()
    assert canonical_json_from_text(expected) == expected.encode()  # canonical text is a fixed point


@pytest.mark.parametrize("bits", RFC_APPENDIX_B_INVALID)
def test_rfc_appendix_b_nan_and_infinity_are_refused(bits: str) -> None:
    with pytest.raises(NotCanonicalJson, match=r"^\$: is not a finite number"):
        canonical_json(double(bits))


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": [1, {"b": math.nan}]}, "$.a[1].b: is not a finite number (NaN and infinities are not JSON)"),
        ({"n": MAX_SAFE_INTEGER + 1}, f"$.n: is an integer beyond +-{MAX_SAFE_INTEGER}, which a JSON number cannot carry exactly (send it as a string)"),
        ({1: "x"}, "$: an object key is not a string (JSON object keys are strings; convert the keys)"),
        ({"at": datetime(2025, 1, 1)}, "$.at: a datetime is not a JSON value (convert it first: a datetime to an ISO 8601 string, a UUID or Decimal to str)"),
        ({"id": uuid.UUID(int=1)}, "$.id: a UUID is not a JSON value"),
        ([Decimal("1.5")], "$[0]: a Decimal is not a JSON value"),
        ({"odd key": {1, 2}}, "$['odd key']: a set is not a JSON value"),
        ({"s": "\ud800"}, "$.s: contains a lone UTF-16 surrogate, which is not valid Unicode"),
        ({"\udc00": 1}, "$['\\udc00']: contains a lone UTF-16 surrogate"),
    ],
)
def test_values_that_are_not_json_are_refused_naming_where(value: object, message: str) -> None:
    with pytest.raises(NotCanonicalJson) as caught:
        canonical_json(value)
    assert str(caught.value).startswith(message)


def test_jsonb_refuses_nul_but_not_an_escaped_backslash_u0000() -> None:
    with pytest.raises(NotCanonicalJson, match=r"^\$\.a\[0\]: contains the character U\+0000"):
        canonical_json_for_jsonb({"a": ["x\x00"]})
    with pytest.raises(NotCanonicalJson, match=r"^\$\['k\\x00'\]: contains the character U\+0000"):
        canonical_json_for_jsonb({"k\x00": 1})
    assert canonical_json_for_jsonb({"a": "\\u0000"}) == b'{"a":"\\\\u0000"}'


def test_integers_and_floats_mean_the_same_number() -> None:
    assert canonical_json({"a": 1.0, "b": -0.0, "c": 2.5e1}) == b'{"a":1,"b":0,"c":25}'
    assert canonical_json([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) == b"[9007199254740991,-9007199254740991]"


def test_parse_json_reads_large_integers_as_doubles() -> None:
    # PostgreSQL prints the number 1e21 as 1000000000000000000000 (numeric keeps every digit).
    assert parse_json("[1000000000000000000000, 9007199254740993, 5]") == [1e21, 9007199254740992.0, 5]
    assert canonical_json_from_text("[1000000000000000000000]") == b"[1e+21]"


def test_sha256_hex() -> None:
    assert sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert sha256_hex(b"abc") == sha256_hex("abc")


# ------------------------------------------------------ the fast path equals rfc8785

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=5), children, max_size=5),
    max_leaves=20,
)


def _reference(text: str) -> bytes:
    """rfc8785 on the document read with JSON's number model (every number a double)."""
    def number(token: str) -> float | int:
        value = float(token)
        return int(token) if value.is_integer() and abs(value) <= MAX_SAFE_INTEGER and "." not in token and "e" not in token.lower() else value

    return rfc8785.dumps(json.loads(text, parse_int=number, parse_float=number))


def _jsonb_like(value: object) -> str:
    """Roughly how PostgreSQL prints jsonb: ", " and ": " separators, keys by length then bytes,
    floats with a trailing .0 kept, integers in full."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: (len(kv[0].encode()), kv[0].encode()))
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_jsonb_like(v)}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_jsonb_like(v) for v in value) + "]"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return json.dumps(value, ensure_ascii=False)


@settings(max_examples=400, deadline=None)
@given(json_values)
@example({"\U0001f600": 1, "\ufb33": 2, "a": [1e21, 1e-7, 100.0, 0.0001, 9.999e-05, 2**53, -(2**53) + 1]})
@example([1e16, 123456789012345.6, 5e-324, -0.0, 0.30000000000000004])
def test_canonical_json_from_text_equals_rfc8785(value: object) -> None:
    for text in (json.dumps(value, ensure_ascii=False), json.dumps(value), _jsonb_like(value)):
        assert canonical_json_from_text(text) == _reference(text), text


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_canonical_text_is_a_fixed_point(value: object) -> None:
    text = canonical_json_from_text(json.dumps(value))
    assert canonical_json_from_text(text) == text


# ------------------------------------------- canonical_json's fast path (values) equals rfc8785

class _Flag(enum.IntEnum):
    ON = 1


python_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([100.0, -0.0, 1e-05, 1e-7, 1e16, 1e21, 2.0**53, 0.0001, 123.456, 5e-324])
    | st.text() | st.sampled_from(["\U0001f600", "\ufb33", "\ud800", "a\x00", '"\\\n\x1f\u2028', _Flag.ON]),
    lambda children: st.lists(children, max_size=5) | st.lists(children, max_size=3).map(tuple)
    | st.dictionaries(st.text(max_size=5) | st.sampled_from(["\U0001f600", "\ufb33", "\ud800"]), children, max_size=5),
    max_leaves=20,
)


def _rfc8785_or_error(value: object) -> bytes | None:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeError, RecursionError):
        return None


@settings(max_examples=600, deadline=None)
@given(python_values)
@example({"\U0001f600": 1.5, "\ufb33": 2.5, "a": [1e21, 1e-7, 100.0, 0.0001, 9.999e-05, -0.0, 2**53 - 1]})
@example({1: "an int key"})
@example({"big": 2**53})
@example((1.5, [2.5, ("x",)]))
def test_canonical_json_of_a_value_equals_rfc8785(value: object) -> None:
    """The differential property test of canonical_json's C fast path: the same bytes as the
    rfc8785 package, or refused exactly when rfc8785 refuses."""
    expected = _rfc8785_or_error(value)
    if expected is None:
        with pytest.raises(NotCanonicalJson):
            canonical_json(value)
    else:
        assert canonical_json(value) == expected


@pytest.mark.parametrize("value", [
    {"attempt": 3, "job_id": "job-7", "note": "Çelik şaft", "metrics": {"cycle_time_s": 3.25, "toolpath_mm": 1234.5}},
    [1, 2.5, "x", None, True, {"k": []}],
    {"z": 100.0, "m": -0.0, "x": [2.0]},  # integral floats, which repr() writes as 100.0: read back first
    {"tiny": 1e-05},  # repr() writes 1e-05; orjson, reading that back, 0.00001 as RFC 8785 does
    ("a", ("b", 1)),
])
def test_plain_values_never_reach_rfc8785(value: object, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = rfc8785.dumps(value)
    monkeypatch.setattr(rfc8785, "dumps", lambda _value: pytest.fail("took the rfc8785 path"))
    assert canonical_json(value) == expected


@pytest.mark.parametrize("value", [
    {1: "x"}, {"n": 2**53}, {"tiny": 1e-7}, {"e": _Flag.ON}, {"\U0001f600": 1, "\ufb33": 2}, ["\ud800"], collections.OrderedDict(a=1),
])
def test_values_json_would_write_differently_take_the_rfc8785_path(value: object, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = rfc8785.dumps
    monkeypatch.setattr(rfc8785, "dumps", lambda v: calls.append(v) or real(v))
    with contextlib.suppress(NotCanonicalJson):
        canonical_json(value)
    assert calls == [value]


# ------------------------------------------- the orjson tier (verify's path) equals rfc8785

# Doubles of every magnitude and shape: where orjson and RFC 8785 write them alike, and where
# they differ (exponents, integral values, -0, long integers), which the tier must decline.
any_double = st.floats(allow_nan=False, allow_infinity=False)
decimal_doubles = st.integers(-(10**17), 10**17).flatmap(
    lambda digits: st.integers(-25, 25).map(lambda exp: float(f"{digits}e{exp}")))
orjson_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**66), 2**66) | any_double | decimal_doubles
    | st.sampled_from([100.0, -0.0, 0.0, 1e-05, 1e-06, 1e-7, 1e15, 1e16, 1e21, 1e22, 2.0**53, 2**53, 2**53 - 1,
                       0.30000000000000004, 1234567890123456.8, 5e-324])
    | st.text() | st.sampled_from(["\U0001f600", "\ufb33", "e+", "e-1", "5e-7", "1.0", "x.0]", "-1234567890123456", '"\\\n\x1f\u2028\x7f']),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=5) | st.sampled_from(["\U0001f600", "\ufb33", "\ue000", "\u20ac"]), children, max_size=5),
    max_leaves=20,
)


@settings(max_examples=1500, deadline=None)
@given(orjson_values)
@example([1e16, 1e-6, 100.0, -0.0, 2**53, -(2**53), 2**64, -(2**63) - 1, 1e21, 9.999e20, 1.5e300])
@example({"\U0001f600": 1, "\ufb33": 2})
@example(1234567890123456.8)
def test_the_orjson_tier_equals_rfc8785_or_declines(value: object) -> None:
    """The differential property test of the first tier alone: on any document it returns
    rfc8785's bytes (numbers read as doubles) or None (the next tier then answers)."""
    for text in (json.dumps(value, ensure_ascii=False), _jsonb_like(value)):
        out = canonical._orjson_canonical(text)
        assert out is None or out == _reference(text), text
        assert out is None or canonical._orjson_canonical(text.encode()) == out  # bytes in: the same


@pytest.mark.parametrize("text", [
    "100.0", "[1.0]", '{"a": -0.0}', "1e16", "[1e-6]", "9007199254740993", "[-9007199254740993]",
    "18446744073709551616", '{"\U0001f600": 1, "\ufb33": 2}', "NaN", "[1e400]", '"\\ud800"', "[1,]",
])
def test_the_orjson_tier_declines_forms_it_writes_differently(text: str) -> None:
    assert canonical._orjson_canonical(text) is None
    with contextlib.suppress(NotCanonicalJson, ValueError):  # (the later tiers answer, or refuse)
        assert canonical_json_from_text(text) == _reference(text)


def test_payloads_as_jsonb_prints_them_take_the_orjson_tier() -> None:
    """The speed of verify: typical payloads (nested, floats, non-ASCII, 16-digit fractions,
    jsonb's ", " separators) never need the slower tiers."""
    texts = [
        '{"note": "Çelik şaft", "tags": ["roughing", "5-axis"], "job_id": "job-7", "attempt": 3, '
        '"metrics": {"toolpath_mm": 1234.5, "cycle_time_s": 0.30000000000000004}}',
        '{"from": "queued", "to": "running", "at": "2025-03-01T09:30:00Z", "priority": -2, "ok": true, "x": null}',
        '[0.0001, 123456789.125, -7, "e-mail", "one-time", "1.0.2", {"": []}]',
    ]
    outs = [canonical._orjson_canonical(text) for text in texts]
    assert None not in outs
    assert outs == [_reference(text) for text in texts]
    assert canonical_json_many(texts) == outs


@settings(max_examples=300, deadline=None)
@given(st.lists(orjson_values, max_size=6))
def test_canonical_json_many_equals_one_by_one(values: list[object]) -> None:
    """The batch answers each document as the tier alone does: the one check over the joined
    batch clears only what each check would clear."""
    texts = [json.dumps(v) for v in values]
    assert canonical_json_many(texts) == [canonical._orjson_canonical(t) for t in texts]


def test_canonical_json_many_declines_only_what_it_must() -> None:
    texts = ['{"a": 1.5}', "100.0", "[1e400]", "not json", '{"b": [2]}']
    assert canonical_json_many(texts) == [b'{"a":1.5}', None, None, None, b'{"b":[2]}']
    assert canonical_json_many([{"parsed": 1}, "[1]"]) == [None, b"[1]"]  # not text: not for this tier
    assert canonical_json_many(["1", "2"]) == [b"1", b"2"]  # ("1,2" joined: no false 16-digit run)
    assert canonical_json_many([]) == []
