"""Objects the spec marks ``unmanaged:`` and the differences they explain. Pure.

``schemactl import --skip-unsupported`` writes one ``{kind, name}`` entry per object the spec
cannot express (docs/import.md); ``schemactl diff`` then sets aside the findings and the
engine's statements about those objects and their sub-objects (a skipped table's indexes,
constraints and triggers, a column's ``nextval`` default, ...) and lists the entries as
unchecked (docs/drift.md). The import's round trip (``generator.adopt.verify``) uses the same
matching, built from its plan's finer sets, and also for the entries of two ``pg_dump``s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: `schemactl diff` imports this before it knows it needs a catalog
    from generator.drift.spec_db import SpecDDL
    from generator.pg.catalog import Change, Snapshot
    from generator.spec.model import UnmanagedSpec as Entry

ROUTINE_KINDS = frozenset({"function", "procedure", "aggregate", "window function"})
TYPE_KINDS = frozenset({"type", "domain", "composite type", "range type", "multirange type", "base type",
                        "pseudo type", "enum"})
PART_KINDS = frozenset({"trigger", "policy", "rule", "constraint", "foreign key", "column default", "identity options",
                        "primary key options"})


def declared(spec_path: Path, spec: SpecDDL) -> tuple[Entry, ...]:
    """The ``unmanaged:`` entries of the spec at ``spec_path``. A spec whose bytes never say
    ``unmanaged`` has none, and is not loaded here (a diff of a cached spec database parses no
    YAML); otherwise the spec is loaded and validated (SpecError as for any command)."""
    from generator.errors import SchemactlError
    from generator.safe_files import read_bytes

    if spec.spec is not None:
        return spec.spec.unmanaged
    try:
        data = read_bytes(spec_path, str(spec_path))
    except SchemactlError:
        return ()  # loading it later says why
    return spec.the_spec().unmanaged if b"unmanaged" in data else ()


def set_aside(changes: list[Change], statements: list[str], allow: Allowance) -> tuple[list[Change], list[str]]:
    """The catalog ``changes`` and engine ``statements`` the allowance does not explain."""
    if allow.empty:
        return changes, statements
    kept = [c for c in changes if not allow.explains_change(c.kind, c.name, c.detail)]
    return kept, [s for s in statements if not allow.explains_statement(s)]


_KIND_WORDS = ("MATERIALIZED VIEW ", "FOREIGN TABLE ", "TABLE ", "COLUMN ", "INDEX ", "SEQUENCE ", "FUNCTION ",
               "PROCEDURE ", "AGGREGATE ", "TYPE ", "DOMAIN ", "VIEW ", "SCHEMA ", "EXTENSION ")
_ON = re.compile(r"^(?:CONSTRAINT|TRIGGER|POLICY|RULE) (.*) ON (.*)$")


@dataclass
class Allowance:
    """What the skipped and excluded objects explain, on each side of the comparison."""

    schemas: set[str] = field(default_factory=set)
    relations: set[str] = field(default_factory=set)  # public tables, views, sequences, indexes
    tables_whole: set[str] = field(default_factory=set)  # tables left out entirely
    parts: set[tuple[str, str]] = field(default_factory=set)
    routines: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    rls: set[str] = field(default_factory=set)
    grants: set[str] = field(default_factory=set)
    comments: set[str] = field(default_factory=set)
    default_acl: bool = False
    schemas_named: set[str] = field(default_factory=set)  # schemas of entries outside public (not compared by diff)

    @classmethod
    def of_entries(cls, entries: list[Entry] | tuple[Entry, ...]) -> Allowance:
        """What a spec's ``unmanaged:`` entries explain (kinds and names as import writes them)."""
        allow = cls()
        for e in entries:
            allow.add(e)
        return allow

    def add(self, e: Entry) -> None:
        kind, name = e.kind, e.name
        if kind == "default privileges":
            self.default_acl = True
            return
        if kind == "schema":
            self.schemas.add(name)
            return
        if kind == "comment":  # "INDEX public.ix", "CONSTRAINT k ON public.t"
            self.comments.add(name.replace("public.", "", 1) if name.startswith("INDEX ") else name.replace(" ON public.", " ON ", 1))
            return
        if kind == "grant":  # "TABLE public.t", "COLUMN public.t.c", "TYPE public.e"
            _word, _, target = name.partition(" ")
            if target.startswith("public."):
                self.grants.add(target[len("public."):].split(".", 1)[0])
            return
        if kind == "extension":
            self.relations.add(name)
            return
        schema, _, rest = name.partition(".")
        if schema != "public" or not rest:
            if schema and rest:
                self.schemas_named.add(schema)
            return  # other schemas are not compared by diff; the round trip has their schema entry
        if kind in ROUTINE_KINDS:
            self.routines.add(rest)
        elif kind in TYPE_KINDS:
            self.types.add(rest)
        elif kind == "table":
            self.relations.add(rest)
            self.tables_whole.add(rest)
        elif kind == "row level security":
            self.rls.add(rest)
        elif kind in PART_KINDS:  # "public.table.part"
            table, _, part = rest.partition(".")
            if kind == "column default":
                self.parts.add((table, f"default {part}"))
            elif kind == "identity options":
                self.parts.add((table, f"identity {part}"))
            else:
                self.parts.add((table, part))
                if kind in ("constraint", "primary key options"):
                    self.relations.add(part)  # a unique or exclusion constraint's index
        else:  # views, sequences, indexes, collations, operators, ...
            self.relations.add(rest)

    def with_snapshot(self, live: Snapshot, index_tables: dict[str, str] | None = None) -> Allowance:
        """Also the indexes and constraints of each whole table, and the indexes of each
        unmanaged view, as the live database has them (the spec names only the table or
        view). ``index_tables``: index -> table or view, beyond the snapshot's (which holds
        tables only)."""
        owners = {index: table for index, (table, _d) in live.indexes.items()} | (index_tables or {})
        for index, table in owners.items():
            if table in self.relations:
                self.relations.add(index)
        for table, constraint in live.constraints:
            if table in self.tables_whole:
                self.parts.add((table, constraint))
        return self

    @property
    def empty(self) -> bool:
        return not any((self.schemas, self.relations, self.parts, self.routines, self.types, self.rls, self.grants,
                        self.comments, self.default_acl))

    # ---- pg_dump entries
    def explains_entry(self, kind: str, schema: str, name: str) -> bool:
        if schema in self.schemas or (kind == "SCHEMA" and name in self.schemas):
            return True
        if schema not in ("-", "", "public") and kind != "SCHEMA" and self._explains_public(kind, name):
            return True
        # import folds another schema's objects into public's schema.name (generator.adopt.write_schemas):
        # pg_dump's "VIEW v" of schema billing is the skipped "billing.v"
        if schema not in ("-", "", "public") and kind != "SCHEMA":
            tag = name.replace('"', "")
            word = next((w for w in _KIND_WORDS if tag.startswith(w)), "") if kind in ("COMMENT", "ACL") else ""
            return self._explains_public(kind, f"{word}{schema}.{tag[len(word):]}")
        return self._explains_public(kind, name)

    def _explains_public(self, kind: str, name: str) -> bool:
        tag = name.replace('"', "")
        if kind == "DEFAULT ACL":
            return self.default_acl
        if kind == "COMMENT" and tag in self.comments:
            return True
        if kind in ("COMMENT", "ACL"):
            on = _ON.match(tag)
            if on:
                tag = f"{on.group(2)} {on.group(1)}"
                kind = "PART"
            else:
                for word in _KIND_WORDS:
                    if tag.startswith(word):
                        if word == "SCHEMA ":
                            return tag[len(word):] in self.schemas
                        tag = tag[len(word):]
                        break
                if kind == "ACL" and tag.split(".", 1)[0] in self.grants | self.types:
                    return True
                if kind == "ACL" and tag.split("(", 1)[0] in {r.split("(", 1)[0] for r in self.routines}:
                    return True
        if tag in self.relations or tag in self.types or tag in self.routines:
            return True
        if kind in ("FUNCTION", "PROCEDURE", "AGGREGATE", "COMMENT") and "(" in tag and self._routine_named(tag):
            return True
        table, _, rest = tag.partition(" ")
        if not rest:
            table, _, rest = tag.partition(".")
        if table in self.tables_whole or (rest and table in self.relations):  # a view's column comment, trigger
            return True
        if kind == "CHECK CONSTRAINT" and table in self.types:  # a skipped domain's NOT VALID check
            return True
        if kind == "ROW SECURITY":
            return tag in self.rls
        if kind == "DEFAULT":
            return (table, f"default {rest}") in self.parts
        return bool(rest) and ((table, rest) in self.parts or (table, f"comment {rest}") in self.parts)

    def _routine_named(self, tag: str) -> bool:
        """pg_dump tags a routine by its argument types (``f(integer)``); the skipped set holds
        pg_get_function_identity_arguments, with argument names (``f(n integer)``). Matched by
        name: import skips every overload of a name it skips (overloaded names are refused)."""
        return tag.split("(", 1)[0] in {r.split("(", 1)[0] for r in self.routines}

    # ---- the drift engine's findings
    def explains_change(self, kind: str, name: str, detail: str) -> bool:
        if kind in ("grant", "row level security", "default privileges", "policy") or name.startswith("policy "):
            return self._explains_access(kind, name)  # generator.pg.catalog_access
        base = name.split(" ", 1)[1] if kind == "comment" and " " in name else name
        if base in self.schemas or base.partition(".")[0] in self.schemas:  # a skipped schema, or in one
            return True
        if kind == "function" and self._type_function(name.split("(", 1)[0]):
            return True
        table, _, rest = base.partition(".")
        if base in self.relations or base in self.routines or base in self.types or table in self.tables_whole:
            return True
        if kind in ("trigger", "comment") and rest and table in self.relations:  # on a skipped view
            return True
        if kind == "domain check" and table in self.types:  # "domain.check" of an unmanaged domain
            return True
        if kind == "column" and (table, f"default {rest}") in self.parts and detail.startswith("default:"):
            return True
        if kind == "trigger" and (table, rest) in self.parts:
            return True
        if kind == "identity" and (table, f"identity {rest}") in self.parts:
            return True
        return kind == "constraint" and any(part == name for _t, part in self.parts)

    def _explains_access(self, kind: str, name: str) -> bool:
        if kind == "default privileges":
            return self.default_acl
        if kind == "row level security":
            return name in self.rls or name in self.tables_whole
        if kind in ("policy", "comment"):  # "jobs.p", "policy jobs.p"
            table, _, policy = name.removeprefix("policy ").partition(".")
            return (table, policy) in self.parts or table in self.tables_whole
        obj = name.split(" ", 1)[1]  # "table jobs", "function f(integer)"
        return obj in self.grants | self.relations or obj.split("(", 1)[0] in self.grants | {
            r.split("(", 1)[0] for r in self.routines}

    def _type_function(self, function: str) -> bool:
        """A range type's constructors (``floatrange``, ``floatmultirange``), made with it."""
        return any(function in (t, t.replace("range", "multirange"), f"{t}_multirange") for t in self.types)

    def explains_statement(self, sql: str) -> bool:
        quoted = {_q(n) for n in self.relations | self.types}
        if any(f'"public".{q}' in sql for q in quoted):
            return True
        # another schema's object that import folded into public's schema.name (billing.totals)
        if any(f"{_q(n.partition('.')[0])}.{_q(n.partition('.')[2])}" in sql
               for n in self.relations | self.types | {r.split("(", 1)[0] for r in self.routines} if "." in n):
            return True
        if any(f'"{s}"' in sql for s in self.schemas):
            return True
        if any(f'"public"."{r.split("(", 1)[0]}"(' in sql for r in self.routines):
            return True
        for table, part in self.parts:
            target = f'"public".{_q(table)}'
            if target not in sql:
                continue
            if part.startswith("default "):
                if _q(part[len("default "):]) in sql and "default" in sql.lower():
                    return True
            elif _q(part) in sql:
                return True
        return any(f'"public".{_q(t)}' in sql and "row level security" in sql.lower() for t in self.rls)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


