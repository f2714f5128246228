"""A normalised snapshot of one database's schema, read from pg_catalog, and a pure comparison.

Why our own and not only migra's: migra ignores COMMENTs, and autogenerate is blind to CHECK
expressions, enum values and index definitions under an unchanged name. Both sides of every
comparison are rendered by PostgreSQL itself (pg_get_constraintdef, pg_get_indexdef,
format_type), so expressions compare equal exactly when the server thinks they are the same,
with no parsing of SQL on our side.

Scope: every schema but PostgreSQL's own and extensions' (``catalog_schemas``: objects outside
public are keyed ``schema.name``), minus ``alembic_version``. NOT NULL constraints that
PostgreSQL 18 lists in pg_constraint are skipped (nullability is compared on columns), so
snapshots of one schema on 17 and 18 compare equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from generator.pg import (
    catalog_access,
    catalog_functions,
    catalog_partitions,
    catalog_schemas,
    catalog_sequences,
    catalog_types,
    catalog_views,
)
from generator.pg.catalog_domains import QUERIES as DOMAIN_QUERIES
from generator.pg.catalog_domains import Domain, compare_domains, generated_detail, read_domains
from generator.pg.catalog_schemas import MANAGED, qualified
from generator.pg.catalog_view_triggers import common_views

IGNORED_TABLES = {"alembic_version"}


@dataclass(frozen=True)
class Column:
    type: str
    not_null: bool
    default: str | None
    identity: str  # '' | 'a' (always) | 'd' (by default)
    comment: str | None
    generated: str = ""  # '' | 's' (stored) | 'v' (virtual): then ``default`` is its expression


@dataclass
class Snapshot:
    extensions: set[str] = field(default_factory=set)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    enum_comments: dict[str, str | None] = field(default_factory=dict)
    tables: dict[str, str | None] = field(default_factory=dict)  # name -> comment
    columns: dict[tuple[str, str], Column] = field(default_factory=dict)
    constraints: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # (table, name) -> (type, def)
    indexes: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (table, def without the name)
    triggers: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, name) -> def without the name
    functions: dict[str, str] = field(default_factory=dict)  # name(args) -> pg_get_functiondef (catalog_functions)
    function_comments: dict[str, str | None] = field(default_factory=dict)
    function_users: set[str] = field(default_factory=set)  # functions tables need (pg_depend; catalog_functions)
    trigger_states: dict[tuple[str, str], str] = field(default_factory=dict)  # origin | always | replica | disabled
    trigger_comments: dict[tuple[str, str], str | None] = field(default_factory=dict)
    sequences: dict[str, catalog_sequences.SequenceState] = field(default_factory=dict)  # not identity ones
    identities: dict[tuple[str, str], catalog_sequences.IdentityState] = field(default_factory=dict)  # (table, column)
    domains: dict[str, Domain] = field(default_factory=dict)  # generator.pg.catalog_domains
    user_types: dict[str, str] = field(default_factory=dict)  # composite/range name -> definition (catalog_types)
    user_type_comments: dict[str, str | None] = field(default_factory=dict)
    # generator.pg.catalog_partitions: partitioning, and the objects derived from a parent's
    partitions: dict[str, tuple[str, str]] = field(default_factory=dict)  # partition -> (parent, bound)
    partition_keys: dict[str, str] = field(default_factory=dict)  # partitioned table -> pg_get_partkeydef
    inherits: dict[str, tuple[str, ...]] = field(default_factory=dict)  # table -> parents (not partitions)
    derived_columns: set[tuple[str, str]] = field(default_factory=set)
    derived_constraints: set[tuple[str, str]] = field(default_factory=set)
    derived_indexes: dict[str, str] = field(default_factory=dict)  # index -> table
    views: dict[str, catalog_views.ViewState] = field(default_factory=dict)  # generator.pg.catalog_views
    access: catalog_access.AccessState = field(default_factory=catalog_access.AccessState)  # RLS, policies, grants
    schemas: dict[str, str | None] = field(default_factory=dict)  # name -> comment (catalog_schemas)

    def index_def(self, name: str) -> str | None:
        found = self.indexes.get(name)
        return found[1] if found else None


@dataclass(frozen=True, order=True)
class Change:
    """One difference between two snapshots: ``action`` turns ``source`` into ``target``."""

    kind: str  # extension | enum | table | column | constraint | index | trigger | function | comment
    name: str  # e.g. "jobs", "jobs.status", "ck_jobs_x", "enum job_status"
    action: str  # added | removed | changed
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.name}: {self.action}" + (f" ({self.detail})" if self.detail else "")


_QUERIES = {
    "extensions": "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'",
    "enums": f"""
        SELECT {qualified('t.typname')}, array_agg(e.enumlabel ORDER BY e.enumsortorder), obj_description(t.oid, 'pg_type')
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {MANAGED} GROUP BY t.oid, t.typname, n.nspname""",
    "tables": f"""
        SELECT {qualified('c.relname')}, obj_description(c.oid, 'pg_class')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {MANAGED} AND c.relkind IN ('r', 'p')""",
    "columns": f"""
        SELECT {qualified('c.relname')}, a.attname, format_type(a.atttypid, a.atttypmod)
               || CASE WHEN a.attcollation <> t.typcollation
                       THEN ' COLLATE ' || quote_ident((SELECT co.collname FROM pg_collation co WHERE co.oid = a.attcollation))
                       ELSE '' END, a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attidentity, col_description(c.oid, a.attnum), a.attgenerated
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE {MANAGED} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraints": f"""
        SELECT {qualified('c.relname')}, k.conname, k.contype, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {MANAGED} AND k.contype IN ('p', 'u', 'f', 'c', 'x')""",
    "indexes": f"""
        SELECT {qualified('c.relname')}, {qualified('i.relname')}, pg_get_indexdef(i.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {MANAGED}""",
    "triggers": catalog_functions.TRIGGERS_QUERY,
    "functions": catalog_functions.FUNCTIONS_QUERY,
    "sequences": catalog_sequences.QUERY,
    **DOMAIN_QUERIES,
    "user_types": catalog_types.QUERY,
    "partitioning": catalog_partitions.QUERY,
    "views": catalog_views.QUERY,
    **catalog_access.QUERIES,
    "schemas": catalog_schemas.QUERY,
}


def read_snapshot(conn: Any) -> Snapshot:
    """Read a snapshot through a SQLAlchemy Connection (read-only queries)."""
    with catalog_schemas.pinned_search_path(conn):  # renderings independent of the database's search_path
        rows = {key: conn.exec_driver_sql(sql).fetchall() for key, sql in _QUERIES.items()}
    return snapshot_from_rows(rows)


def snapshot_from_rows(rows: dict[str, list[tuple[Any, ...]]]) -> Snapshot:
    s = Snapshot()
    s.extensions = {r[0] for r in rows["extensions"]}
    for name, values, comment in rows["enums"]:
        s.enums[name] = tuple(values)
        s.enum_comments[name] = comment
    for name, comment in rows["tables"]:
        if name not in IGNORED_TABLES:
            s.tables[name] = comment
    for table, col, typ, notnull, default, identity, comment, *generated in rows["columns"]:
        if table not in IGNORED_TABLES:
            s.columns[(table, col)] = Column(typ, bool(notnull), default, identity or "", comment, "".join(generated))
    s.domains = read_domains(rows)
    for table, name, contype, definition in rows["constraints"]:
        if table not in IGNORED_TABLES:
            s.constraints[(table, name)] = (contype, normalize_bool_groups(definition))
    for table, name, definition in rows["indexes"]:
        if table not in IGNORED_TABLES:
            s.indexes[name] = (table, normalize_bool_groups(_strip_index_name(definition, name)))
    for table, name, definition, *_ in rows["triggers"]:
        s.triggers[(table, name)] = _strip_trigger_name(definition, name)
    catalog_functions.read_trigger_extras(s, rows["triggers"])
    catalog_functions.read_functions(s, rows["functions"])
    s.sequences, s.identities = catalog_sequences.read_rows(rows.get("sequences", []), IGNORED_TABLES)
    s.user_types, s.user_type_comments = catalog_types.read_rows(rows.get("user_types", []))
    catalog_partitions.apply(s, rows.get("partitioning", []))
    s.views = catalog_views.read_rows(rows.get("views", []))
    s.access = catalog_access.read_rows(rows)
    s.schemas = catalog_schemas.read_rows(rows.get("schemas", []))
    return s


def normalize_bool_groups(text: str) -> str:
    """Flatten nested AND (and OR) groups: ``(((a) AND (b)) AND (c))`` -> ``((a) AND (b) AND (c))``.

    PostgreSQL keeps the tree a CHECK or index predicate was parsed into, and prints it with
    every group parenthesised. ``x BETWEEN 1 AND 9 AND y`` is stored nested; the same text
    printed and parsed again (a dump and restore, or a downgrade that recreates the CHECK from
    pg_get_constraintdef) comes back flat. Both mean the same thing, so both compare equal.
    Quote-aware: nothing inside '...' or "..." is touched.
    """
    if " AND " not in text and " OR " not in text:
        return text  # nothing to flatten (most definitions): parsing would give the text back
    tree, _ = _parse_group(text, 0, top=True)
    return _render(tree, top=True)


def _parse_group(text: str, i: int, top: bool = False) -> tuple[list, int]:
    items: list = []
    buf = []
    while i < len(text):
        ch = text[i]
        if ch in "'\"":
            j = i + 1
            while j < len(text):
                if text[j] == ch:
                    if j + 1 < len(text) and text[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            buf.append(text[i : j + 1])
            i = j + 1
        elif ch == "(":
            if buf:
                items.append("".join(buf))
                buf = []
            sub, i = _parse_group(text, i + 1)
            items.append(sub)
        elif ch == ")" and not top:
            if buf:
                items.append("".join(buf))
            return items, i + 1
        else:
            buf.append(ch)
            i += 1
    if buf:
        items.append("".join(buf))
    return items, i


def _operands(group: list, op: str) -> list[list] | None:
    """Split a group at top-level ``op`` (" AND " / " OR "); None unless it is exactly such a chain."""
    parts: list[list] = [[]]
    for item in group:
        if isinstance(item, str):
            pieces = item.split(op)
            for k, piece in enumerate(pieces):
                if k:
                    parts.append([])
                if piece.strip():
                    parts[-1].append(piece)
        else:
            parts[-1].append(item)
    if len(parts) < 2 or any(len(p) != 1 or isinstance(p[0], str) for p in parts):
        return None
    return [p[0] for p in parts]


def _render(group: list, top: bool = False) -> str:
    for op in (" AND ", " OR "):
        operands = _operands(group, op)
        if operands is not None:
            flat: list[list] = []
            for operand in operands:
                inner = _operands(operand, op)
                flat.extend(inner if inner is not None else [operand])
            body = op.join("(" + _render(o) + ")" for o in flat)
            return body
    return "".join(item if isinstance(item, str) else "(" + _render(item) + ")" for item in group)


# A name as pg_get_indexdef and pg_get_triggerdef print it: bare, or double-quoted with any
# character inside ("Order Items idx", "a""b").
_PRINTED_NAME = r'(?:"(?:[^"]|"")*"|[^\s"]+)'


def _strip_index_name(definition: str, name: str) -> str:
    return re.sub(rf"^CREATE (UNIQUE )?INDEX {_PRINTED_NAME} ON ", r"CREATE \1INDEX ON ", definition, count=1)


def _strip_trigger_name(definition: str, name: str) -> str:
    return re.sub(rf"^CREATE (CONSTRAINT )?TRIGGER {_PRINTED_NAME} ", r"CREATE \1TRIGGER ", definition, count=1)


def compare(source: Snapshot, target: Snapshot) -> list[Change]:
    """What differs from ``source`` to ``target`` (what must change in source to match target)."""
    out: list[Change] = []
    out += catalog_schemas.compare(source.schemas, target.schemas, Change)
    _sets(out, "extension", source.extensions, target.extensions)
    out += [Change(*c) for c in compare_domains(source.domains, target.domains, show_value, same_check_definition)]
    for name in sorted(set(source.enums) | set(target.enums)):
        a, b = source.enums.get(name), target.enums.get(name)
        if a is None or b is None:
            out.append(Change("enum", name, "added" if a is None else "removed"))
            continue
        if a != b:
            out.append(Change("enum", name, "changed", _enum_detail(a, b)))
        if source.enum_comments.get(name) != target.enum_comments.get(name):
            out.append(Change("comment", f"type {name}", "changed"))
    catalog_types.compare_types(out, Change, source, target)
    for name in sorted(set(source.tables) | set(target.tables)):
        if name not in source.tables or name not in target.tables:
            out.append(Change("table", name, "added" if name not in source.tables else "removed"))
        elif source.tables[name] != target.tables[name]:
            out.append(Change("comment", f"table {name}", "changed"))
    common = set(source.tables) & set(target.tables)
    for key in sorted(set(source.columns) | set(target.columns)):
        if key[0] not in common:
            continue
        a, b = source.columns.get(key), target.columns.get(key)
        label = f"{key[0]}.{key[1]}"
        if a is None or b is None:
            out.append(Change("column", label, "added" if a is None else "removed"))
            continue
        details = [
            f"{what}: {show_value(x)} -> {show_value(y)}"
            for what, x, y in (
                ("type", a.type, b.type),
                ("not null", a.not_null, b.not_null),
                ("default", a.default if not a.generated else None, b.default if not b.generated else None),
                ("identity", _IDENTITY.get(a.identity, a.identity), _IDENTITY.get(b.identity, b.identity)),
                generated_detail(a, b) or ("generated", None, None),
            )
            if x != y
        ]
        if details:
            out.append(Change("column", label, "changed", "; ".join(details)))
        if a.comment != b.comment:
            out.append(Change("comment", f"column {label}", "changed"))
    _keyed(out, "constraint", source.constraints, target.constraints, common, lambda k: k[1], lambda v: v[1])
    _keyed(out, "index", source.indexes, target.indexes, common, lambda k: k, lambda v: v[1], table_of=lambda v: v[0])
    with_views = common | common_views(source, target)  # INSTEAD OF triggers on views both sides have
    _keyed(out, "trigger", source.triggers, target.triggers, with_views, lambda k: f"{k[0]}.{k[1]}", lambda v: v)
    catalog_functions.compare(out, Change, source, target, with_views)
    out += catalog_sequences.compare(source, target, common, Change)
    out.extend(Change(*c) for c in catalog_partitions.compare(out, source, target))
    out += catalog_views.compare(source, target, Change)
    out += catalog_access.compare(source, target, {k: (set(getattr(source, f)), set(getattr(target, f))) for k, f in (
        ("table", "tables"), ("view", "views"), ("sequence", "sequences"), ("function", "functions"))}
        | catalog_access.more_existing(source, target), Change)
    return out


_IDENTITY = {"a": "always", "d": "by default"}  # pg_attribute.attidentity


def show_value(value: object) -> str:
    """A catalog value as a person reads it in a diff: ``true``/``false``, ``none`` for no
    value (no default, not an identity), ``''`` for an empty string, else the text as is
    (a type, a default expression)."""
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _sets(out: list[Change], kind: str, a: set[str], b: set[str]) -> None:
    out.extend(Change(kind, n, "added") for n in sorted(b - a))
    out.extend(Change(kind, n, "removed") for n in sorted(a - b))


def _keyed(out, kind, a: dict, b: dict, common: set[str], label, definition, table_of=None) -> None:
    for key in sorted(set(a) | set(b)):
        table = (table_of(a.get(key) or b.get(key)) if table_of else key[0])
        if table not in common:
            continue  # belongs to a table that is added or removed as a whole
        x, y = a.get(key), b.get(key)
        if x is None or y is None:
            out.append(Change(kind, label(key), "added" if x is None else "removed", definition(x if y is None else y)))
        elif definition(x) != definition(y):
            out.append(Change(kind, label(key), "changed", f"{definition(x)} -> {definition(y)}"))


def _enum_detail(a: tuple[str, ...], b: tuple[str, ...]) -> str:
    added = [v for v in b if v not in a]
    removed = [v for v in a if v not in b]
    parts = []
    if added:
        parts.append("values added: " + ", ".join(added))
    if removed:
        parts.append("values removed: " + ", ".join(removed))
    if not parts:
        parts.append("values reordered")
    return "; ".join(parts)


def same_check_definition(a: str, b: str) -> bool:
    """Whether two CHECK definitions (as ``pg_get_constraintdef`` prints them) are the same
    condition: equal text, or equal parse trees (see ``generator.drift.engine._same_check_definitions``)."""
    if a == b:
        return True
    tree = _check_tree(a)
    return tree is not None and tree == _check_tree(b)


def _check_tree(definition: str) -> object:
    """The parse tree of a constraint definition without token locations (None if unparsable)."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        (stmt,) = parse_sql(f"ALTER TABLE t ADD {definition}")
    except (ParseError, ValueError):
        return None
    return _without_locations(stmt.stmt(skip_none=True))


def _without_locations(node: object) -> object:
    if isinstance(node, dict):
        return {k: _without_locations(v) for k, v in node.items() if k != "location"}
    if isinstance(node, (list, tuple)):
        return [_without_locations(v) for v in node]
    return node
