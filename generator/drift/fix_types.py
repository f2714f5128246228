"""Fixing SQL for composite and range types and column collations (issue 16). Pure.

migra 3.0 creates a composite type after the tables that use it, drops attribute collations,
knows no range types, and creates a table without its columns' collations. So schemactl
writes these statements itself from the two catalog snapshots
(``generator.pg.catalog_types``): CREATE TYPE before the tables (after enums), ALTER TYPE
ADD/DROP/ALTER ATTRIBUTE for a composite type in use, DROP TYPE after the tables, and ALTER
COLUMN ... TYPE ... COLLATE after a created table whose columns have a collation.
"""

from __future__ import annotations

import re

from generator import qualnames
from generator.drift.report import Statement
from generator.pg.catalog import Change, Snapshot
from generator.schema.types_sql import alter_composite, create_type, literal

SCHEMA = "public"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qualified(name: str) -> str:
    return qualnames.sql(name)  # "public"."t", "billing"."t" (generator.qualnames)


def _uses(snapshot: Snapshot, name: str) -> bool:
    schema, bare = qualnames.split(name)
    shown = {name, _q(name), f"{schema}.{bare}", f"{_q(schema)}.{_q(bare)}", f"{schema}.{_q(bare)}"}
    if schema == SCHEMA:
        shown |= {f"{SCHEMA}.{name}", f"{SCHEMA}.{_q(name)}"}
    for col in snapshot.columns.values():
        base = col.type.split(" COLLATE ")[0].rstrip("[]")
        if base in shown:
            return True
    return any(name in d for n, d in snapshot.user_types.items() if n != name)


def _migra_type_statement(sql: str, names: set[str]) -> bool:
    m = re.match(r'\s*(create|drop|alter)\s+type\s+(?:"?([^"\s(.]+)"?\.)?"?([^"\s(]+)"?', sql, re.IGNORECASE)
    if not m:
        return False
    schema = m.group(2) or SCHEMA  # the snapshot names a type outside public schema.name
    return (m.group(3) if schema == SCHEMA else f"{schema}.{m.group(3)}") in names


def fix_types(out: list[Statement], changes: list[Change], live: Snapshot, spec: Snapshot) -> tuple[list[Statement], list[Change]]:
    """``out`` with migra's statements about composite types replaced by schemactl's, and the
    changes that still need a statement (the type changes this fixes taken out)."""
    names = set(live.user_types) | set(spec.user_types)
    type_changes = [c for c in changes if c.kind == "type" and c.name in names]
    added_tables = {c.name for c in changes if c.kind == "table" and c.action == "added"}
    comments = [
        f"COMMENT ON TYPE {_qualified(name)} IS {literal(spec.user_type_comments.get(name))}"
        for name in sorted(spec.user_types)
        if (live.user_type_comments.get(name) if name in live.user_types else None) != spec.user_type_comments.get(name)
    ]
    if not type_changes and not comments and not any(" COLLATE " in col.type for (t, _), col in spec.columns.items() if t in added_tables):
        return out, changes
    kept = [s for s in out if not (s.origin == "migra" and _migra_type_statement(s.sql, names))]
    early: list[str] = []
    late: list[str] = []
    left: list[Change] = []
    for change in type_changes:
        a, b = live.user_types.get(change.name), spec.user_types.get(change.name)
        if a is None and b is not None:
            early.append(create_type(change.name, b))
        elif b is None:
            late.append(f"DROP TYPE {_qualified(change.name)}")
        elif a is not None:
            used = _uses(live, change.name)
            sql = alter_composite(change.name, a, b, used) if a.startswith("composite") and b.startswith("composite") else None
            if sql is None and not used:
                sql = [f"DROP TYPE {_qualified(change.name)}", create_type(change.name, b)]
            if sql is None:
                left.append(change)
            else:
                early += sql
    for (table, column), col in sorted(spec.columns.items()):
        if table in added_tables and " COLLATE " in col.type:
            late.insert(0, f"ALTER TABLE {_qualified(table)} ALTER COLUMN {_q(column)} TYPE {col.type}")
    late += comments
    at = _after_enums(kept)
    note = "migra creates composite types after their tables and knows no range types or collations"
    block = [Statement(s, s.upper().startswith("DROP"), "schemactl", note) for s in early]
    tail = [Statement(s, s.upper().startswith("DROP"), "schemactl", note) for s in late]
    fixed = {(c.kind, c.name) for c in type_changes if c not in left}
    return kept[:at] + block + kept[at:] + tail, [c for c in changes if (c.kind, c.name) not in fixed]


def _after_enums(out: list[Statement]) -> int:
    at = 0
    for i, s in enumerate(out):
        if re.match(r"\s*create\s+(schema|extension|type\s+\S+\s+as\s+enum)\b", s.sql, re.IGNORECASE):
            at = i + 1
    return at



