"""Partitioned and inherited tables for ``schemactl import`` (generator.adopt.writer).

A partitioned table is written with ``partition_by``, its partitions nested under it
(``partitions: {name: {bound, comment?, partition_by?, partitions?}}``, sub-partitions under
theirs); an inheriting table with ``inherits`` and only its own (``attislocal``) columns.
What PostgreSQL copies from a parent (a partition's indexes, keys, foreign keys and cloned
triggers, an inheriting table's inherited columns and CHECKs) is the parent's: it is set aside
before the table is written (``prepare``), as the catalog snapshot does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from generator.adopt.yamltext import Block

if TYPE_CHECKING:
    from generator.pg.introspect import Relation

_STRATEGY = {"RANGE": "range", "LIST": "list", "HASH": "hash"}


def prepare(relations: dict[str, Relation]) -> None:
    """Take what each relation has from its parents out of its own lists."""
    for r in relations.values():
        if not r.derived and not r.inherited_columns:
            continue
        r.columns = [c for c in r.columns if c.name not in r.inherited_columns]
        r.constraints = [k for k in r.constraints if ("constraint", k.name) not in r.derived]
        r.indexes = [ix for ix in r.indexes if ("index", ix.name) not in r.derived]
        r.triggers = [t for t in r.triggers if ("trigger", t) not in r.derived]


def partition_by(keydef: str | None) -> dict[str, list[str]] | None:
    """``RANGE (logdate)`` -> ``{range: [logdate]}``; None when the key has an operator class
    or collation (not in the spec)."""
    if not keydef:
        return None
    from pglast import parse_sql
    from pglast.stream import RawStream

    try:
        (stmt,) = parse_sql(f"CREATE TABLE t () PARTITION BY {keydef}")
    except Exception:  # noqa: BLE001 - anything unparsable is not expressible
        return None
    spec = stmt.stmt.partspec
    strategy = _STRATEGY.get(keydef.split(" ", 1)[0].upper())
    if spec is None or strategy is None:
        return None
    items = []
    for elem in spec.partParams:
        if elem.collation or elem.opclass:
            return None
        items.append(elem.name if elem.name is not None else RawStream()(elem.expr))
    return {strategy: items}


def table_problem(r: Relation, public: dict[str, Relation]) -> str:
    """Why a partitioned, partition or inheriting relation cannot be written, or ''."""
    if r.kind == "p" and partition_by(r.partition_key) is None:
        return f"partition key {r.partition_key}: operator classes and collations in a partition key are not in the spec"
    for parent in r.parents:
        schema, _, name = parent.partition(".")
        if schema != "public" or name not in public:
            return f"inherits {parent}, outside the spec's schema"
    if r.partition:
        local = [k.name for k in r.constraints] + [ix.name for ix in r.indexes] + r.triggers + r.policies + r.rules
        if local:
            return f"a partition's own constraints, indexes, triggers or policies ({', '.join(local)}) are not in the spec"
    elif r.parents and any(k.type == "p" and not set(k.columns) <= {c.name for c in r.columns} for k in r.constraints):
        return "a primary key on inherited columns is not in the spec (it keys an inheriting table on its own columns)"
    return ""


def add_partitioning(r: Relation, body: dict[str, Any]) -> None:
    if r.parents and not r.partition:
        body["inherits"] = [p.split(".", 1)[1] for p in r.parents]
    key = partition_by(r.partition_key)
    if key is not None:
        body["partition_by"] = key


def nest(tables: dict[str, dict[str, Any]], public: dict[str, Relation], plan: Any,
         problems: dict[str, str], excluded: set[str], Unsupported: Callable[..., Any],  # noqa: N803
         access: Any = None) -> None:
    """Write each partition under its parent (sub-partitions under theirs), in name order;
    ``plan`` is the writer's ImportPlan, ``Unsupported`` its class (no import cycle);
    ``access`` the database's AccessState: a partition's own grants are written with it."""

    entries: dict[str, dict[str, Any]] = {}
    children: dict[str, list[str]] = {}
    for r in sorted(public.values(), key=lambda r: r.name):
        if not (r.partition and r.bound and r.parents):
            continue
        parent = r.parents[0].split(".", 1)[1]
        problem = problems.get(r.name) or table_problem(r, public)
        if problem or parent in problems or parent in excluded:
            plan.skipped_relations.add(r.name)
            plan.skipped_relations.update(ix.name for ix in r.indexes)
            because = f"table public.{parent}" if parent in problems or parent in excluded else ""
            plan.unsupported.append(Unsupported("table", f"public.{r.name}", problem, because))
            problems.setdefault(r.name, problem or "its parent is not in the spec")
            continue
        entry: dict[str, Any] = {"bound": r.bound}
        if r.comment:
            entry["comment"] = r.comment
        key = partition_by(r.partition_key)
        if key is not None:
            entry["partition_by"] = key
        entries[r.name] = entry
        children.setdefault(parent, []).append(r.name)
        if access is not None:
            from generator.adopt.write_access import object_grants

            object_grants(access, "table", r.name, entry, plan.roles)
        elif r.acl:
            plan.skipped_grants.add(r.name)
            plan.unsupported.append(Unsupported("grant", f"TABLE public.{r.name}", "privileges are not in the spec"))
    # a part skipped on the parent (a serial column's default) is skipped on its partitions too
    queue = [t for t in tables if t in children]
    while queue:
        parent = queue.pop()
        parts = {part for table, part in plan.skipped_parts if table == parent}
        for name in children.get(parent, ()):
            plan.skipped_parts.update((name, part) for part in parts)
            if any(part.startswith("default ") for part in parts):
                plan.skipped_relations.add(name)  # pg_dump prints a partition's copied default in its CREATE TABLE
            queue.append(name)
    for parent, names in children.items():
        body = tables.get(parent) if parent in tables else entries.get(parent)
        if body is None:
            continue
        body["partitions"] = Block({n: Block(entries[n]) for n in names if n in entries})
