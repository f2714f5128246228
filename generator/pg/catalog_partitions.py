"""Partitions and inheritance in the catalog snapshot (generator.pg.catalog). Knows no spec.

A partition's indexes, keys and foreign keys are PostgreSQL's copies of its parent's (an index
attached to the parent's index, a constraint with ``conparentid``), and an inheriting table's
inherited columns and CHECKs are its parent's: they are one object with the parent's, so the
snapshot sets them aside (``derived_*``: the fix SQL must not touch them either) and compares
the partitioning itself: each partition's parent and bound (``pg_get_expr(relpartbound)``),
each partitioned table's key (``pg_get_partkeydef``) and each table's parents (``pg_inherits``).
"""

from __future__ import annotations

from typing import Any

# generator.pg.catalog imports this module: its Snapshot is Any here, and changes are
# returned as (kind, name, action, detail) for it to wrap
Snapshot = Any

# one row per fact: (what, table, name, detail)
QUERY = """
    SELECT 'partition', c.relname, p.relname, pg_get_expr(c.relpartbound, c.oid)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_inherits i ON i.inhrelid = c.oid JOIN pg_class p ON p.oid = i.inhparent
    WHERE n.nspname = 'public' AND c.relispartition AND c.relkind IN ('r', 'p')
    UNION ALL
    SELECT 'key', c.relname, '', pg_get_partkeydef(c.oid)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'p'
    UNION ALL
    SELECT 'inherits', c.relname, p.relname, i.inhseqno::text
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_inherits i ON i.inhrelid = c.oid JOIN pg_class p ON p.oid = i.inhparent
    WHERE n.nspname = 'public' AND NOT c.relispartition AND c.relkind IN ('r', 'p')
    UNION ALL
    SELECT 'column', c.relname, a.attname, ''
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      AND NOT a.attislocal
    UNION ALL
    SELECT 'constraint', c.relname, k.conname, ''
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND (k.conparentid <> 0 OR NOT k.conislocal)
    UNION ALL
    SELECT 'index', c.relname, i.relname, ''
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = x.indexrelid)
    ORDER BY 1, 2, 3"""


def apply(s: Snapshot, rows: list[tuple[Any, ...]]) -> None:
    """Record the partitioning facts and take the derived objects out of the compared ones."""
    parents: dict[str, list[tuple[int, str]]] = {}
    for what, table, name, detail in rows:
        if what == "partition":
            s.partitions[table] = (name, detail)
        elif what == "key":
            s.partition_keys[table] = detail
        elif what == "inherits":
            parents.setdefault(table, []).append((int(detail), name))
        elif what == "column":
            if s.columns.pop((table, name), None) is not None:
                s.derived_columns.add((table, name))
        elif what == "constraint":
            if s.constraints.pop((table, name), None) is not None:
                s.derived_constraints.add((table, name))
        elif what == "index":
            if s.indexes.pop(name, None) is not None:
                s.derived_indexes[name] = table
    s.inherits = {t: tuple(p for _n, p in sorted(ps)) for t, ps in parents.items()}


def compare(out: list[Any], source: Snapshot, target: Snapshot) -> list[tuple[str, str, str, str]]:
    """Take the changes of derived objects out of ``out``; the partitioning's own changes."""
    found: list[tuple[str, str, str, str]] = []
    # a table that is a partition (or inherits) on one side only: its columns, keys and
    # indexes there are the parent's; the DETACH/ATTACH (INHERIT) below is the change
    columns = {f"{t}.{c}" for t, c in source.derived_columns | target.derived_columns}
    moved = _moved(source, target)
    constraints = {n for t, n in source.derived_constraints | target.derived_constraints if t in moved}
    indexes = set(source.derived_indexes) | set(target.derived_indexes)
    out[:] = [c for c in out if not (
        (c.kind == "column" and c.name in columns)
        or (c.kind == "constraint" and c.name in constraints)
        or (c.kind == "index" and c.name in indexes)
    )]

    common = set(source.tables) & set(target.tables)
    for name in sorted(common):
        a, b = source.partitions.get(name), target.partitions.get(name)
        if a != b:
            found.append(("partition", name, "changed", f"{_show(a)} -> {_show(b)}"))
        ka, kb = source.partition_keys.get(name), target.partition_keys.get(name)
        if ka != kb:
            found.append(("table", name, "changed", f"partition by: {ka or 'none'} -> {kb or 'none'}"))
        ia, ib = source.inherits.get(name, ()), target.inherits.get(name, ())
        if ia != ib:
            found.append(("inheritance", name, "changed", f"inherits: {', '.join(ia) or 'none'} -> {', '.join(ib) or 'none'}"))
    return found


def _moved(source: Snapshot, target: Snapshot) -> set[str]:
    """Tables whose parent differs between the two sides."""
    names = set(source.partitions) | set(target.partitions) | set(source.inherits) | set(target.inherits)
    return {n for n in names if source.partitions.get(n) != target.partitions.get(n) or source.inherits.get(n) != target.inherits.get(n)}


def _show(p: tuple[str, str] | None) -> str:
    return "not a partition" if p is None else f"partition of {p[0]} {p[1]}"

