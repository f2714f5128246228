"""Sequences (top-level ``sequences:``) and identity options (the mapping form of ``identity:``).

A sequence in the spec is what ``CREATE SEQUENCE`` says: a type (smallint, integer, bigint;
default bigint), the options START, INCREMENT, MINVALUE, MAXVALUE, CACHE, CYCLE (each optional:
omitted means PostgreSQL's default), an optional ``owned_by: table.column`` (``ALTER SEQUENCE
... OWNED BY``: the sequence goes when the column goes) and a comment. A column uses one through
``default_sql: "nextval('name'::regclass)"``, as a serial column does (``serial`` is shorthand
for exactly that; the spec writes it out).

An identity column's sequence is the column's own (PostgreSQL links it internally): its
options are written on the column, ``identity: {generated: always|by default, sequence: name,
start: ..., ...}``; the string form ``identity: by default`` keeps meaning the defaults.

Values are checked here the way PostgreSQL would refuse them at CREATE time (increment not 0,
min <= start <= max, values inside the type), so a mistake is reported at its FILE:LINE:COL
and never reaches the scratch build. A sequence's current value is data, never compared.
Pure: no SQLAlchemy, no database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.spec import naming
from generator.spec.source import Path

if TYPE_CHECKING:
    from generator.errors import Problem
    from generator.spec.source import Source

SEQUENCE_TYPES = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}  # the type's bound: [-b, b - 1]
OPTION_KEYS = ("start", "increment", "min", "max", "cache", "cycle")


@dataclass(frozen=True)
class SequenceOptions:
    """The options of a sequence as written; None: not written (PostgreSQL's default)."""

    start: int | None = None
    increment: int | None = None
    min: int | None = None
    max: int | None = None
    cache: int | None = None
    cycle: bool | None = None

    @property
    def empty(self) -> bool:
        return all(getattr(self, k) is None for k in OPTION_KEYS)

    def resolved(self, type_: str) -> tuple[int, int, int, int, int, bool]:
        """(start, increment, min, max, cache, cycle) as PostgreSQL stores them for ``type_``
        (pg_sequence): the defaults of CREATE SEQUENCE filled in."""
        bound = SEQUENCE_TYPES.get(type_, 2**63)
        increment = self.increment if self.increment is not None else 1
        if increment > 0:
            low, high = 1, bound - 1
        else:
            low, high = -bound, -1
        mn = self.min if self.min is not None else low
        mx = self.max if self.max is not None else high
        start = self.start if self.start is not None else (mn if increment > 0 else mx)
        return start, increment, mn, mx, self.cache if self.cache is not None else 1, bool(self.cycle)


@dataclass(frozen=True)
class SequenceSpec:
    name: str
    type: str  # smallint | integer | bigint
    options: SequenceOptions
    owned_by: str | None = None  # "table.column"
    comment: str = ""
    path: Path = ()
    schema: str | None = None  # None: public; else ``name`` is ``schema.bare`` (generator.spec.namespaces)

    @property
    def sql_name(self) -> str:
        """The sequence as SQL, qualified outside public."""
        if self.schema is None:
            return naming.quote_ident(self.name)
        return f"{naming.quote_ident(self.schema)}.{naming.quote_ident(self.name[len(self.schema) + 1:])}"

    @property
    def owner(self) -> tuple[str, str] | None:
        """(table, column) of ``owned_by``; split at the last dot (a table name may hold one)."""
        if not self.owned_by or "." not in self.owned_by:
            return None
        table, _, column = self.owned_by.rpartition(".")
        return table, column


@dataclass(frozen=True)
class IdentityOptions:
    """The mapping form of ``identity:``: the identity sequence's name and options."""

    sequence: str | None = None
    options: SequenceOptions = SequenceOptions()


def _option(key: str, value: Any) -> Any:
    """A valid option value, else None (the JSON Schema reports it); 5.0 is the integer 5."""
    if key == "cycle":
        return value if isinstance(value, bool) else None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _options(body: dict[str, Any]) -> SequenceOptions:
    return SequenceOptions(**{k: _option(k, body.get(k)) for k in OPTION_KEYS})


def build_sequences(data: Any) -> dict[str, SequenceSpec]:
    """The ``sequences:`` of a spec's data; malformed entries are left to the JSON Schema."""
    body = data.get("sequences") if isinstance(data, dict) else None
    if not isinstance(body, dict):
        return {}
    from generator.spec.namespaces import PUBLIC, canonical, declared, split

    schemas = declared(data)
    out = {}
    for key, item in body.items():
        item = item if isinstance(item, dict) else {}
        owned = item.get("owned_by")
        schema = split(key, schemas)[0]
        if isinstance(owned, str) and "." in owned:  # [schema.]table.column: the table's canonical name
            table, _, column = owned.rpartition(".")
            owned = f"{canonical(table, schemas)}.{column}"
        name = canonical(key, schemas)
        out[name] = SequenceSpec(
            name, str(item.get("type", "bigint")), _options(item), owned if isinstance(owned, str) else None,
            str(item.get("comment", "") or ""), ("sequences", key), None if schema == PUBLIC else schema,
        )
    return out


def identity_kind(value: Any) -> str | None:
    """``always`` / ``by default`` of a column's ``identity:`` (string or mapping form)."""
    if isinstance(value, dict):
        generated = value.get("generated", "by default")
        return generated if isinstance(generated, str) else "by default"
    return value if isinstance(value, str) else None


def identity_options(value: Any) -> IdentityOptions | None:
    """The options of the mapping form; None for the string form (the defaults)."""
    if not isinstance(value, dict):
        return None
    seq = value.get("sequence")
    return IdentityOptions(seq if isinstance(seq, str) else None, _options(value))


def default_identity_sequence(table: str, column: str) -> str:
    """The name PostgreSQL gives an identity (or serial) sequence when none is written:
    ``<table>_<column>_seq`` (makeObjectName: the longer of the two parts is cut, by bytes on
    character boundaries, until the name fits 63 bytes)."""
    a, b = len(table.encode()), len(column.encode())
    avail = 63 - len("__seq")
    while a + b > avail:
        if a > b:
            a -= 1
        else:
            b -= 1
    return f"{_clip(table, a)}_{_clip(column, b)}_seq"


def _clip(text: str, nbytes: int) -> str:
    out, size = [], 0
    for ch in text:
        size += len(ch.encode())
        if size > nbytes:
            break
        out.append(ch)
    return "".join(out)


# ------------------------------------------------------------------ semantic checks


def option_problems(opts: SequenceOptions, type_: str) -> list[tuple[str, str]]:
    """(option key, message) for options PostgreSQL would refuse on a sequence of ``type_``."""
    out: list[tuple[str, str]] = []
    bound = SEQUENCE_TYPES.get(type_)
    if bound is None:
        return out
    for key in ("start", "min", "max"):
        value = getattr(opts, key)
        if value is not None and not -bound <= value <= bound - 1:
            out.append((key, f"{key} {value} is out of range for {type_} ({-bound} to {bound - 1})"))
    if opts.increment == 0:
        out.append(("increment", "increment must not be 0"))
    elif opts.increment is not None and abs(opts.increment) > bound - 1:
        out.append(("increment", f"increment {opts.increment} is out of range for {type_}"))
    if opts.cache is not None and opts.cache < 1:
        out.append(("cache", f"cache must be at least 1, not {opts.cache}"))
    if out:
        return out
    start, _inc, mn, mx, _cache, _cycle = opts.resolved(type_)
    if mn >= mx:
        out.append(("min" if opts.min is not None else "max", f"min ({mn}) must be less than max ({mx})"))
    elif not mn <= start <= mx:
        key = "start" if opts.start is not None else ("min" if opts.min is not None else "max")
        out.append((key, f"start ({start}) must be between min ({mn}) and max ({mx})"))
    return out


def check_sequences(spec: Any, source: Source) -> Iterator[Problem]:
    """Sequences and identity options of a ``generator.spec.model.Spec`` (which imports this
    module): names, owners, values (see the module's docstring)."""
    relations = set(spec.tables)
    for table in spec.tables.values():
        relations.add(table.primary_key_name)
        relations.update(u.name for u in table.uniques)
        relations.update(ix.name for ix in table.indexes)
    taken: dict[str, str] = {}
    for seq in spec.sequences.values():
        where = f"sequence {seq.name}"
        if naming.too_long(seq.name):
            yield source.problem(seq.path, f"{where}: name is over 63 bytes", key=True)
        if seq.name in relations:
            yield source.problem(seq.path, f"{where}: the name is already used by a table, index or key; rename the sequence", key=True)
        taken[seq.name] = where
        if seq.owned_by is not None:
            owner = seq.owner
            table = spec.tables.get(owner[0]) if owner else None
            if owner is None or table is None or owner[1] not in table.columns:
                yield source.problem(seq.path + ("owned_by",), f"{where}: owned_by {seq.owned_by!r} is not a table.column of the spec")
        for key, message in option_problems(seq.options, seq.type):
            yield source.problem(seq.path + (key,), f"{where}: {message}")
    for table in spec.tables.values():
        for col in table.columns.values():
            if col.identity is not None and default_identity_sequence(table.name, col.name) in spec.sequences:
                seq = spec.sequences[default_identity_sequence(table.name, col.name)]
                yield source.problem(seq.path, f"sequence {seq.name}: PostgreSQL gives this name to the identity "
                                     f"sequence of {table.name}.{col.name}; rename the sequence", key=True)
            opts = getattr(col, "identity_options", None)
            if opts is None or col.ctype is None:
                continue
            where = f"{table.name}.{col.name}"
            path = col.path + ("identity",)
            name = opts.sequence or default_identity_sequence(table.name, col.name)
            if opts.sequence is not None:
                if naming.too_long(name):
                    yield source.problem(path + ("sequence",), f"{where}: identity sequence name is over 63 bytes")
                if name in relations or name in taken:
                    yield source.problem(path + ("sequence",), f"{where}: identity sequence {name!r} is already the name of another relation")
            taken[name] = where
            for key, message in option_problems(opts.options, col.ctype.base):
                yield source.problem(path + (key,), f"{where}: identity {message}")
