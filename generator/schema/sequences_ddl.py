"""The DDL of sequences and identity options (generator.spec.sequences). Pure.

Order in the spec's script (``generator.schema.ddl.ddl_script``): every ``CREATE SEQUENCE``
before the tables (a column default ``nextval('s'::regclass)`` needs the sequence to exist),
then, once the tables exist, ``ALTER SEQUENCE ... OWNED BY``, ``COMMENT ON SEQUENCE`` and the
renames of identity sequences whose name the spec gives (``sequence:`` in an identity
mapping; SQLAlchemy's Identity has no SEQUENCE NAME, so the sequence PostgreSQL named
``<table>_<column>_seq`` is renamed: the same catalog, which pg_dump prints as SEQUENCE NAME).
Identity options themselves ride on ``sa.Identity`` in CREATE TABLE (``identity_kwargs``).
"""

from __future__ import annotations

from typing import Any

from generator.spec.model import ColumnSpec, Spec
from generator.spec.namespaces import split_in
from generator.spec.naming import quote_ident
from generator.spec.sequences import SequenceOptions, SequenceSpec
from generator.spec.sequences import default_identity_sequence as identity_sequence_name
from generator.spec.types import quote_literal


def options_clause(opts: SequenceOptions, type_: str | None = None) -> str:
    """``AS bigint START WITH 5 INCREMENT BY 1 ...``: only the options written."""
    parts = [f"AS {type_}"] if type_ else []
    for key, word in (("start", "START WITH"), ("increment", "INCREMENT BY"), ("min", "MINVALUE"),
                      ("max", "MAXVALUE"), ("cache", "CACHE")):
        value = getattr(opts, key)
        if value is not None:
            parts.append(f"{word} {int(value)}")
    if opts.cycle is not None:
        parts.append("CYCLE" if opts.cycle else "NO CYCLE")
    return " ".join(parts)


def create_sequence(seq: SequenceSpec) -> str:
    return f"CREATE SEQUENCE {seq.sql_name} {options_clause(seq.options, seq.type)}".rstrip()


def owned_by(seq: SequenceSpec) -> str | None:
    owner = seq.owner
    if owner is None:
        return None
    table = quote_ident(owner[0]) if seq.schema is None else (  # a sequence is owned within its schema
        f"{quote_ident(seq.schema)}.{quote_ident(owner[0][len(seq.schema) + 1:])}")
    return f"ALTER SEQUENCE {seq.sql_name} OWNED BY {table}.{quote_ident(owner[1])}"


def comment_on(seq: SequenceSpec) -> str:
    return f"COMMENT ON SEQUENCE {seq.sql_name} IS {quote_literal(seq.comment) if seq.comment else 'NULL'}"


def before_tables(spec: Spec) -> list[str]:
    """CREATE SEQUENCE for every sequence of the spec."""
    return [create_sequence(seq) for seq in spec.sequences.values()]


def after_tables(spec: Spec) -> list[str]:
    """OWNED BY, comments, and identity sequence renames, once the tables exist."""
    out: list[str] = []
    for seq in spec.sequences.values():
        owner = owned_by(seq)
        if owner:
            out.append(owner)
        if seq.comment:
            out.append(comment_on(seq))
    for table in spec.tables.values():
        for col in table.columns.values():
            schema, bare = split_in(spec, table.name)  # an identity sequence lives in its table's schema
            rename = identity_rename(bare, col, schema)
            if rename:
                out.append(rename)
    return out


def identity_rename(table: str, col: ColumnSpec, schema: str | None = None) -> str | None:
    """ALTER SEQUENCE <PostgreSQL's name> RENAME TO <the spec's>, when the spec names it
    (``table``: the bare name; ``schema``: its schema when not public)."""
    opts = col.identity_options
    if col.identity is None or opts is None or opts.sequence is None:
        return None
    default = identity_sequence_name(table, col.name)
    if default == opts.sequence:
        return None
    where = f"{quote_ident(schema)}." if schema else ""
    return f"ALTER SEQUENCE {where}{quote_ident(default)} RENAME TO {quote_ident(opts.sequence)}"


def identity_kwargs(col: ColumnSpec) -> dict[str, Any]:
    """The options of ``sa.Identity`` for a column's identity mapping."""
    opts = col.identity_options
    if opts is None:
        return {}
    o = opts.options
    values = {"start": o.start, "increment": o.increment, "minvalue": o.min, "maxvalue": o.max, "cache": o.cache, "cycle": o.cycle}
    return {k: v for k, v in values.items() if v is not None}
