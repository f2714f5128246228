"""``schemactl import`` for sequences and identity options (docs/spec.md, Sequences).

- A sequence of its own in ``public`` (free-standing, or OWNED BY a column as serial columns'
  are) is written under ``sequences:`` with its type, the options that differ from
  CREATE SEQUENCE's defaults, ``owned_by`` and its comment. One owned by a table the spec
  cannot write (or an excluded one) goes with that table, as before.
- A column default ``nextval('<sequence>'::regclass)`` of a written sequence is written as
  ``default_sql`` (never as identity: the database has a sequence and a default, and so does
  the spec); one naming any other sequence stays unsupported.
- An identity column's options and sequence name are written in the mapping form of
  ``identity:`` when they are not the defaults.
"""

from __future__ import annotations

from typing import Any

from generator.pg.introspect import Column, Database, Sequence
from generator.schema.sequences_ddl import identity_sequence_name
from generator.spec.naming import quote_ident
from generator.spec.sequences import SEQUENCE_TYPES, SequenceOptions

_KEYS = ("start", "increment", "min", "max", "cache", "cycle")


def _values(s: Sequence) -> tuple[int, int, int, int, int, bool]:
    return (s.start, s.increment, s.minimum, s.maximum, s.cache, bool(s.cycle))


def _written_options(s: Sequence, type_: str) -> dict[str, Any]:
    """The options that differ from what CREATE SEQUENCE AS ``type_`` would give (min and max
    follow the increment's sign; start follows min or max)."""
    values = dict(zip(_KEYS, _values(s), strict=True))
    out: dict[str, Any] = {}
    if values["increment"] != 1:
        out["increment"] = values["increment"]
    for key in ("min", "max"):
        base = SequenceOptions(increment=values["increment"], **{k: v for k, v in out.items() if k in ("min", "max")})
        defaults = dict(zip(_KEYS, base.resolved(type_), strict=True))
        if values[key] != defaults[key]:
            out[key] = values[key]
    base = SequenceOptions(increment=values["increment"], min=out.get("min"), max=out.get("max"))
    defaults = dict(zip(_KEYS, base.resolved(type_), strict=True))
    for key in ("start", "cache", "cycle"):
        if values[key] != defaults[key]:
            out[key] = values[key]
    return {k: out[k] for k in _KEYS if k in out}


def sequence_body(s: Sequence, comment: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": s.type}
    body.update(_written_options(s, s.type))
    if s.owner_table and s.owner_column and s.dependency == "a":
        body["owned_by"] = f"{s.owner_table.split('.', 1)[1]}.{s.owner_column}"
    if comment:
        body["comment"] = comment
    return body


def writable(s: Sequence, excluded_or_bad: set[str]) -> bool:
    """Whether the spec can write this sequence: in public, not an identity's, of a
    spec type, and not owned by a table left out (a schema other than public, an excluded or
    unsupported table)."""
    if s.schema != "public" or s.dependency == "i" or s.type not in SEQUENCE_TYPES:
        return False
    if s.owner_table is None:
        return True
    schema, _, table = s.owner_table.partition(".")
    return schema == "public" and table not in excluded_or_bad


def names_written(text: str, written: set[str]) -> bool:
    """Whether ``<text>`` of nextval('<text>') names one of the ``written`` public sequences
    (as pg_get_expr prints a regclass: bare, or quoted when it must be)."""
    return any(text in (name, quote_ident(name)) for name in written)


def identity_body(db: Database, table: str, c: Column) -> dict[str, Any] | str:
    """A column's ``identity:``: the string form, or the mapping with what is not the default."""
    kind = "always" if c.identity == "a" else "by default"
    seq = next((s for s in db.sequences if s.dependency == "i" and s.owner_table == f"public.{table}"
                and s.owner_column == c.name), None)
    if seq is None:
        return kind
    body: dict[str, Any] = {}
    if seq.name != identity_sequence_name(table, c.name):
        body["sequence"] = seq.name
    type_ = {"int2": "smallint", "int4": "integer", "int8": "bigint"}.get(c.type_name, seq.type)
    body.update(_written_options(seq, type_))
    if not body:
        return kind
    return {"generated": kind, **body}
