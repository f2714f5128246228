"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme) and sha256: what every hash
schemactl stores is built from. Pure: no files, no database.

- ``canonical_json(value)``: the RFC 8785 bytes of a Python value: by the C-accelerated
  ``json`` module when the value is made of the exact JSON types and its output provably
  equals RFC 8785 (about 3x faster; an append canonicalises every payload), else by the
  ``rfc8785`` package, which also explains what it refuses. Numbers are IEEE 754 doubles, as in JavaScript: integers must lie within
  +-(2**53 - 1), NaN and infinities are refused.
- ``canonical_json_from_text(text)``: the canonical bytes of a JSON document given as text,
  e.g. a ``jsonb`` column read back from PostgreSQL. Numbers are read as doubles, so a large
  integer that PostgreSQL printed in full (``1e21`` comes back as ``1000000000000000000000``)
  canonicalizes to what the writer hashed. Three tiers: ``orjson`` where its output provably
  equals RFC 8785 (checked on the output: no exponent, integral float, long integer or
  character above U+FFFF), else the C-accelerated ``json`` module under the rules below, else
  ``rfc8785``. The tests check each fast tier against ``rfc8785``.
- ``canonical_json_many(texts)``: the ``orjson`` tier over a batch (verify's path), the output
  checked once per batch; None for each document the later tiers must answer.
- ``canonical_json_for_jsonb(value)``: ``canonical_json`` that also refuses what a
  PostgreSQL ``jsonb`` cannot store (the character U+0000), so a value that is hashed can
  always be stored and read back unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import json.encoder
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import rfc8785

from cadb.errors import SchemactlError

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer a JSON number (an IEEE 754 double) carries exactly."""


class NotCanonicalJson(SchemactlError):
    """A value cannot be written as canonical JSON; ``path`` locates the culprit
    (e.g. ``$.metrics.samples[3]``)."""

    kind = "canonical_json"

    def __init__(self, message: str, path: str, hint: str | None = None) -> None:
        super().__init__(f"{path}: {message}", hint, details=[{"path": path}])
        self.path = path


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical form of ``value`` as UTF-8 bytes.

    ``value`` is made of dict (str keys), list/tuple, str, int, float, bool and None.
    Raises NotCanonicalJson naming the offending element otherwise. Values made only of the
    exact JSON types (see ``_plain``) take the C fast path of ``canonical_json_from_text``
    (the tests check it against ``rfc8785``); anything else goes to ``rfc8785`` itself.
    """
    shape = _plain(value, 0)
    if shape != _NOT_PLAIN:
        with contextlib.suppress(ValueError, RecursionError):  # (on to rfc8785, which explains)
            text = _FAST_ENCODE_VALUE(value)
            if shape == _REREAD:
                out = _fast_canonical(text)
            else:
                out = text.encode("utf-8")  # (a lone surrogate: UnicodeEncodeError, a ValueError)
                if not (out.isascii() or _ASTRAL_UTF8.search(out) is None):
                    out = None
            if out is not None:
                return out
    try:
        return rfc8785.dumps(value)
    # rfc8785 0.1.4 lets a UnicodeEncodeError out for a lone surrogate in a key
    except (rfc8785.CanonicalizationError, UnicodeError, RecursionError):
        pass
    raise _explain(value)


def canonical_json_for_jsonb(value: Any) -> bytes:
    """``canonical_json``, also refusing U+0000 in a string or key (jsonb rejects it)."""
    out = canonical_json(value)
    if b"\\u0000" in out:  # also matches an escaped backslash followed by "u0000"; look closer
        found = _find(value, "$", lambda v: isinstance(v, str) and "\x00" in v, keys=True)
        if found is not None:
            raise NotCanonicalJson(
                "contains the character U+0000, which PostgreSQL jsonb cannot store",
                found[0],
                "remove it, or encode binary data as base64",
            )
    return out


def canonical_json_from_text(text: str | bytes) -> bytes:
    """The canonical bytes of a JSON document given as text (numbers read as doubles)."""
    out = _fast_canonical(text)
    if out is not None:
        return out
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return canonical_json(parse_json(text))


def canonical_json_many(texts: Sequence[Any]) -> list[bytes | None]:
    """The canonical bytes of many JSON documents at once, by the fast tier only (orjson, see
    ``_orjson_canonical``): for each document its bytes, or None where
    ``canonical_json_from_text`` must be asked instead (slower forms, errors, anything that
    is not str or bytes). For verify, which canonicalises every stored payload: the output
    checks run once over the whole batch, not once per document."""
    loads, dumps, sort = _OR_LOADS, _OR_DUMPS, _OR_SORT
    try:
        outs = [dumps(loads(text), option=sort) for text in texts]
    except _OR_ERRORS:  # one document is not for this tier: ask each on its own
        return [_orjson_canonical(text) if isinstance(text, str | bytes) else None for text in texts]
    # Every check of _orjson_exact on the documents joined by "," implies it on each: what is
    # inside one is inside the whole; ".0" ending one is ".0," or the end; 16 digits opening
    # one are the start or follow ",". So one check of the whole clears them all.
    if _orjson_exact(b",".join(outs)):
        return outs  # type: ignore[return-value]  # (list is invariant)
    return [out if _orjson_exact(out) else None for out in outs]


def parse_json(text: str | bytes) -> Any:
    """``json.loads`` with JSON's number model: integers beyond +-(2**53 - 1) become floats
    (the double they denote), so ``canonical_json(parse_json(t))`` works for any number."""
    if isinstance(text, str):
        return _DECODER.decode(text)  # (what json.loads does with a str, minus a new decoder per call)
    return json.loads(text, parse_int=_int_or_double)


def sha256_hex(data: bytes | str) -> str:
    """Lower-case hex sha256 of ``data`` (a str is encoded as UTF-8)."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


# ------------------------------------------------------------------------------ internals

# The fast path of canonical_json_from_text: Python's json module in C. Its encoder writes
# strings exactly as RFC 8785 does (it escapes " \\ and the controls below U+0020; \\b \\f \\n
# \\r \\t short, the rest as lower-case \\u00xx; everything else raw), and null, true, false
# and integers too. Where it would differ, the decoder's number hooks return _NOT_FAST (which
# the encoder refuses, sending the document down the slow path), or the output is checked:
#   - floats: repr() writes "100.0", "1e-05", "1e+16" where RFC 8785 writes "100", "0.00001",
#     "10000000000000000". Both write the same shortest round-trip digits, so a float that is
#     not integral and at least 1e-4 in size (no exponent in repr) is identical; an integral
#     one within +-(2**53 - 1) is written as that integer; any other float is _NOT_FAST;
#   - integers beyond +-(2**53 - 1), which RFC 8785 treats as doubles: _NOT_FAST;
#   - key order when a key holds a character above U+FFFF (RFC 8785 sorts by UTF-16 code
#     units, Python by code points): output with any 4-byte UTF-8 sequence takes the slow path.


class _NotFast(Exception):
    pass


_NOT_FAST = object()


def _fast_float(text: str) -> float | int | object:
    number = float(text)
    if number.is_integer():
        return int(number) if -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER else _NOT_FAST
    return number if abs(number) >= 1e-4 else _NOT_FAST  # (NaN is not integral and fails too)


def _fast_int(text: str) -> int | object:
    number = int(text)
    return number if -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER else _NOT_FAST


def _refuse(value: object) -> object:
    raise _NotFast


_FAST_DECODE = json.JSONDecoder(parse_float=_fast_float, parse_int=_fast_int).decode
_ASTRAL_UTF8 = re.compile(rb"[\xf0-\xf4]")
if json.encoder.c_make_encoder is not None:  # (markers, default, encoder, indent, key_sep,
    _FAST_ENCODE = json.encoder.c_make_encoder(  # item_sep, sort_keys, skipkeys, allow_nan)
        None, _refuse, json.encoder.encode_basestring, None, ":", ",", True, False, False
    )
else:  # pragma: no cover - CPython without the _json accelerator
    _ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, sort_keys=True,
                                separators=(",", ":"), default=_refuse)

    def _FAST_ENCODE(value: Any, _indent: int) -> list[str]:  # noqa: N802
        return [_ENCODER.encode(value)]


def _FAST_ENCODE_VALUE(value: Any) -> str:  # noqa: N802
    """``value`` (of ``_plain`` types) as JSON text: floats by repr(), any key order."""
    return "".join(_FAST_ENCODE(value, 0))


def _fast_canonical(text: str | bytes) -> bytes | None:
    """The RFC 8785 bytes of the JSON document ``text`` (numbers read as doubles) by orjson
    (``_orjson_canonical``), else by the C json module, or None where both outputs could
    differ from RFC 8785 (see above)."""
    out = _orjson_canonical(text)
    if out is not None:
        return out
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        out = "".join(_FAST_ENCODE(_FAST_DECODE(text), 0)).encode("utf-8")
    except (_NotFast, ValueError, RecursionError):  # ValueError: NaN, a lone surrogate, bad JSON
        return None
    return out if out.isascii() or _ASTRAL_UTF8.search(out) is None else None


# The first tier: orjson (Rust) reads the document and writes it back with sorted keys, 2 to 3
# times faster than the C json module (verify canonicalises every stored payload). What it
# reads is made of the exact JSON types only (no NaN or infinity: it refuses those, and
# numbers beyond +-1.8e308); strings are written as RFC 8785 writes them (the escapes listed
# above, nothing else), keys sorted by code point. Its numbers differ from RFC 8785 only in
# forms _orjson_exact finds in the output, where the document goes on to the next tier:
#   - a float in exponent form ("1e+16", "1e-7": RFC 8785 writes 1e16 to 1e21 in full, and
#     1e-6 as 0.000001): a digit, "e", a sign and a digit (orjson always writes the sign);
#   - an integral float ("100.0", "-0.0": RFC 8785 writes 100 and 0): ".0" at the end of a
#     number, i.e. followed by "," "]" "}" or the end;
#   - an integer beyond +-(2**53 - 1), which orjson keeps exact up to 64 bits and RFC 8785
#     reads as a double: a run of 16 or more digits at the start of a token (after "[" "," ":"
#     "-" or at the start). A float's own digits follow its "."; the integer part of a float
#     of 16 digits (at least 1e15) is refused too, needlessly but rarely;
#   - a key with a character above U+FFFF (code point order then differs from UTF-16 order):
#     any 4-byte UTF-8 sequence.
# Any other float is written in plain decimal, not integral, with the shortest digits that
# read back as the same double: the one way RFC 8785 (ECMAScript) writes it. Strings can only
# make these checks refuse needlessly, never accept wrongly. tests/unit/test_canonical.py
# checks this tier alone against rfc8785 (differential, property-based).

_OR_LOADS, _OR_DUMPS, _OR_SORT = orjson.loads, orjson.dumps, orjson.OPT_SORT_KEYS
_OR_ERRORS = (orjson.JSONDecodeError, orjson.JSONEncodeError)
# digits -> "0", token starts -> ",", 4-byte UTF-8 lead bytes -> 0xF0: one pass, then finds
_OR_SHAPE = bytes.maketrans(b"123456789[:-\xf1\xf2\xf3\xf4", b"000000000,,,\xf0\xf0\xf0\xf0")
_OR_LONG_INT = b"0" * 16


def _orjson_canonical(text: str | bytes) -> bytes | None:
    """The first tier of ``_fast_canonical`` (see above): orjson's bytes, or None."""
    try:
        out = _OR_DUMPS(_OR_LOADS(text), option=_OR_SORT)
    except _OR_ERRORS:  # bad JSON, a lone surrogate, too deep, a number out of range
        return None
    return out if _orjson_exact(out) else None


def _orjson_exact(out: bytes) -> bool:
    """Does orjson's output ``out`` hold none of the forms where it differs from RFC 8785?"""
    if b".0," in out or b".0]" in out or b".0}" in out or out.endswith(b".0"):
        return False
    shape = out.translate(_OR_SHAPE)  # (an exponent: a digit, "e", the sign, a digit)
    return not (b"0e,0" in shape or b"0e+0" in shape or b"," + _OR_LONG_INT in shape
                or shape.startswith(_OR_LONG_INT) or b"\xf0" in shape)


_NOT_PLAIN, _DIRECT, _REREAD = 0, 1, 2


def _plain(value: Any, depth: int) -> int:
    """Is ``value`` made only of the exact types dict (str keys), list, tuple, str, int within
    +-(2**53 - 1), finite float, bool and None, nested at most 64 deep? If not: _NOT_PLAIN.
    Subclasses (IntEnum, OrderedDict, str enums), other key types (which json would turn into
    strings) and large integers (which ``canonical_json`` refuses but the text path would read
    as doubles) are not plain.

    A plain value written by the C encoder (floats by repr()) reads back with JSON's number
    model as ``value`` itself (repr() round-trips every double), so the canonical bytes of
    that text are the canonical bytes of ``value``. _DIRECT: that text is already canonical
    (every float is non-integral and at least 1e-4 in size, which repr() writes as RFC 8785
    does; the astral check is still made); _REREAD: it holds a float repr() writes otherwise
    (100.0, 1e-05), so it goes through ``_fast_canonical``."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return _DIRECT
    if kind is int:
        return _DIRECT if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else _NOT_PLAIN
    if kind is float:
        if not math.isfinite(value):
            return _NOT_PLAIN
        return _REREAD if value.is_integer() or abs(value) < 1e-4 else _DIRECT
    if depth >= 64:
        return _NOT_PLAIN
    if kind is dict:
        if any(type(key) is not str for key in value):
            return _NOT_PLAIN
        items: Any = value.values()
    elif kind is list or kind is tuple:
        items = value
    else:
        return _NOT_PLAIN
    shape = _DIRECT
    for item in items:
        inner = _plain(item, depth + 1)
        if inner == _NOT_PLAIN:
            return _NOT_PLAIN
        if inner == _REREAD:
            shape = _REREAD
    return shape


def _int_or_double(text: str) -> int | float:
    number = int(text)
    return number if -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER else float(text)


_DECODER = json.JSONDecoder(parse_int=_int_or_double)


def _as_doubles(value: Any) -> Any:
    """Integers beyond +-(2**53 - 1) as the double they denote (OverflowError beyond ~1e308
    is reported as not canonical)."""
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return value
        try:
            return float(value)
        except OverflowError:
            return math.inf  # refused by canonical_json as "not a finite number"
    if isinstance(value, dict):
        return {k: _as_doubles(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_doubles(v) for v in value]
    return value


class _Rule:
    """One reason rfc8785 refuses a value: a test on an element, the message, a hint."""

    def __init__(self, test: Any, message: str, hint: str | None = None, keys: bool = False) -> None:
        self.test, self.message, self.hint, self.keys = test, message, hint, keys


_RULES = [
    _Rule(lambda v: isinstance(v, Mapping) and any(not isinstance(k, str) for k in v),
          "an object key is not a string", "JSON object keys are strings; convert the keys"),
    _Rule(lambda v: isinstance(v, float) and not math.isfinite(v),
          "is not a finite number (NaN and infinities are not JSON)"),
    _Rule(lambda v: isinstance(v, int) and not isinstance(v, bool)
          and not -MAX_SAFE_INTEGER <= v <= MAX_SAFE_INTEGER,
          f"is an integer beyond +-{MAX_SAFE_INTEGER}, which a JSON number cannot carry exactly",
          "send it as a string"),
    _Rule(lambda v: isinstance(v, str) and _has_lone_surrogate(v),
          "contains a lone UTF-16 surrogate, which is not valid Unicode", keys=True),
    _Rule(lambda v: v is not None and not isinstance(v, dict | list | tuple | str | int | float),
          "is not a JSON value",
          "convert it first: a datetime to an ISO 8601 string, a UUID or Decimal to str"),
]


def _explain(value: Any) -> NotCanonicalJson:
    """Find why rfc8785 refused ``value`` and say where."""
    for rule in _RULES:
        found = _find(value, "$", rule.test, keys=rule.keys)
        if found is not None:
            path, element = found
            message = rule.message
            if rule is _RULES[-1]:
                message = f"a {type(element).__name__} {message}"
            return NotCanonicalJson(message, path, rule.hint)
    return NotCanonicalJson("is nested too deeply to canonicalize", "$")


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _find(value: Any, path: str, test: Any, keys: bool = False, depth: int = 0) -> tuple[str, Any] | None:
    """(location, element) of the first element (or key, with ``keys``) passing ``test``,
    the location written JSONPath-like: ``$.params.tools[2]``."""
    if depth > 500:
        return None
    if test(value):
        return path, value
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if isinstance(key, str) and key.isidentifier() else f"{path}[{key!r}]"
            if keys and test(key):
                return where, key
            found = _find(item, where, test, keys, depth + 1)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _find(item, f"{path}[{index}]", test, keys, depth + 1)
            if found is not None:
                return found
    return None
