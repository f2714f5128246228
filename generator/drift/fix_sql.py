"""The fixing SQL of ``schemactl diff``: migra's statements, corrected where they are wrong. Pure.

migra 3.0 is right for most drift (see docs/drift.md for the measurements); where it is
not, schemactl writes the statement itself from the two catalog snapshots, whose
definitions PostgreSQL rendered (pg_get_constraintdef, pg_get_indexdef, format_type):

1. Enum values. migra recreates the type (rename, create, cast every column, drop) for any
   change of values: a table rewrite for a value the spec added, and a script that fails
   when a CHECK, a partial index or a default compares the column with a literal. Values
   only added: ``ALTER TYPE ... ADD VALUE ... BEFORE/AFTER``, in the spec's order. Values
   removed or reordered: a recreation that also drops and restores the defaults, CHECK
   constraints and indexes that mention the type, and the type's comment (destructive: it
   rewrites the tables and fails while a row still holds a removed value).
2. ``ADD CONSTRAINT ... USING INDEX x`` where index x does not exist at that point of the
   script (migra drops a UNIQUE constraint whose NULLS NOT DISTINCT changed, index and all,
   then re-adds it on the index it just lost): ``ADD CONSTRAINT x <definition>`` instead.
3. Comments: migra ignores them. ``COMMENT ON TABLE/COLUMN/TYPE`` for every table, column
   and enum whose comment differs or that the script creates.
4. Names: a constraint or index the database has under another name than the spec, with the
   same definition, is renamed (``RENAME CONSTRAINT``, ``ALTER INDEX ... RENAME TO``), not
   dropped and re-created (migra's way, which fails when a foreign key depends on the key).
5. A catalog change that no statement touches (e.g. an index's storage parameters, which
   migra does not compare): DROP and re-create the index, constraint or trigger from the
   spec's definition; extensions and column type/nullability/default likewise. Anything
   else is reported as having no SQL (``DiffReport.missing_sql``).
6. A CHECK or foreign key the spec keeps NOT VALID: migra adds it ``NOT VALID not valid`` and
   validates it; it is added from the spec's definition instead, never validated
   (``generator.drift.fix_not_valid``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from generator.drift import fix_functions, fix_schemas
from generator.drift.fix_access import fix_access
from generator.drift.fix_domains import (
    DOMAIN_KINDS,
    domain_statements,
    fix_generated,
    place_domains,
)
from generator.drift.fix_functions import create_trigger
from generator.drift.fix_not_valid import keep_not_valid
from generator.drift.fix_sequences import fix_sequences, identity_sql
from generator.drift.fix_types import fix_types
from generator.drift.fix_views import fix_views
from generator.drift.report import (
    Statement,
    describe_statement,
    explained,
    explains,
    index_tables,
    is_destructive,
    split_label,
)
from generator.pg import function_replace
from generator.pg.catalog import Change, Snapshot
from generator.spec import naming
from generator.spec.types import quote_literal

SCHEMA = "public"
OLD_SUFFIX = "__schemactl_old"


def ident(name: str) -> str:
    return naming.quote_ident(name)


def qualified(name: str) -> str:
    return fix_schemas.qualified(name)  # "billing"."invoices" for a snapshot's billing.invoices


def literal(text: str | None) -> str:
    """A SQL literal (``E'...'`` when it holds a backslash: the printed fix reads the same in
    any session, whatever standard_conforming_strings says)."""
    return "NULL" if text is None else quote_literal(text)


def correct(
    engine: list[str], changes: list[Change], live: Snapshot, spec: Snapshot
) -> tuple[list[Statement], list[str]]:
    """The final statements, and the changes no statement fixes (as text)."""
    with fix_schemas.known_schemas(live, spec):
        return _correct(engine, changes, live, spec)


def _correct(
    engine: list[str], changes: list[Change], live: Snapshot, spec: Snapshot
) -> tuple[list[Statement], list[str]]:
    out = [Statement(sql, is_destructive(sql)) for sql in engine]
    recreated = set()
    for change in changes:
        if change.kind == "enum" and change.action == "changed":
            out, recreate = _fix_enum(out, change.name, changes, live, spec)
            if recreate:
                recreated.add(change.name)
    out = _fix_using_index(out, live, spec)
    out = keep_not_valid(out, spec)  # generator.drift.fix_not_valid
    out, renamed = _renames(out, live, spec)
    changes = [c for c in changes if (c.kind, c.name) not in renamed]
    out = fix_sequences(out, changes, live, spec)
    out = fix_generated(out, changes, live, spec)
    first, last, domain_missing = domain_statements(changes, live, spec)
    out, changes = fix_types(out, changes, live, spec)
    out, changes, view_drops, view_creates = fix_views(out, changes, live, spec)
    out, changes, access_first, access_last = fix_access(  # generator.drift.fix_access
        out, changes, live, spec, view_drops, function_replace.rebuilt(changes, live, spec))
    fallback, missing = _uncovered(out, changes, live, spec)
    out = place_domains(_with_extensions_first(out + fallback), first, last)
    out, rebuild_missing = fix_functions.rebuild(out, changes, live, spec)  # DROP + CREATE where OR REPLACE cannot
    missing += rebuild_missing
    out = access_first + view_drops + out + view_creates  # generator.drift.fix_views: around every other change
    out = fix_functions.functions_first(out, spec)  # functions a table needs, before the tables
    out += comment_statements(live, spec, recreated)
    out += [Statement(s, False, "schemactl", "migra ignores comments") for s in fix_schemas.comment_statements(live, spec)]
    out += fix_functions.after(out, live, spec)  # comments and enabled states of functions and triggers
    out += access_last  # RLS, policies, grants, default privileges: once every object exists
    return out, missing + domain_missing


# ------------------------------------------------------------------ 1. enum values


def _is_subsequence(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    it = iter(b)
    return all(v in it for v in a)


def enum_add_values(name: str, live: tuple[str, ...], spec: tuple[str, ...]) -> list[str]:
    """ALTER TYPE ... ADD VALUE for each value of ``spec`` missing in ``live``, placed as in the spec."""
    present = list(live)
    out = []
    for i, value in enumerate(spec):
        if value in present:
            continue
        before = [v for v in spec[:i] if v in present]
        if before:
            out.append(f"ALTER TYPE {qualified(name)} ADD VALUE {literal(value)} AFTER {literal(before[-1])}")
            present.insert(present.index(before[-1]) + 1, value)
        else:
            after = next((v for v in spec[i + 1:] if v in present), None)
            position = f" BEFORE {literal(after)}" if after else ""
            out.append(f"ALTER TYPE {qualified(name)} ADD VALUE {literal(value)}{position}")
            present.insert(0, value)
    return out


def _type_matches(column_type: str, enum: str) -> str | None:
    """'' for a column of the enum, '[]' for an array of it, None otherwise."""
    for shown in (enum, ident(enum), f"{SCHEMA}.{enum}", f"{SCHEMA}.{ident(enum)}"):
        if column_type == shown:
            return ""
        if column_type == shown + "[]":
            return "[]"
    return None


def _mentions_type(definition: str, enum: str) -> bool:
    return bool(re.search(rf'::(?:{SCHEMA}\.)?"?{re.escape(enum)}"?\b', definition))


def _fix_enum(out: list[Statement], name: str, changes: list[Change], live: Snapshot,
              spec: Snapshot) -> tuple[list[Statement], bool]:
    """Replace migra's statements for enum ``name``; True when the type is recreated."""
    a, b = live.enums.get(name, ()), spec.enums.get(name, ())
    columns = {key: arr for key, col in live.columns.items() if (arr := _type_matches(col.type, name)) is not None}
    default_changed = {
        split_label(c.name, columns) for c in changes if c.kind == "column" and "default:" in c.detail
    }

    schema, bare = fix_schemas.split(name)

    def ours(s: Statement) -> bool:  # migra's statements for recreating this type
        sql = s.sql.lower()
        if re.search(rf'\btype\s+"?{re.escape(schema)}"?\."?{re.escape(bare.lower())}"?\b', sql) or f"{bare.lower()}__old_version" in sql:
            return True
        d = describe_statement(s.sql)
        return bool(
            d and d.kind == "column" and split_label(d.name, columns) in columns
            and re.search(r"\b(set|drop)\s+default\b", sql)
        )

    if set(a) <= set(b) and _is_subsequence(a, b):
        block = [Statement(sql, False, "schemactl", "migra would recreate the type and rewrite its tables")
                 for sql in enum_add_values(name, a, b)]
        for table, column in sorted(columns):  # defaults migra changed along with the type
            if (table, column) in default_changed:
                block.append(Statement(_set_default(table, column, spec), False, "schemactl"))
        return _replace(out, ours, block), False
    return _replace(out, ours, enum_recreate(name, b, columns, live, spec, changes)), True


def _set_default(table: str, column: str, spec: Snapshot) -> str:
    col = spec.columns.get((table, column))
    if col is None or col.default is None:
        return f"ALTER TABLE {qualified(table)} ALTER COLUMN {ident(column)} DROP DEFAULT"
    return f"ALTER TABLE {qualified(table)} ALTER COLUMN {ident(column)} SET DEFAULT {col.default}"


def enum_recreate(name: str, values: tuple[str, ...], columns: dict[tuple[str, str], str], live: Snapshot,
                  spec: Snapshot, changes: list[Change]) -> list[Statement]:
    """Recreate enum ``name`` with ``values``: the type, its columns, and what mentions it."""
    changed = {c.name for c in changes if c.kind in ("constraint", "index")}
    tables = {t for t, _ in columns}
    checks = sorted(
        (t, n) for (t, n), (kind, d) in live.constraints.items()
        if t in tables and kind == "c" and _mentions_type(d, name) and n not in changed
    )
    indexes = sorted(
        n for n, (t, d) in live.indexes.items()
        if _mentions_type(d, name) and n not in changed and not any(k[1] == n for k in live.constraints)
    )
    old = ident(fix_schemas.split(name)[1] + OLD_SUFFIX)  # RENAME TO keeps the schema
    sql: list[str] = []
    sql += [f"ALTER TABLE {qualified(t)} DROP CONSTRAINT {ident(n)}" for t, n in checks]
    sql += [f"DROP INDEX {qualified(n)}" for n in indexes]
    sql += [f"ALTER TABLE {qualified(t)} ALTER COLUMN {ident(c)} DROP DEFAULT"
            for (t, c) in sorted(columns) if live.columns[(t, c)].default is not None]
    sql.append(f"ALTER TYPE {qualified(name)} RENAME TO {old}")
    sql.append(f"CREATE TYPE {qualified(name)} AS ENUM ({', '.join(literal(v) for v in values)})")
    for (t, c), arr in sorted(columns.items()):
        target = qualified(name) + arr
        sql.append(f"ALTER TABLE {qualified(t)} ALTER COLUMN {ident(c)} TYPE {target} USING {ident(c)}::text{arr}::{target}")
    sql += [_set_default(t, c, spec) for (t, c) in sorted(columns)
            if (t, c) in spec.columns and spec.columns[(t, c)].default is not None]
    sql.append(f"DROP TYPE {qualified(name + OLD_SUFFIX)}")
    sql += [f"ALTER TABLE {qualified(t)} ADD CONSTRAINT {ident(n)} {spec.constraints[(t, n)][1]}"
            for t, n in checks if (t, n) in spec.constraints]
    sql += [create_index(n, spec.indexes[n][1]) for n in indexes if n in spec.indexes]
    if spec.enum_comments.get(name) is not None:
        sql.append(f"COMMENT ON TYPE {qualified(name)} IS {literal(spec.enum_comments[name])}")
    note = "values removed or reordered: the type is recreated (rewrites its tables; fails while rows use a removed value)"
    return [Statement(s, is_destructive(s), "schemactl", note) for s in sql]


def _replace(out: list[Statement], drop: Callable[[Statement], bool], block: list[Statement]) -> list[Statement]:
    """Remove the statements ``drop`` selects and put ``block`` where the first one was
    (else after the leading CREATE EXTENSIONs)."""
    positions = [i for i, s in enumerate(out) if s.origin == "migra" and drop(s)]
    kept = [s for i, s in enumerate(out) if i not in positions]
    at = positions[0] if positions else _after_extensions(kept)
    return kept[:at] + block + kept[at:]


def _after_extensions(out: list[Statement]) -> int:
    i = 0
    while i < len(out) and re.match(r"\s*create\s+extension\b", out[i].sql, re.IGNORECASE):
        i += 1
    return i


def _with_extensions_first(out: list[Statement]) -> list[Statement]:
    schemas = [s for s in out if re.match(r"\s*create\s+schema\b", s.sql, re.IGNORECASE)]  # first: all else may live in one
    creates = [s for s in out if re.match(r"\s*create\s+extension\b", s.sql, re.IGNORECASE)]
    return schemas + creates + [s for s in out if s not in creates and s not in schemas]


# ------------------------------------------------------------------ 2. USING INDEX on a lost index

_USING_INDEX = re.compile(
    r'^\s*alter\s+table\s+(?P<table>(?:"(?:[^"]|"")+"|[^\s"]+)(?:\.(?:"(?:[^"]|"")+"|[^\s".]+))*)\s+add\s+constraint\s+'
    r'(?P<name>"(?:[^"]|"")+"|[^"\s]+)\s+.*\busing\s+index\s+(?P<index>"(?:[^"]|"")+"|[^"\s;]+)',
    re.IGNORECASE | re.DOTALL,
)


def _fix_using_index(out: list[Statement], live: Snapshot, spec: Snapshot) -> list[Statement]:
    indexes = set(live.indexes)
    result = []
    for s in out:
        d = describe_statement(s.sql)
        m = _USING_INDEX.match(s.sql)
        name, index = (_unquote(m["name"]), _unquote(m["index"])) if m else ("", "")
        if m and d and d.table and fix_schemas.split(d.table)[0] != fix_schemas.PUBLIC:
            index = f"{fix_schemas.split(d.table)[0]}.{index}"  # the snapshot's name of an index outside public
        if m and index not in indexes and d and d.table and (d.table, name) in spec.constraints:
            definition = spec.constraints[(d.table, name)][1]
            s = Statement(
                f"ALTER TABLE {qualified(d.table)} ADD CONSTRAINT {ident(name)} {definition}", False, "schemactl",
                f"migra re-adds it USING INDEX {index}, which its script dropped and never re-creates",
            )
        elif d and d.kind == "index":
            (indexes.add if d.action == "added" else indexes.discard)(d.name)
        elif d and d.kind == "constraint" and d.action == "removed" and d.table:
            kind = live.constraints.get((d.table, d.name), ("", ""))[0]
            if kind in ("p", "u", "x"):
                indexes.discard(d.name)  # the constraint's index goes with it
        elif d and d.kind == "constraint" and d.action == "added" and not m:
            indexes.add(d.name)
        result.append(s)
    return result


def _unquote(name: str) -> str:
    """A name as a statement prints it (``"a""b"`` or ``ab``) -> the name (``a"b``)."""
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name


# ------------------------------------------------------------------ 4. names


def _renames(out: list[Statement], live: Snapshot, spec: Snapshot) -> tuple[list[Statement], set[tuple[str, str]]]:
    """Replace migra's drop-and-add of a constraint or index that only changed its name by a
    rename; the (kind, name) of the changes the renames fix."""
    block: list[str] = []
    fixed: set[tuple[str, str]] = set()
    constraint_names = {n for (_t, n) in live.constraints} | {n for (_t, n) in spec.constraints}
    for table in sorted(set(live.tables) & set(spec.tables)):
        have = {n: d for (t, n), d in live.constraints.items() if t == table and (t, n) not in spec.constraints}
        want = {n: d for (t, n), d in spec.constraints.items() if t == table and (t, n) not in live.constraints}
        for old, definition in sorted(have.items()):
            new = next((n for n, d in sorted(want.items()) if d == definition), None)
            if new is not None:
                del want[new]
                block.append(f"ALTER TABLE {qualified(table)} RENAME CONSTRAINT {ident(old)} TO {ident(new)}")
                fixed |= {("constraint", old), ("constraint", new), ("index", old), ("index", new)}
    have_ix = {n: v for n, v in live.indexes.items() if n not in spec.indexes and n not in constraint_names}
    want_ix = {n: v for n, v in spec.indexes.items() if n not in live.indexes and n not in constraint_names}
    for old, definition in sorted(have_ix.items()):
        new = next((n for n, d in sorted(want_ix.items()) if d == definition), None)
        if new is not None:
            del want_ix[new]
            block.append(f"ALTER INDEX {qualified(old)} RENAME TO {ident(new)}")
            fixed |= {("index", old), ("index", new)}
    if not block:
        return out, fixed
    names = {name for _kind, name in fixed}

    def renamed(s: Statement) -> bool:
        d = describe_statement(s.sql)
        return bool(d and d.kind in ("constraint", "index") and d.name in names)

    note = "only the name differs: renamed, not dropped and re-created"
    return _replace(out, renamed, [Statement(sql, False, "schemactl", note) for sql in block]), fixed


# ------------------------------------------------------------------ 3. comments


def comment_statements(live: Snapshot, spec: Snapshot, recreated: set[str] | frozenset[str] = frozenset()) -> list[Statement]:
    """COMMENT ON for every enum, table and column whose comment in the database (or its
    absence, for objects the script creates) differs from the spec. Enums in ``recreated``
    carry their comment in the recreation block."""
    out: list[str] = []
    for name in sorted(spec.enums):
        comment = spec.enum_comments.get(name)
        if name in recreated:
            continue
        if (live.enum_comments.get(name) if name in live.enums else None) != comment:
            out.append(f"COMMENT ON TYPE {qualified(name)} IS {literal(comment)}")
    for table in sorted(spec.tables):
        comment = spec.tables[table]
        if live.tables.get(table) != comment:
            out.append(f"COMMENT ON TABLE {qualified(table)} IS {literal(comment)}")
    for (table, column), col in sorted(spec.columns.items()):
        existing = live.columns.get((table, column))
        if (existing.comment if existing else None) != col.comment:
            out.append(f"COMMENT ON COLUMN {qualified(table)}.{ident(column)} IS {literal(col.comment)}")
    return [Statement(sql, False, "schemactl", "") for sql in out]


# ------------------------------------------------------------------ 4. changes no statement touches


def create_index(name: str, definition: str) -> str:
    """The snapshot keeps index definitions without their name; put it back."""
    bare = fix_schemas.split(name)[1]  # an index is created in its table's schema
    return re.sub(r"^CREATE (UNIQUE )?INDEX ON ", lambda m: f"CREATE {m.group(1) or ''}INDEX {ident(bare)} ON ", definition, count=1)


def _uncovered(out: list[Statement], changes: list[Change], live: Snapshot, spec: Snapshot) -> tuple[list[Statement], list[str]]:
    tables = index_tables(live, spec)
    # A statement describe_statement cannot name (migra's ``select 1; -- CREATE INDEX ...``
    # left where an exclusion constraint's index was, a COMMENT ON ...) counts as fixing any
    # change, as explained() has it; but an identity's options are set by identity_sql alone:
    # such a statement in the script left a created table's identity options unset.
    # a COMMENT ON fixes only a comment (fix_types' COMMENT ON TYPE explained an aggregate away)
    statements = [s.sql for s in out if not re.match(r"\s*comment\s+on\b", s.sql, re.IGNORECASE)]
    named = [d for sql in statements if (d := describe_statement(sql, tables)) is not None]
    fallback: list[Statement] = []
    missing: list[str] = []
    for change in changes:
        if change.kind in ("comment", "enum", *DOMAIN_KINDS):
            continue
        if change.kind == "identity" and any(explains(change, d) for d in named):
            continue
        if change.kind != "identity" and any(explained(sql, [change], tables) for sql in statements):
            continue
        if (change.detail or "").startswith("comment:") and any(  # a sequence's comment: its COMMENT ON fixes it
                explained(s.sql, [change], tables) for s in out if re.match(r"\s*comment\s+on\b", s.sql, re.IGNORECASE)):
            continue
        sql = fallback_sql(change, live, spec)
        if sql is None:
            missing.append(str(change))
        else:
            note = "migra emits nothing for this difference"
            fallback += [Statement(s, is_destructive(s), "schemactl", note) for s in sql]
    return fallback, missing


def fallback_sql(change: Change, live: Snapshot, spec: Snapshot) -> list[str] | None:
    """SQL for one change, from the spec's definitions; None when schemactl cannot write it."""
    kind, name, action = change.kind, change.name, change.action
    if kind in ("partition", "inheritance"):
        from generator.drift.partition_sql import fallback_sql as partition_fallback

        return partition_fallback(change, live, spec)
    if kind == "extension":
        return [f"CREATE EXTENSION IF NOT EXISTS {ident(name)}"] if action == "added" else [f"DROP EXTENSION {ident(name)}"]
    if kind == "index":
        sql = [f"DROP INDEX {qualified(name)}"] if action != "added" else []
        if action != "removed":
            sql.append(create_index(name, spec.indexes[name][1]).replace(" ON ONLY ", " ON ", 1))  # cascades to partitions
        return sql
    if kind == "constraint":
        table = next((t for (t, n) in (spec.constraints if action != "removed" else live.constraints) if n == name), None)
        if table is None:
            return None
        sql = [f"ALTER TABLE {qualified(table)} DROP CONSTRAINT {ident(name)}"] if action != "added" else []
        if action != "removed":
            sql.append(f"ALTER TABLE {qualified(table)} ADD CONSTRAINT {ident(name)} {spec.constraints[(table, name)][1]}")
        return sql
    if kind == "trigger":
        table, trigger = split_label(name, live.triggers, spec.triggers)
        sql = [f"DROP TRIGGER {ident(trigger)} ON {qualified(table)}"] if action != "added" else []
        if action != "removed":
            sql.append(create_trigger(trigger, spec.triggers[(table, trigger)]))
        return sql
    if kind == "function":
        return fix_functions.function_sql(change, live, spec)
    if kind == "identity":
        return identity_sql(change, live, spec, split_label(name, live.columns, spec.columns))
    if kind == "column" and action == "changed":
        table, column = split_label(name, live.columns, spec.columns)
        a, b = live.columns[(table, column)], spec.columns[(table, column)]
        if a.identity != b.identity:
            return None
        target = f"ALTER TABLE {qualified(table)} ALTER COLUMN {ident(column)}"
        sql = []
        if a.type != b.type:
            sql.append(f"{target} TYPE {b.type} USING {ident(column)}::{b.type}")
        if a.default != b.default:
            sql.append(f"{target} DROP DEFAULT" if b.default is None else f"{target} SET DEFAULT {b.default}")
        if a.not_null != b.not_null:
            sql.append(f"{target} {'SET' if b.not_null else 'DROP'} NOT NULL")
        return sql
    return None
