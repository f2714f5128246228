"""Sequences and identity options in the catalog snapshot (``generator.pg.catalog``), and their
comparison. Knows no spec.

Two kinds, told apart by pg_depend:

- a sequence of its own (no dependency, or deptype ``a``: OWNED BY, as serial columns have):
  ``Snapshot.sequences[name] = SequenceState`` (type, the six options, owner, comment);
- an identity column's sequence (deptype ``i``, internal: never a sequence of its own):
  ``Snapshot.identities[(table, column)] = IdentityState`` (its name and options).

Current values (``last_value``, ``is_called``) are data, not schema: never read, never compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.pg.catalog_schemas import MANAGED, qualified

# every managed schema; names outside public are schema.name (generator.pg.catalog_schemas)
QUERY = f"""
    SELECT {qualified('c.relname')}, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
           s.seqcache, s.seqcycle, obj_description(c.oid, 'pg_class'), d.deptype,
           CASE WHEN tn.nspname = 'public' THEN t.relname ELSE tn.nspname || '.' || t.relname END, a.attname
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
         AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    LEFT JOIN pg_class t ON t.oid = d.refobjid LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE {MANAGED} AND c.relkind = 'S'
      AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass
                      AND e.objid = c.oid AND e.deptype = 'e')"""

_TYPE_MAX = {"smallint": 2**15 - 1, "integer": 2**31 - 1, "bigint": 2**63 - 1}


@dataclass(frozen=True)
class SequenceState:
    type: str  # format_type: smallint | integer | bigint
    start: int
    increment: int
    min: int
    max: int
    cache: int
    cycle: bool
    owner: tuple[str, str] | None  # (table, column) of OWNED BY
    comment: str | None

    def options(self) -> tuple[int, int, int, int, int, bool]:
        return (self.start, self.increment, self.min, self.max, self.cache, self.cycle)


@dataclass(frozen=True)
class IdentityState:
    sequence: str
    start: int
    increment: int
    min: int
    max: int
    cache: int
    cycle: bool

    def options(self) -> tuple[int, int, int, int, int, bool]:
        return (self.start, self.increment, self.min, self.max, self.cache, self.cycle)


OPTION_NAMES = ("start", "increment", "min", "max", "cache", "cycle")


def read_rows(rows: list[tuple[Any, ...]], ignored_tables: set[str]) -> tuple[dict[str, SequenceState], dict[tuple[str, str], IdentityState]]:
    sequences: dict[str, SequenceState] = {}
    identities: dict[tuple[str, str], IdentityState] = {}
    for name, typ, start, inc, mn, mx, cache, cycle, comment, dep, table, column in rows:
        if table in ignored_tables:
            continue
        if dep == "i" and table is not None:
            identities[(table, column)] = IdentityState(name, start, inc, mn, mx, cache, bool(cycle))
            continue
        owner = (table, column) if dep == "a" and table is not None and column is not None else None
        sequences[name] = SequenceState(typ, start, inc, mn, mx, cache, bool(cycle), owner, comment)
    return sequences, identities


def default_identity(type_: str) -> tuple[int, int, int, int, int, bool]:
    """The options GENERATED ... AS IDENTITY gives a column of ``type_`` when none are written."""
    return (1, 1, 1, _TYPE_MAX.get(type_, 2**63 - 1), 1, False)


def _show(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ".".join(value)
    return str(value)


def _quoted(comment: str | None) -> str:
    return "none" if comment is None else "'" + comment.replace("'", "''") + "'"


def sequence_detail(a: SequenceState, b: SequenceState) -> str:
    parts = [f"{what}: {_show(x)} -> {_show(y)}"
             for what, x, y in (("type", a.type, b.type), *zip(OPTION_NAMES, a.options(), b.options(), strict=True),
                                ("owned by", a.owner, b.owner))
             if x != y]
    if a.comment != b.comment:
        parts.append(f"comment: {_quoted(a.comment)} -> {_quoted(b.comment)}")
    return "; ".join(parts)


def identity_detail(a: tuple[Any, ...], b: tuple[Any, ...], names: tuple[str, ...]) -> str:
    return "; ".join(f"{what}: {_show(x)} -> {_show(y)}" for what, x, y in zip(names, a, b, strict=True) if x != y)


def compare(source: Any, target: Any, common_tables: set[str], Change: Any) -> list[Any]:  # noqa: N803
    """Changes of sequences and identity options, source -> target, as ``Change`` (the class
    ``generator.pg.catalog.Change``, passed in: that module imports this one)."""
    out: list[Any] = []
    a_seqs, b_seqs = source.sequences, target.sequences
    for name in sorted(set(a_seqs) | set(b_seqs)):
        a, b = a_seqs.get(name), b_seqs.get(name)
        if a is None or b is None:
            out.append(Change("sequence", name, "added" if a is None else "removed"))
        elif a != b:
            out.append(Change("sequence", name, "changed", sequence_detail(a, b)))
    for key in sorted(set(source.identities) | set(target.identities)):
        table, column = key
        col_a, col_b = source.columns.get(key), target.columns.get(key)
        if col_a is None and col_b is not None and key in target.identities:
            out += _created_identity(key, target.identities[key], col_b.type, Change)
            continue  # the column (or its table) is added: migra writes its identity bare
        if table not in common_tables:
            continue
        if col_a is None or col_b is None:
            continue  # the column is removed as a whole
        x, y = source.identities.get(key), target.identities.get(key)
        if x is not None and y is not None:
            names = ("sequence", *OPTION_NAMES)
            ax, by = (x.sequence, *x.options()), (y.sequence, *y.options())
        else:  # identity added or dropped (a column change says so): options other than the defaults
            names = OPTION_NAMES
            ax = x.options() if x is not None else default_identity(col_b.type)
            by = y.options() if y is not None else default_identity(col_a.type)
            if x is None and y is None:
                continue
            if (x is None and by == default_identity(col_b.type)) or (y is None):
                continue
        if ax != by:
            out.append(Change("identity", f"{table}.{column}", "changed", identity_detail(ax, by, names)))
    return out


def created_identity_sequence(table: str, column: str) -> str:
    """The name PostgreSQL gives the sequence of an identity column it creates (when free)."""
    return f"{table}_{column}_seq"


def _created_identity(key: tuple[str, str], want: IdentityState, type_: str, Change: Any) -> list[Any]:  # noqa: N803
    """An identity column created by migra's bare ``GENERATED ... AS IDENTITY``: a change
    when its options or its sequence's name are not the ones PostgreSQL gives it, so the fix
    SQL sets them (without it, a table built from the fix SQL had START 1, CACHE 1, ...)."""
    table, column = key
    names = ("sequence", *OPTION_NAMES)
    a = (created_identity_sequence(table, column), *default_identity(type_))
    b = (want.sequence, *want.options())
    if a == b:
        return []
    return [Change("identity", f"{table}.{column}", "changed", identity_detail(a, b, names))]
