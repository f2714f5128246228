"""Column types of the spec: parse the type text, and check that a literal default fits it.

Pure: no SQLAlchemy here, so validation stays fast. ``generator.schema.metadata`` maps a parsed
``ColumnType`` onto SQLAlchemy types.
"""

from __future__ import annotations

import datetime
import difflib
import ipaddress
import json
import math
import re
import uuid
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

# Base types the spec accepts, with the names PostgreSQL's catalog uses for them.
SIMPLE_TYPES = {
    "smallint", "integer", "bigint", "real", "double precision", "numeric", "text", "citext",
    "boolean", "uuid", "jsonb", "json", "date", "time", "timestamptz", "timestamp", "interval",
    "bytea", "inet", "cidr", "macaddr",
}
ALIASES = {
    "int": "integer", "int4": "integer", "int2": "smallint", "int8": "bigint", "bool": "boolean",
    "float8": "double precision", "float4": "real", "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp", "character varying": "varchar", "decimal": "numeric",
}
SIZED_TYPES = {"varchar", "char", "numeric"}
INTEGER_TYPES = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}
EXTENSION_TYPES = {"citext": "citext"}

# Types of other databases that people write, and what to write instead.
FOREIGN_TYPES = {
    "datetime": "not a PostgreSQL type; use timestamptz (or timestamp)",
    "datetime2": "not a PostgreSQL type; use timestamptz (or timestamp)",
    "year": "not a PostgreSQL type; use smallint, or date",
    "tinyint": "not a PostgreSQL type; use smallint",
    "mediumint": "not a PostgreSQL type; use integer",
    "string": "not a PostgreSQL type; use text",
    "tinytext": "not a PostgreSQL type; use text",
    "mediumtext": "not a PostgreSQL type; use text",
    "longtext": "not a PostgreSQL type; use text",
    "clob": "not a PostgreSQL type; use text",
    "nvarchar": "not a PostgreSQL type; use varchar(n) or text",
    "varchar2": "not a PostgreSQL type; use varchar(n) or text",
    "blob": "not a PostgreSQL type; use bytea",
    "longblob": "not a PostgreSQL type; use bytea",
    "number": "not a PostgreSQL type; use numeric(p,s), integer or bigint",
    "double": "write double precision",
    "float": "write double precision (or real for 4 bytes)",
    "unsigned": "PostgreSQL has no unsigned integers; use a larger integer type with a check",
}
# PostgreSQL types the spec refuses with a hint (helper `seqs` owns sequences).
UNSUPPORTED_TYPES = {
    "serial": "serial types (sequences) are",
    "bigserial": "serial types (sequences) are",
    "smallserial": "serial types (sequences) are",
}
# Types PostgreSQL resolves in pg_catalog before any enum of the same name in public (every
# base and pseudo type of pg_catalog 17/18 not named pg_*, plus the spec's own type words).
BUILTIN_TYPE_NAMES = frozenset("""
aclitem any anyarray anycompatible anycompatiblearray anycompatiblemultirange anycompatiblenonarray
anycompatiblerange anyelement anyenum anymultirange anynonarray anyrange bit bool box bpchar bytea
char cid cidr circle cstring date datemultirange daterange event_trigger fdw_handler float4 float8
gtsvector index_am_handler inet int2 int2vector int4 int4multirange int4range int8 int8multirange
int8range internal interval json jsonb jsonpath language_handler line lseg macaddr macaddr8 money
name numeric nummultirange numrange oid oidvector path point polygon record refcursor regclass
regcollation regconfig regdictionary regnamespace regoper regoperator regproc regprocedure regrole
regtype table_am_handler text tid time timestamp timestamptz timetz trigger tsm_handler
tsmultirange tsquery tsrange tstzmultirange tstzrange tsvector txid_snapshot unknown uuid varbit
varchar void xid xid8 xml
integer smallint bigint real boolean decimal float double character varying dec int citext
""".split()) | SIMPLE_TYPES | SIZED_TYPES | frozenset(ALIASES)

_SERIAL_HINT = "; use integer or bigint with identity: by default"
SERIAL_TYPES = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}

# Zero-argument SQL functions a default may call, and the base type each returns.
DEFAULT_FUNCTIONS = {
    "now()": "timestamptz",
    "clock_timestamp()": "timestamptz",
    "statement_timestamp()": "timestamptz",
    "transaction_timestamp()": "timestamptz",
    "current_timestamp": "timestamptz",
    "current_date": "date",
    "gen_random_uuid()": "uuid",
}
# A timestamptz default may also serve timestamp and date columns.
_FUNCTION_FITS = {"timestamptz": {"timestamptz", "timestamp"}, "date": {"date"}, "uuid": {"uuid"}}

# Matched against the type with each run of whitespace made one space and the ends stripped,
# so that no two parts of the pattern can take the same spaces: "a" + 160 spaces + "!" took
# 0.5 s (and 1,000 spaces minutes) against the earlier "\s*...*?\s*\s*" pattern. ASCII: \d
# would take Arabic digits ("varchar(٣)"); \Z: $ also matches before a final newline.
_TYPE_RE = re.compile(r"([a-z_][a-z0-9_]*(?: [a-z_][a-z0-9_]*)*) ?(?:\( ?([0-9]+) ?(?:, ?([0-9]+) ?)?\))? ?(\[\])?\Z", re.A)
_SPACES = re.compile(r"\s+", re.A)
_CALL_RE = re.compile(r"^[a-z_][a-z0-9_]*\(\)\Z|^current_(timestamp|date)\Z", re.A)


class TypeProblem(ValueError):
    """The type text or a default is not acceptable; the message says why."""


@dataclass(frozen=True)
class ColumnType:
    base: str  # canonical base name, e.g. "integer", "varchar", or an enum's name
    length: int | None = None  # varchar(n)/char(n) length, numeric precision
    scale: int | None = None  # numeric scale
    array: bool = False
    enum: bool = False
    domain: bool = False  # a domain declared under domains: (generator.spec.domains)
    opaque: bool = False  # a type schemactl does not know: ``base`` is its canonical text (opaque_types)
    dims: int = 1  # array dimensions, when ``array``
    opaque_name: str = ""  # the bare name of an opaque type ("vector" for vector(3))

    def sql(self) -> str:
        text = self.base
        if self.length is not None:
            text += f"({self.length}" + (f",{self.scale}" if self.scale is not None else "") + ")"
        return text + ("[]" * self.dims if self.array else "")


def parse_type(text: str, enums: set[str] | frozenset[str] = frozenset(),
               domains: set[str] | frozenset[str] = frozenset()) -> ColumnType:
    """Parse a spec type such as ``varchar(64)``, ``numeric(8,3)``, ``job_status`` or ``text[]``;
    the names in ``domains`` are known types the way enum names are."""
    if isinstance(text, str):  # an enum's or domain's name exactly, whatever it holds ("Order Status")
        base, array = (text[:-2], True) if text.endswith("[]") else (text, False)
        if base in enums:
            return ColumnType(base, array=array, enum=True)
        if base in domains:
            return ColumnType(base, array=array, domain=True)
    m = _TYPE_RE.match(_SPACES.sub(" ", text.lower()).strip(" ")) if isinstance(text, str) else None
    if not m:
        if not isinstance(text, str):
            raise TypeProblem(f"cannot parse type {text!r}")
        return _opaque(text, enums)
    name, length, scale, array = m.group(1), m.group(2), m.group(3), bool(m.group(4))
    name = ALIASES.get(name, name)
    if name in enums and text.strip().rstrip("[]").strip() == name:
        return ColumnType(name, array=array, enum=True)
    if name in SIZED_TYPES:
        if name == "numeric":
            if scale is not None and length is None:  # pragma: no cover - regex prevents it
                raise TypeProblem("numeric scale without precision")
            if length is not None and not 1 <= int(length) <= 1000:
                raise TypeProblem(f"numeric precision must be 1..1000, got {length}")
            if scale is not None and int(scale) > int(length):
                raise TypeProblem(f"numeric scale {scale} exceeds precision {length}")
            return ColumnType("numeric", int(length) if length else None, int(scale) if scale else None, array)
        if scale is not None:
            raise TypeProblem(f"{name} takes one length, not two")
        if length is None:
            if name == "char":
                return ColumnType("char", 1, None, array)
            return ColumnType(name, None, None, array)
        if int(length) < 1:
            raise TypeProblem(f"{name} length must be at least 1")
        return ColumnType(name, int(length), None, array)
    if name in SIMPLE_TYPES:
        if length is not None:
            if name in ("time", "timestamp", "timestamptz", "interval") and scale is None:
                return _opaque(text, enums)  # timestamp(3): a precision PostgreSQL judges
            raise TypeProblem(f"type {name} takes no length")
        return ColumnType(name, array=array)
    if name in FOREIGN_TYPES:
        raise TypeProblem(f"unknown type {text!r}: {FOREIGN_TYPES[name]}")
    if name in SERIAL_TYPES:  # a shorthand, not a type (docs/spec.md, Sequences)
        raise TypeProblem(
            f"type {text!r} is a shorthand for a sequence and a column default, not a type: write "
            f"{SERIAL_TYPES[name]} with identity: by default, or a sequence under sequences: and "
            f"default_sql: \"nextval('<sequence>'::regclass)\""
        )
    if name in UNSUPPORTED_TYPES:
        hint = _SERIAL_HINT if name.endswith("serial") else ""
        raise TypeProblem(f"type {text!r}: {UNSUPPORTED_TYPES[name]} not supported by the spec yet{hint}")
    opaque = _opaque(text, enums)
    # Only a close spelling of a known word is a suggestion ('year' is not a misspelled
    # 'bytea'), and never for a real PostgreSQL type ('timetz' is not a misspelled 'time').
    if opaque.opaque and opaque.opaque_name not in BUILTIN_TYPE_NAMES and name not in BUILTIN_TYPE_NAMES:
        close = difflib.get_close_matches(name, sorted(SIMPLE_TYPES | SIZED_TYPES | set(enums) | set(ALIASES)), n=1, cutoff=0.75)
        if close:
            raise TypeProblem(f"unknown type {_short(text)} (did you mean {close[0]!r}?)")
    return opaque


def _opaque(text: str, enums: set[str] | frozenset[str]) -> ColumnType:
    """A type schemactl does not know, read as exactly one PostgreSQL type name (or an array
    of a known type with more dimensions): PostgreSQL judges it when the spec is built."""
    from generator.spec.opaque_types import OpaqueTypeProblem, parse_opaque

    try:
        found = parse_opaque(text)
    except OpaqueTypeProblem as exc:
        raise TypeProblem(str(exc)) from None
    if found.dims:
        element = parse_type(found.element, enums)
        if not element.opaque:
            return replace(element, array=True, dims=found.dims)
    return ColumnType(found.element, array=found.dims > 0, opaque=True, dims=max(found.dims, 1), opaque_name=found.name)


def is_function_default(value: Any) -> bool:
    """True for a default written as a SQL call such as ``now()``."""
    return isinstance(value, str) and bool(_CALL_RE.match(value.strip().lower()))


def check_default(ctype: ColumnType, value: Any, enum_values: list[str] | None = None) -> None:
    """Raise TypeProblem if the literal ``value`` cannot be a default of ``ctype``."""
    if is_function_default(value):
        call = value.strip().lower()
        returns = DEFAULT_FUNCTIONS.get(call)
        if returns is None:
            raise TypeProblem(f"unknown default function {value!r} (known: {', '.join(DEFAULT_FUNCTIONS)}; use default_sql for anything else)")
        if ctype.opaque and not ctype.array:
            return  # timestamp(3) with time zone: PostgreSQL judges the fit
        if ctype.array or ctype.base not in _FUNCTION_FITS[returns]:
            raise TypeProblem(f"default {value} returns {returns}, which does not fit type {ctype.sql()}")
        return
    if ctype.opaque and not ctype.array:
        if not isinstance(value, str | int | float | bool):
            raise TypeProblem(f"default of type {ctype.sql()} must be a string or a number (PostgreSQL reads it)")
        return
    if ctype.array:
        if not isinstance(value, list):
            raise TypeProblem(f"default of array type {ctype.sql()} must be a list")
        if ctype.dims > 1:
            raise TypeProblem(f"default of multi-dimensional array type {ctype.sql()}: use default_sql")
        element = replace(ctype, array=False, dims=1)
        for item in value:
            check_default(element, item, enum_values)
        return
    _check_scalar(ctype, value, enum_values)


def _check_scalar(ctype: ColumnType, value: Any, enum_values: list[str] | None) -> None:
    base = ctype.base
    fits = f"default {value!r} does not fit type {ctype.sql()}"
    if ctype.enum:
        if not isinstance(value, str) or value not in (enum_values or []):
            raise TypeProblem(f"default {value!r} is not a value of enum {base} ({', '.join(enum_values or [])})")
    elif base in INTEGER_TYPES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeProblem(fits)
        limit = INTEGER_TYPES[base]
        if not -limit <= value < limit:
            raise TypeProblem(f"default {value} is out of range for {base} ({-limit}..{limit - 1})")
    elif base in ("real", "double precision", "numeric"):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise TypeProblem(fits)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise TypeProblem(fits) from None
        if base == "numeric" and ctype.length is not None and not _fits_numeric(number, ctype.length, ctype.scale or 0):
            raise TypeProblem(f"default {value} does not fit {ctype.sql()}")
    elif base == "boolean":
        if not isinstance(value, bool):
            raise TypeProblem(f"{fits}: use true or false")
    elif base in ("text", "citext", "varchar", "char"):
        if not isinstance(value, str):
            raise TypeProblem(f"{fits}: quote it as a string")
        if ctype.length is not None and len(value) > ctype.length:
            raise TypeProblem(f"default {value!r} is longer than {ctype.sql()}")
    elif base in ("jsonb", "json"):
        if isinstance(value, str):
            try:
                json.loads(value, parse_constant=_no_json_constant)
            except ValueError as exc:
                raise TypeProblem(f"default {value!r} is not valid JSON: {getattr(exc, 'msg', exc)}") from None
            except RecursionError:  # a hostile "[[[[...": json's decoder recurses per level
                raise TypeProblem(f"default {_short(value)} is JSON nested too deeply to read") from None
    elif base == "uuid":
        _parse(value, uuid.UUID, fits)
    elif base == "date":
        _parse(value, datetime.date.fromisoformat, fits)
    elif base in ("timestamptz", "timestamp"):
        _parse(value, lambda v: datetime.datetime.fromisoformat(v.replace("Z", "+00:00")), fits)
    elif base == "time":
        _parse(value, datetime.time.fromisoformat, fits)
    elif base in ("inet", "cidr"):
        _parse(value, ipaddress.ip_interface if base == "inet" else ipaddress.ip_network, fits)
    elif not isinstance(value, str):  # interval, bytea, macaddr: a string literal, checked by the server
        raise TypeProblem(fits)


def _short(value: str) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _no_json_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON (PostgreSQL refuses it)")


def _fits_numeric(number: Decimal, precision: int, scale: int) -> bool:
    """PostgreSQL's rule: rounded to ``scale`` digits, |value| < 10^(precision - scale); NaN fits."""
    if number.is_nan():
        return True
    if number.is_infinite():
        return False
    try:
        rounded = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP, context=Context(prec=2 * 1000 + 10))
    except InvalidOperation:  # far too many digits for any numeric(p,s)
        return False
    return abs(rounded) < Decimal(10) ** (precision - scale)


def _parse(value: Any, parser: Any, message: str) -> None:
    if not isinstance(value, str):
        raise TypeProblem(message)
    try:
        parser(value)
    except ValueError:
        raise TypeProblem(message) from None


def literal_sql(ctype: ColumnType, value: Any) -> str:
    """The SQL text of a (checked) default, as a server default expression."""
    if is_function_default(value):
        return value.strip().lower()
    if ctype.base in ("jsonb", "json") and not ctype.array:
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), sort_keys=True)
        return _quote(text)
    if ctype.array:
        items = ",".join(_array_item(v) for v in value)
        return _quote("{" + items + "}")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return _quote("NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity")
    if isinstance(value, int | float):
        return str(value)
    return _quote(str(value))


def _array_item(value: Any) -> str:
    if isinstance(value, dict | list):  # a jsonb[] element
        text = json.dumps(value, separators=(",", ":"), sort_keys=True)
    else:
        text = "true" if value is True else "false" if value is False else str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quote_literal(text: str) -> str:
    """A SQL string literal whose value is ``text`` whatever ``standard_conforming_strings``
    says: ``E'...'`` (backslashes doubled) when it holds a backslash, as PostgreSQL's own
    quote_literal() writes it; a plain ``'...'`` reads differently when the setting is off."""
    if "\\" in text:
        return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"
    return "'" + text.replace("'", "''") + "'"


_quote = quote_literal
