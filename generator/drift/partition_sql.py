"""migra's SQL for partitioned and inherited tables, corrected. Pure.

migra treats each partition as a table of its own: for a partition added or removed it also
creates or drops the partition's copies of the parent's indexes, primary key and foreign keys
(which PostgreSQL creates and drops with the partition, or refuses to drop alone: "cannot drop
inherited constraint"), and for an index or identity added on the parent it adds the same
to every partition (which PostgreSQL already did: the script fails, once per partition). A
partitioned table with 55 partitions gave a script that failed in 114 places. So:

- every statement about an object PostgreSQL derives from the parent (a partition's indexes,
  keys, foreign keys and columns, an inheriting table's inherited columns) goes; the
  partition itself is created (``CREATE TABLE ... PARTITION OF``) or dropped by migra's own
  statement, and the parent's statement reaches every partition;
- ``CREATE INDEX ... ON ONLY parent`` (how ``pg_get_indexdef`` prints a partitioned table's
  index, and migra copies) makes an index of the parent alone, invalid until one is attached
  per partition: it becomes ``CREATE INDEX ... ON parent``, which PostgreSQL cascades;
- a partition whose bound or parent changed (migra is blind to it): ``DETACH PARTITION`` and
  ``ATTACH PARTITION`` with the spec's bound (``fallback_sql``).
"""

from __future__ import annotations

import re

from generator.drift.report import _bare
from generator.pg.catalog import Change, Snapshot
from generator.spec import naming

_NAME = r'(?:"(?:[^"]|"")+"|[\w$]+)(?:\.(?:"(?:[^"]|"")+"|[\w$]+))?'
_ALTER = re.compile(rf"^alter\s+table\s+(?:only\s+)?(?:if\s+exists\s+)?(?P<table>{_NAME})\s+(?P<rest>.*)$", re.I | re.S)
_COLUMN = re.compile(r'^(?:add|drop|alter)\s+column\s+(?:if\s+(?:not\s+)?exists\s+)?(?P<name>"(?:[^"]|"")+"|[\w$]+)', re.I)
_CREATE_INDEX = re.compile(rf"^create\s+(?:unique\s+)?index\s+(?:concurrently\s+)?(?:if\s+not\s+exists\s+)?(?P<name>{_NAME})\s+on\s+(?P<only>only\s+)?(?P<table>{_NAME})", re.I)
_DROP_INDEX = re.compile(rf"^drop\s+index\s+(?:concurrently\s+)?(?:if\s+exists\s+)?(?P<name>{_NAME})", re.I)
_CONSTRAINT = re.compile(r'^(?P<verb>add|validate)\s+constraint\s+(?P<name>"(?:[^"]|"")+"|[\w$]+)', re.I)
_DROP_CONSTRAINT = re.compile(r'^drop\s+constraint\s+(?:if\s+exists\s+)?(?P<name>"(?:[^"]|"")+"|[\w$]+)', re.I)
_NOT_VALID = re.compile(r"\s+not\s+valid(?=\s*;?\s*$)", re.I)
_USING_INDEX = re.compile(r'^add\s+constraint\s+(?P<name>"(?:[^"]|"")+"|[\w$]+)\s+(?:primary\s+key|unique)\s+using\s+index\s', re.I)
_DROP_TABLE = re.compile(rf"^drop\s+table\s+(?:if\s+exists\s+)?(?P<table>{_NAME})\s*;?\s*$", re.I)
_CREATE_PLAIN = re.compile(rf"^create\s+table\s+(?P<table>{_NAME})\s*\(", re.I)
_CREATE_TABLE = re.compile(rf"^create\s+table\s+(?P<table>{_NAME})\s+partition\s+of\s", re.I)


def correct(statements: list[str], source: Snapshot, target: Snapshot) -> list[str]:
    """migra's statements from ``source`` to ``target`` without those about derived objects."""
    if not (source.partitions or target.partitions or source.inherits or target.inherits):
        return statements
    partitions = set(source.partitions) | set(target.partitions)
    derived_indexes = set(source.derived_indexes) | set(target.derived_indexes)
    derived_columns = source.derived_columns | target.derived_columns
    # a foreign key referencing a partitioned table has one clone per partition (conparentid),
    # on the referencing table itself: PostgreSQL adds and drops them with the parent's key
    derived_constraints = source.derived_constraints | target.derived_constraints
    partitioned = set(source.partition_keys) | set(target.partition_keys)
    dropped = {_bare(m["table"]) for sql in statements if (m := _DROP_TABLE.match(sql.strip()))}
    # ADD CONSTRAINT ... USING INDEX is refused on a partitioned table: the key is added with
    # its definition instead (PostgreSQL builds the index, on every partition)
    using_index = {}
    for sql in statements:
        if (m := _ALTER.match(sql.strip())) and _bare(m["table"]) in partitioned and (u := _USING_INDEX.match(m["rest"].strip())):
            key = (_bare(m["table"]), _bare(u["name"]))
            if key in target.constraints:
                using_index[key[1]] = key
    out = []
    validated_now: set[tuple[str, str]] = set()
    for sql in statements:
        text = sql.strip()
        if (m := _CREATE_PLAIN.match(text)) and _bare(m["table"]) in target.partitions and _bare(m["table"]) in target.partition_keys:
            # a partition that is partitioned itself: migra writes its columns and then
            # "partition by <its bound>" (a syntax error); PostgreSQL's form instead
            name = _bare(m["table"])
            parent, bound = target.partitions[name]
            text = (f'create table "public".{naming.quote_ident(name)} partition of "public".{naming.quote_ident(parent)} '
                    f"{bound} partition by {target.partition_keys[name]};")
        if (m := _DROP_TABLE.match(text)) and _dropped_with_parent(_bare(m["table"]), source, dropped):
            continue  # dropped just before its parent, below (migra drops the parent first)
        if m := _DROP_TABLE.match(text):
            out += _partition_drops(_bare(m["table"]), source, dropped)
        if m := _ALTER.match(text):
            table = _bare(m["table"])
            rest = m["rest"].strip()
            c = _COLUMN.match(rest)
            if table in partitions:
                continue  # a partition's columns, keys, foreign keys and identity are its parent's
            if c and (table, _bare(c["name"])) in derived_columns:
                continue
            if (dk := _CONSTRAINT.match(rest) or _DROP_CONSTRAINT.match(rest)) and (table, _bare(dk["name"])) in derived_constraints:
                continue
            u = _USING_INDEX.match(rest)
            if u and (table, _bare(u["name"])) == using_index.get(_bare(u["name"])):
                name = _bare(u["name"])
                text = f"alter table {m['table']} add constraint {naming.quote_ident(name)} {target.constraints[(table, name)][1]};"
            k = _CONSTRAINT.match(rest)
            if k and table in partitioned:  # no NOT VALID foreign key on a partitioned table
                key = (table, _bare(k["name"]))
                if k["verb"].lower() == "validate" and key in validated_now:
                    continue
                if k["verb"].lower() == "add" and _NOT_VALID.search(text):
                    text = _NOT_VALID.sub("", text)
                    validated_now.add(key)
        elif m := _CREATE_INDEX.match(text):
            table = _bare(m["table"])
            if table in partitions or _bare(m["name"]) in derived_indexes or using_index.get(_bare(m["name"]), ("",))[0] == table:
                continue
            if m["only"] and table in partitioned:
                text = text[: m.start("only")] + text[m.end("only"):]
        elif m := _DROP_INDEX.match(text):
            if _bare(m["name"]) in derived_indexes:
                continue
        out.append(text)
    return out


def _dropped_with_parent(name: str, source: Snapshot, dropped: set[str]) -> bool:
    parent = source.partitions.get(name, (None, ""))[0]
    while parent is not None:
        if parent in dropped:
            return True
        parent = source.partitions.get(parent, (None, ""))[0]
    return False


def _partition_drops(parent: str, source: Snapshot, dropped: set[str]) -> list[str]:
    """DROP TABLE for the dropped partitions of ``parent``, deepest first."""
    out = []
    for name in sorted(n for n, (p, _b) in source.partitions.items() if p == parent and n in dropped):
        out += _partition_drops(name, source, dropped)
        out.append(f'drop table "public".{naming.quote_ident(name)};')
    return out


def patch_engine() -> None:
    """Make migra leave a table's parent alone: its ATTACH PARTITION names an attribute
    schemainspect does not have (an AttributeError ends the diff) and swaps the two tables;
    ``fallback_sql`` writes DETACH/ATTACH and INHERIT/NO INHERIT from the catalog instead."""
    from schemainspect.pg import obj

    obj.InspectedSelectable.attach_detach_statements = lambda self, before: []


def fallback_sql(change: Change, live: Snapshot, spec: Snapshot) -> list[str] | None:
    """DETACH / ATTACH for a partition whose parent or bound differs, NO INHERIT / INHERIT
    for a table whose parents differ; None for other changes."""
    q = naming.quote_ident
    name = change.name
    if change.kind == "inheritance":
        old, new = live.inherits.get(name, ()), spec.inherits.get(name, ())
        return ([f"ALTER TABLE {q(name)} NO INHERIT {q(p)}" for p in old if p not in new]
                + [f"ALTER TABLE {q(name)} INHERIT {q(p)}" for p in new if p not in old])
    if change.kind != "partition":
        return None
    before, after = live.partitions.get(name), spec.partitions.get(name)
    sql = []
    if before is not None:
        sql.append(f"ALTER TABLE {q(before[0])} DETACH PARTITION {q(name)}")
    if after is not None:
        sql.append(f"ALTER TABLE {q(after[0])} ATTACH PARTITION {q(name)} {after[1]}")
    return sql
