"""What ``schemactl diff`` reports: the per-object changes and the SQL that fixes them. Pure.

Input: the catalog's changes (``generator.pg.catalog.compare(live, spec)``), the engine's
statements (migra's, turning the live database into the spec), and both snapshots.
Output: a ``DiffReport``. Nothing here touches a database or prints.

Direction: everything describes what must happen to the **live database** to match the
spec. ``action`` is what the fixing SQL does: ``added`` (the spec has it, the database
lacks it), ``removed`` (the database has it, the spec does not), ``changed``; ``detail``
reads ``database value -> spec value``.

The per-object summary is the catalog's, with two clean-ups:
- an index that only backs a PRIMARY KEY / UNIQUE / EXCLUDE constraint of the same name is
  reported once, as the constraint;
- engine statements no catalog change explains (objects the catalog does not snapshot:
  a disabled trigger, UNLOGGED,
  ...) become changes of their own, named from the statement, so nothing the engine finds
  is silent.

The SQL is the engine's, corrected by ``generator.drift.fix_sql`` where it is known to be wrong
or missing (enum values, NULLS NOT DISTINCT, comments, changes the engine does not see);
``generator.drift.assemble.build_report`` puts the two together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: a diff answered by the fingerprint shortcut needs no catalog
    from generator.pg.catalog import Change, Snapshot

FORMAT_VERSION = 1

# What neither the engine (as schemactl runs it) nor the catalog compares. Shown by
# `schemactl diff --help` and docs/drift.md; keep the three in step (tests check it).
UNCHECKED = (
    "object ownership (the owner's own privileges are not managed either), roles' attributes and memberships",
    "privileges (GRANT/REVOKE, default privileges) when the spec names no role and grants nothing (a spec that manages no access leaves them alone)",
    "in schemas other than public, row-level security and policies, partitioning and inheritance are compared by migra only (tables, sequences, enums, domains, types, views, functions, triggers and the schemas themselves are compared)",
    "storage parameters of tables (fillfactor, autovacuum_*), tablespaces, column STORAGE and compression",
    "column statistics targets, extended statistics (CREATE STATISTICS), replica identity",
    "sequences' current values (last_value: data, not schema; their options and identity options are compared)",
    "extension versions (ignored on purpose: the dev server may be another major version) and the schema an extension lives in",
    "comments on anything but tables, columns, enum types, views, functions and triggers (indexes, constraints)",
    "column order, database- and role-level settings (ALTER DATABASE/ROLE ... SET), publications, event triggers",
    "data: seeds, enum values in use, rows that a changed CHECK would now reject",
)


@dataclass(frozen=True)
class Statement:
    """One statement of the fixing script."""

    sql: str
    destructive: bool = False
    origin: str = "migra"  # "migra" | "schemactl"
    note: str = ""  # why schemactl wrote or replaced it

    def as_dict(self) -> dict[str, Any]:
        return {
            "sql": terminated(self.sql),
            "destructive": self.destructive,
            "origin": self.origin,
            "note": self.note,
        }


@dataclass
class DiffReport:
    """Live database vs spec. ``status`` is "in_sync" or "drift"."""

    changes: list[Change] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    missing_sql: list[str] = field(default_factory=list)  # changes no statement fixes
    database: str = ""  # masked URLs
    dev_database: str = ""
    server_versions: dict[str, str] = field(default_factory=dict)  # "database"/"dev" -> "17.6"
    engine: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    spec_cache: str = ""  # "hit" (cached spec database used), "built" (and cached), "off" (scratch)
    # session settings the script needs before its statements (not statements of the fix:
    # never counted); only ``SET check_function_bodies = off`` when the script creates a function
    preamble: list[str] = field(default_factory=list)
    # committed revisions the database has not applied (None: no alembic_version table);
    # set by the caller, which knows the migrations (the drift layer does not)
    pending_revisions: int | None = None
    # the spec's ``unmanaged:`` entries (generator.drift.unmanaged): their differences were set
    # aside, not compared; listed so the reader knows what this diff leaves unchecked
    unmanaged: list[Any] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not self.changes and not self.statements

    @property
    def status(self) -> str:
        return "in_sync" if self.in_sync else "drift"

    @property
    def destructive(self) -> bool:
        return any(s.destructive for s in self.statements)

    @property
    def complete(self) -> bool:
        """True when applying ``statements`` brings the database to the spec (as far as known)."""
        return not self.missing_sql

    def sql_script(self, header: bool = True) -> str:
        """The statements as one psql-runnable script; destructive ones preceded by a comment."""
        lines: list[str] = []
        if header and self.statements:
            lines += [
                f"-- schemactl diff: SQL that brings {self.database or 'the database'} to the spec",
                f"-- {plural(len(self.statements), 'statement')}, {sum(s.destructive for s in self.statements)} destructive. "
                "Review before running; run in autocommit mode (psql -f, no --single-transaction):",
                "-- a value added with ALTER TYPE ... ADD VALUE cannot be used in the same transaction.",
                "",
            ]
        if self.statements:
            lines += [terminated(sql) for sql in self.preamble]
        note = ""
        for s in self.statements:
            if s.note and s.note != note:
                lines.append(f"-- {s.note}")
            note = s.note
            if s.destructive:
                lines.append("-- DESTRUCTIVE")
            lines.append(terminated(s.sql))
        for missing in self.missing_sql:
            lines.append(f"-- schemactl cannot write SQL for: {missing}")
        return "\n".join(lines) + ("\n" if lines else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "status": self.status,
            "database": self.database,
            "dev_database": self.dev_database,
            "server_versions": self.server_versions,
            "engine": self.engine,
            "changes": [
                {"kind": c.kind, "name": c.name, "action": c.action, "detail": c.detail}
                for c in self.changes
            ],
            "statements": [s.as_dict() for s in self.statements],
            "destructive": self.destructive,
            "complete": self.complete,
            "missing_sql": list(self.missing_sql),
            "unchecked": list(UNCHECKED),
            "timings": self.timings,
            "spec_cache": self.spec_cache,
            "preamble": [terminated(sql) for sql in self.preamble],
            "pending_revisions": self.pending_revisions,
            "unmanaged": [u.as_dict() for u in self.unmanaged],
        }


def plural(count: int, noun: str) -> str:
    """``1 statement``, ``3 statements``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def terminated(sql: str) -> str:
    sql = sql.strip()
    return sql if sql.endswith(";") else sql + ";"


# ------------------------------------------------------------------ the per-object summary


def fold_changes(changes: list[Change], live: Snapshot, spec: Snapshot) -> list[Change]:
    """Drop index changes that only mirror a constraint change of the same name."""
    constraint_names = {
        name
        for snap in (live, spec)
        for (_t, name), (contype, _d) in snap.constraints.items()
        if contype in "pux"
    }
    changed_constraints = {c.name for c in changes if c.kind == "constraint"}
    return [
        c for c in changes
        if not (c.kind == "index" and c.name in constraint_names and c.name in changed_constraints)
    ]


_NAME = r'(?:"(?:[^"]|"")+"|[\w$]+)(?:\.(?:"(?:[^"]|"")+"|[\w$]+))*'
_OBJECT = re.compile(
    rf"""^\s*(?P<verb>create|drop|alter)\s+(?:or\s+replace\s+)?(?:unique\s+)?
        (?P<kind>table|view|materialized\s+view|sequence|index|type|extension|function|procedure|
                 trigger|policy|schema|domain|collation|aggregate)\s+
        (?:concurrently\s+)?(?:if\s+(?:not\s+)?exists\s+)?(?P<name>{_NAME})""",
    re.IGNORECASE | re.VERBOSE,
)
_ALTER_TABLE = re.compile(
    rf"^\s*alter\s+table\s+(?:only\s+)?(?P<table>{_NAME})\s+(?P<rest>.*)", re.IGNORECASE | re.DOTALL
)
_COLUMN = re.compile(
    r'^(?P<verb>add|drop|alter)\s+column\s+(?:if\s+(?:not\s+)?exists\s+)?(?P<name>"(?:[^"]|"")+"|\w+)',
    re.IGNORECASE,
)
_CONSTRAINT = re.compile(
    r'^(?P<verb>add|drop|validate)\s+constraint\s+(?:if\s+exists\s+)?(?P<name>"(?:[^"]|"")+"|\w+)',
    re.IGNORECASE,
)
_ON_TABLE = re.compile(rf"\bon\s+(?:only\s+)?(?P<table>{_NAME})", re.IGNORECASE)
_SESSION = re.compile(r"^\s*(set|reset)\s", re.IGNORECASE)
_VERB_ACTION = {
    "create": "added",
    "add": "added",
    "drop": "removed",
    "alter": "changed",
    "validate": "changed",
}


def _bare(name: str) -> str:
    """public.users / "public"."users" -> users; "x" -> x; f() -> f."""
    parts = re.findall(r'"((?:[^"]|"")+)"|([^."]+)', name)
    names = [(a or b).replace('""', '"') for a, b in parts]
    if len(names) >= 2 and names[-2] != "public":  # another schema's object: the catalog's schema.name
        return f"{names[-2]}.{names[-1].split('(')[0]}"
    return names[-1].split("(")[0] if names else name


def split_label(label: str, *keyed: Any) -> tuple[str, str]:
    """(table, name) of a ``table.name`` label of a column or trigger, matched against the
    (table, name) keys of ``keyed`` (a table or column name may itself hold a dot), else split
    at the first dot."""
    for keys in keyed:
        for key in keys:
            if len(key) == 2 and f"{key[0]}.{key[1]}" == label:
                return key[0], key[1]
    table, _, name = label.partition(".")
    return table, name


@dataclass(frozen=True)
class Described:
    """The object one DDL statement touches."""

    kind: str  # table, column, constraint, index, type, trigger, function, view, sequence, ...
    name: str  # bare name; "table.column" for columns, "table.name" for triggers and policies
    action: str  # added | removed | changed
    table: str | None = None  # the table the object belongs to, when known


def describe_statement(sql: str, index_tables: dict[str, str] | None = None) -> Described | None:
    """What a DDL statement touches, or None for session settings (``SET ...``).
    ``index_tables`` (index name -> table) names the table of a DROP INDEX."""
    text = sql.strip()
    if _SESSION.match(text):
        return None
    if m := _ALTER_TABLE.match(text):
        table, rest = _bare(m["table"]), m["rest"].strip()
        if c := _COLUMN.match(rest):
            return Described(
                "column", f"{table}.{_bare(c['name'])}", _VERB_ACTION[c["verb"].lower()], table
            )
        if c := _CONSTRAINT.match(rest):
            return Described("constraint", _bare(c["name"]), _VERB_ACTION[c["verb"].lower()], table)
        return Described("table", table, "changed", table)
    if m := _OBJECT.match(text):
        kind, name = " ".join(m["kind"].lower().split()), _bare(m["name"])
        on = _ON_TABLE.search(text[m.end() :]) if kind in ("trigger", "policy", "index") else None
        table = _bare(on["table"]) if on else (name if kind == "table" else None)
        if kind == "index" and table is None and index_tables:
            table = index_tables.get(name)
        elif kind == "index" and table and "." in table and "." not in name:  # an index lives in its table's schema
            name = f"{table.partition('.')[0]}.{name}"
        if kind in ("trigger", "policy") and table:
            name = f"{table}.{name}"
        return Described(kind, name, _VERB_ACTION[m["verb"].lower()], table)
    return None


_SAME_KIND = {"type": "enum", "procedure": "function", "aggregate": "function"}


def explains(change: Change, d: Described) -> bool:
    """Does a statement touching ``d`` (at least partly) fix ``change``?"""
    if change.kind == "table" and d.table == change.name:
        return True  # a created or dropped table brings its columns, indexes, constraints
    if change.kind == "constraint" and d.kind == "index" and change.name == d.name:
        return True  # the index behind a PRIMARY KEY / UNIQUE constraint
    if change.kind == "type" and d.kind == "type":
        return change.name == d.name  # a composite or range type (generator.drift.fix_types)
    kind = _SAME_KIND.get(d.kind, d.kind)
    if change.kind != kind:
        return False
    if change.kind == "function":
        return _bare(change.name) == d.name
    if change.kind in ("enum", "extension", "index", "constraint"):
        return change.name == d.name  # the catalog's names are bare already (and may hold '"' or '.')
    return change.name == d.name


def explained(sql: str, changes: list[Change], index_tables: dict[str, str] | None = None) -> bool:
    d = describe_statement(sql, index_tables)
    return d is None or any(explains(c, d) for c in changes)


def index_tables(*snapshots: Snapshot) -> dict[str, str]:
    """index name -> table, for statements like DROP INDEX that do not name the table."""
    return {name: table for snap in snapshots for name, (table, _d) in snap.indexes.items()}


def engine_only_changes(
    statements: list[str], changes: list[Change], tables: dict[str, str] | None = None
) -> list[Change]:
    """Changes for engine statements that no catalog change explains, one per object."""
    from generator.pg.catalog import Change

    actions: dict[tuple[str, str], set[str]] = {}
    first: dict[tuple[str, str], str] = {}
    for sql in statements:
        d = describe_statement(sql, tables)
        if d is None or any(explains(c, d) for c in changes):
            continue
        key = (_SAME_KIND.get(d.kind, d.kind), d.name)
        actions.setdefault(key, set()).add(d.action)
        first.setdefault(key, " ".join(sql.split())[:160])
    return [
        Change(
            kind,
            name,
            next(iter(acts)) if len(acts) == 1 else "changed",
            f"seen by migra only: {first[(kind, name)]}",
        )
        for (kind, name), acts in actions.items()
    ]


# ------------------------------------------------------------------ destructive statements

_DESTRUCTIVE = re.compile(
    r"""^\s*(drop\s+(table|view|materialized\s+view|sequence|index|type|extension|function|procedure|
                    trigger|policy|schema|domain|collation|aggregate)\b
          |alter\s+table\s+.*\bdrop\s+(column|constraint)\b
          |alter\s+table\s+.*\balter\s+column\s+\S+\s+(set\s+data\s+)?type\b
          |alter\s+type\s+.*\brename\s+to\b)""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)


def is_destructive(sql: str) -> bool:
    """Removes an object, or changes a column's type (a rewrite that can lose data).

    migra calls every statement containing DROP unsafe; dropping a default or a NOT NULL
    loses nothing, so schemactl does not mark those."""
    return bool(_DESTRUCTIVE.match(sql))


_CREATES_ROUTINE = re.compile(r"^\s*create\s+(or\s+replace\s+)?(function|procedure)\b", re.IGNORECASE)


def split_session(statements: list[str]) -> tuple[list[str], list[str]]:
    """migra's statements without its session settings (``set check_function_bodies = off``),
    and the settings to keep as the script's preamble: only when a function or procedure is
    created (its body may name objects the script creates later). A setting is never a
    statement of the fix, so it is never counted."""
    session = [sql for sql in statements if _SESSION.match(sql)]
    kept = [sql for sql in statements if not _SESSION.match(sql)]
    if not any(_CREATES_ROUTINE.match(sql) for sql in kept):
        session = []
    return kept, [sql.strip().rstrip(";").strip() for sql in session]
