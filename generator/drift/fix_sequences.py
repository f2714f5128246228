"""The fixing SQL for sequences and identity options, where migra is wrong or blind. Pure.

migra 3.0 creates a missing sequence with ``create sequence x;`` (a bigint with every option
at its default, whatever the spec says), sets OWNED BY, drops an extra one, and compares
nothing else: a sequence's type, START, INCREMENT, MINVALUE, MAXVALUE, CACHE, CYCLE and
comment, and an identity column's options and sequence name, are invisible to it. The
catalog compare (``generator.pg.catalog_sequences``) sees them; here:

- a sequence the spec adds: migra's ``create sequence`` is replaced by ``CREATE SEQUENCE ...
  AS <type>`` with every option of the spec's database, in the same place (before the tables
  that use it); OWNED BY and the comment follow at the end of the script, once every table
  and column exists;
- a sequence that changed: ``ALTER SEQUENCE`` with the options that differ, OWNED BY (or
  OWNED BY NONE), ``COMMENT ON SEQUENCE``. Never RESTART: the current value is data;
- identity options: ``ALTER TABLE ... ALTER COLUMN ... SET START WITH ... SET ...`` (the
  sequence is the column's), and ``ALTER SEQUENCE ... RENAME TO`` for its name.
"""

from __future__ import annotations

from generator.drift import fix_schemas
from generator.drift.report import Statement, describe_statement
from generator.pg.catalog import Change, Snapshot
from generator.pg.catalog_sequences import (
    IdentityState,
    SequenceState,
    created_identity_sequence,
    default_identity,
)
from generator.spec import naming
from generator.spec.types import quote_literal

_WORDS = ("START WITH", "INCREMENT BY", "MINVALUE", "MAXVALUE", "CACHE")


def _q(name: str) -> str:
    return fix_schemas.qualified(name)  # "billing"."invoice_no" for the snapshot's billing.invoice_no


def _options(values: tuple[int, int, int, int, int, bool], old: tuple[int, int, int, int, int, bool] | None = None,
             prefix: str = "") -> list[str]:
    """The option clauses for ``values`` (only those differing from ``old`` when given)."""
    out = []
    for i, word in enumerate(_WORDS):
        if old is None or old[i] != values[i]:
            out.append(f"{prefix}{word} {int(values[i])}")
    if old is None or old[5] != values[5]:
        out.append(f"{prefix}{'CYCLE' if values[5] else 'NO CYCLE'}")
    return out


def create_sequence(name: str, seq: SequenceState) -> str:
    return f"CREATE SEQUENCE {_q(name)} AS {seq.type} " + " ".join(_options(seq.options()))


def alter_sequence(name: str, old: SequenceState, new: SequenceState) -> str | None:
    clauses = []
    if old.type != new.type:
        clauses.append(f"AS {new.type}")
        # a new type moves the default bounds: say them all
        clauses += _options(new.options(), tuple(None for _ in range(6)))  # type: ignore[arg-type]
    else:
        clauses += _options(new.options(), old.options())
    return f"ALTER SEQUENCE {_q(name)} " + " ".join(clauses) if clauses else None


def owned_by(name: str, owner: tuple[str, str] | None) -> str:
    target = f"{_q(owner[0])}.{naming.quote_ident(owner[1])}" if owner else "NONE"
    return f"ALTER SEQUENCE {_q(name)} OWNED BY {target}"


def comment_on(name: str, comment: str | None) -> str:
    return f"COMMENT ON SEQUENCE {_q(name)} IS {'NULL' if comment is None else quote_literal(comment)}"


def _about(s: Statement, names: set[str]) -> bool:
    """One of migra's statements creating a sequence of ``names`` or setting its OWNED BY."""
    d = describe_statement(s.sql)
    return bool(s.origin == "migra" and d and d.kind == "sequence" and d.name in names and d.action != "removed")


def fix_sequences(out: list[Statement], changes: list[Change], live: Snapshot, spec: Snapshot) -> list[Statement]:
    """migra's statements with sequences written from the spec's catalog (see the module)."""
    added = {c.name for c in changes if c.kind == "sequence" and c.action == "added" and c.name in spec.sequences}
    changed = {c.name for c in changes if c.kind == "sequence" and c.action == "changed"
               and c.name in spec.sequences and c.name in live.sequences}
    if not added and not changed:
        return out
    result: list[Statement] = []
    placed: set[str] = set()
    note = "migra creates every sequence as a bigint with default options"
    for s in out:
        if not _about(s, added | changed):
            result.append(s)
            continue
        d = describe_statement(s.sql)
        if d is not None and d.name in added and d.name not in placed and s.sql.lstrip().lower().startswith("create"):
            result.append(Statement(create_sequence(d.name, spec.sequences[d.name]), False, "schemactl", note))
            placed.add(d.name)
    for name in sorted(added - placed):  # migra wrote no create (should not happen): before the tables
        result.insert(0, Statement(create_sequence(name, spec.sequences[name]), False, "schemactl", note))
    tail: list[str] = []
    for name in sorted(added):
        seq = spec.sequences[name]
        if seq.owner:
            tail.append(owned_by(name, seq.owner))
        if seq.comment is not None:
            tail.append(comment_on(name, seq.comment))
    for name in sorted(changed):
        old, new = live.sequences[name], spec.sequences[name]
        alter = alter_sequence(name, old, new)
        if alter:
            tail.append(alter)
        if old.owner != new.owner:
            tail.append(owned_by(name, new.owner))
        if old.comment != new.comment:
            tail.append(comment_on(name, new.comment))
    return result + [Statement(sql, False, "schemactl", "migra does not compare sequence options, owners or comments")
                     for sql in tail]


def identity_sql(change: Change, live: Snapshot, spec: Snapshot, key: tuple[str, str]) -> list[str] | None:
    """ALTER COLUMN ... SET <options> (and a rename of its sequence) for an identity change."""
    table, column = key
    want: IdentityState | None = spec.identities.get(key)
    if want is None:
        return []  # the identity goes: the column change drops it with its sequence
    have = live.identities.get(key)
    col = live.columns.get(key) or spec.columns.get(key)
    old = have.options() if have is not None else default_identity(col.type if col else "bigint")
    out = []
    clauses = _options(want.options(), old, prefix="SET ")
    if clauses and key not in live.columns:
        clauses.append("RESTART")  # a column the script creates: no value was drawn (a MINVALUE above 1 needs it)
    if clauses:
        out.append(f"ALTER TABLE {_q(table)} ALTER COLUMN {naming.quote_ident(column)} " + " ".join(clauses))
    # a column the script creates (migra's bare identity) has PostgreSQL's sequence name
    current = have.sequence if have is not None else created_identity_sequence(table, column) if key not in live.columns else None
    if current is not None and current != want.sequence:
        out.append(f"ALTER SEQUENCE {_q(current)} RENAME TO {naming.quote_ident(fix_schemas.split(want.sequence)[1])}")
    return out
