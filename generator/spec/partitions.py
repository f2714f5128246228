"""Partitioned and inherited tables in the spec: ``partition_by``, nested ``partitions``
(each a table named by its key, with a ``bound`` as ``pg_get_expr(relpartbound)`` prints it,
an optional ``comment`` and its own ``partition_by``/``partitions`` for sub-partitions), and
``inherits: [parents]`` (docs/spec.md, "Partitions and inheritance").

Values only (no SQLAlchemy): the model, the SQL text of a key and of a partition's
``CREATE TABLE ... PARTITION OF``, and the semantic checks. Every key expression and bound
goes through ``generator.spec.sql_fragments`` (one expression / exactly one partition bound).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.spec import naming
from generator.spec.source import Path

if TYPE_CHECKING:
    from generator.errors import Problem
    from generator.spec.source import Source

# generator.spec.model imports this module: its Spec and TableSpec are Any here
Spec = TableSpec = Any

STRATEGIES = ("range", "list", "hash")
_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*\Z")


@dataclass(frozen=True)
class PartitionBy:
    """``partition_by: {range|list|hash: [items]}``; an item is a column name or an expression."""

    strategy: str
    items: tuple[str, ...]
    path: Path = ()


@dataclass(frozen=True)
class PartitionSpec:
    name: str
    parent: str  # the table (or partition) it is a partition of
    bound: str  # "FOR VALUES ..." or "DEFAULT"
    comment: str = ""
    partition_by: PartitionBy | None = None
    partitions: tuple[PartitionSpec, ...] = ()
    path: Path = ()


def build_partition_by(body: Any, path: Path) -> PartitionBy | None:
    if not isinstance(body, dict) or len(body) != 1:
        return None
    ((strategy, items),) = body.items()
    if strategy not in STRATEGIES or not isinstance(items, list):
        return None
    return PartitionBy(strategy, tuple(str(i) for i in items), path + ("partition_by",))


def build_partitions(parent: str, body: Any, path: Path) -> tuple[PartitionSpec, ...]:
    """The ``partitions:`` mapping under ``path`` (a table's or a partition's)."""
    if not isinstance(body, dict):
        return ()
    out = []
    for name, item in body.items():
        if not isinstance(item, dict):
            continue
        here = path + ("partitions", name)
        out.append(PartitionSpec(
            name, parent, str(item.get("bound", "")), str(item.get("comment", "") or ""),
            build_partition_by(item.get("partition_by"), here),
            build_partitions(name, item.get("partitions"), here), here,
        ))
    return tuple(out)


def walk(partitions: tuple[PartitionSpec, ...]) -> Iterator[PartitionSpec]:
    """Every partition, depth first, each before its own partitions."""
    for p in partitions:
        yield p
        yield from walk(p.partitions)


def is_column_item(item: str, columns: Any) -> bool:
    return item in columns


def key_sql(pb: PartitionBy, columns: Any) -> str:
    """``RANGE (logdate)``, ``LIST ((lower(region)))``: the text after PARTITION BY."""
    items = [naming.quote_ident(i) if is_column_item(i, columns) else f"({i})" for i in pb.items]
    return f"{pb.strategy.upper()} ({', '.join(items)})"


def create_partition_sql(p: PartitionSpec, columns: Any) -> str:
    q = naming.quote_ident
    sql = f"CREATE TABLE {q(p.name)} PARTITION OF {q(p.parent)} {p.bound}"
    if p.partition_by is not None:
        sql += f" PARTITION BY {key_sql(p.partition_by, columns)}"
    return sql


def partition_ddl(table: TableSpec) -> list[str]:
    """CREATE TABLE ... PARTITION OF (and COMMENT ON TABLE) for a table's partitions, in order."""
    from generator.spec.types import quote_literal

    out = []
    for p in walk(table.partitions):
        out.append(create_partition_sql(p, table.columns))
        if p.comment:
            out.append(f"COMMENT ON TABLE {naming.quote_ident(p.name)} IS {quote_literal(p.comment)}")
    return out


# ------------------------------------------------------------------ checks


def check(spec: Spec, source: Source) -> Iterator[Problem]:
    from generator.spec.sql_fragments import FragmentProblem, check_fragment, check_partition_bound

    names: dict[str, Path] = {}
    for table in spec.tables.values():
        keys: list[PartitionBy] = []
        if table.partition_by is not None:
            keys.append(table.partition_by)
        elif table.partitions:
            yield source.problem(table.path + ("partitions",), f"table {table.name}: partitions need a partition_by on the table", key=True)
        for p in walk(table.partitions):
            if p.partition_by is not None:
                keys.append(p.partition_by)
            if p.partitions and p.partition_by is None:
                yield source.problem(p.path + ("partitions",), f"partition {p.name}: sub-partitions need a partition_by on {p.name}", key=True)
            if p.name in spec.tables:
                yield source.problem(p.path, f"partition {p.name} of {table.name}: a table has the same name", key=True)
            elif p.name in names:
                yield source.problem(p.path, f"partition {p.name}: the name is used twice", key=True)
            names[p.name] = p.path
            if naming.too_long(p.name):
                yield source.problem(p.path, f"partition {p.name}: the name is over 63 bytes", key=True)
            strategy = _strategy_of(table, p)
            try:
                check_partition_bound(p.bound, strategy)
            except FragmentProblem as exc:
                yield source.problem(p.path + ("bound",), f"partition {p.name}: {exc}")
        expressions = False
        for pb in keys:
            if pb.strategy == "list" and len(pb.items) != 1:
                yield source.problem(pb.path, f"table {table.name}: list partitioning takes exactly one column or expression")
            for i, item in enumerate(pb.items):
                if is_column_item(item, table.columns):
                    continue
                if _BARE.match(item):
                    yield source.problem(pb.path + (pb.strategy, i), f"table {table.name}: partition key column {item!r} does not exist")
                    continue
                expressions = True
                try:
                    check_fragment(item, "partition")
                except FragmentProblem as exc:
                    yield source.problem(pb.path + (pb.strategy, i), f"table {table.name}: {exc}")
        if keys:
            yield from _keys_include_partition_columns(table, keys, expressions, source)
        yield from _inherits(spec, table, source)


def _strategy_of(table: TableSpec, p: PartitionSpec) -> str | None:
    if p.parent == table.name:
        return table.partition_by.strategy if table.partition_by else None
    for q in walk(table.partitions):
        if q.name == p.parent:
            return q.partition_by.strategy if q.partition_by else None
    return None


def _keys_include_partition_columns(table: TableSpec, keys: list[PartitionBy], expressions: bool, source: Source) -> Iterator[Problem]:
    """PostgreSQL's rule: a unique or primary key on a partitioned table includes every
    partition key column (of every level), and there is none when a key is an expression."""
    needed = [c for pb in keys for c in pb.items if is_column_item(c, table.columns)]
    pk_path = table.path + ("primary_key",)
    if "primary_key" not in source.data["tables"][table.name]:
        pk_path = next((c.path + ("primary_key",) for c in table.columns.values() if c.primary_key), table.path)
    elif isinstance(source.data["tables"][table.name].get("primary_key"), dict):
        pk_path += ("columns",)
    sets = [("primary key", table.primary_key, pk_path)] if table.primary_key else []
    sets += [(f"unique {u.name}", u.columns, u.path) for u in table.uniques]
    for what, columns, path in sets:
        if expressions:
            yield source.problem(path, f"table {table.name}: a {what} is not possible on a table partitioned by an "
                                 "expression (PostgreSQL's rule); partition by columns instead")
            continue
        missing = [c for c in dict.fromkeys(needed) if c not in columns]
        if missing:
            yield source.problem(path, f"table {table.name}: the {what} must include the partition key "
                                 f"column{'s' if len(missing) > 1 else ''} {', '.join(missing)} (PostgreSQL's rule for "
                                 "partitioned tables); add them to it")


def _inherits(spec: Spec, table: TableSpec, source: Source) -> Iterator[Problem]:
    for i, parent in enumerate(table.inherits):
        path = table.path + ("inherits", i)
        target = spec.tables.get(parent)
        if target is None:
            yield source.problem(path, f"table {table.name}: inherits {parent!r}, which is not a table of the spec")
            continue
        if parent == table.name or table.name in ancestors(spec, parent):
            yield source.problem(path, f"table {table.name}: inherits {parent!r}, which makes a cycle")
            continue
        if target.partition_by is not None or table.partition_by is not None:
            yield source.problem(path, f"table {table.name}: inheritance and partitioning do not mix (PostgreSQL's rule)")
        for name, col in table.columns.items():
            if name in inherited_columns(spec, table):
                yield source.problem(col.path, f"table {table.name}: column {name!r} is inherited from {parent}; "
                                     "list only the table's own columns", key=True)
    if table.inherits:
        own = set(table.columns)
        for name in table.primary_key:
            if name not in own and name in inherited_columns(spec, table):
                yield source.problem(table.path + ("primary_key",), f"table {table.name}: primary key column {name!r} is "
                                     "inherited; the spec keys an inheriting table on its own columns")


def ancestors(spec: Spec, name: str, seen: frozenset[str] = frozenset()) -> set[str]:
    table = spec.tables.get(name)
    if table is None or name in seen:
        return set()
    out: set[str] = set()
    for parent in table.inherits:
        out.add(parent)
        out |= ancestors(spec, parent, seen | {name})
    return out


def inherited_columns(spec: Spec, table: TableSpec) -> dict[str, str]:
    """column -> the ancestor it comes from."""
    out: dict[str, str] = {}
    for parent in table.inherits:
        target = spec.tables.get(parent)
        if target is None or parent == table.name:
            continue
        for c in target.columns:
            out.setdefault(c, parent)
        if table.name not in ancestors(spec, parent):
            for c, origin in inherited_columns(spec, target).items():
                out.setdefault(c, origin)
    return out
