"""A database's facts (``generator.pg.introspect``) as a spec, and what the spec cannot express.

``plan_import(db)`` decides, object by object, whether the spec can say it (docs/spec.md and
the adoption syntax of issue 15: ``settings: {naming: verbatim}``, ``name:`` everywhere,
``foreign_keys:``, dict primary keys) and returns the spec as ordered data plus every object it
cannot say (``Unsupported``: kind, qualified name, why). Nothing is dropped silently: the CLI
refuses (exit 1) when ``unsupported`` is not empty, unless ``--skip-unsupported``.

A column the spec cannot express (a type outside its vocabulary, a domain the spec cannot
write, a collation) makes its whole table unsupported, and with it every foreign key that
points at that table (listed as depending on it). Objects of other kinds (a trigger, a
policy, an index with an expression, a serial column's sequence and default) are skipped one
by one, their table kept.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

from generator.adopt import (
    stable_boolean,
    write_access,
    write_functions,
    write_partitions,
    write_sequences,
    write_views,
)
from generator.adopt.write_domains import Words, generated, plan_domains
from generator.adopt.write_index_forms import check_entry, exclusion_entry, index_entry, key_options
from generator.adopt.write_schemas import fold, schemas_block
from generator.adopt.write_types import type_body, type_by_name
from generator.adopt.yamltext import Block, emit
from generator.pg.introspect import Column, Constraint, Database, Relation
from generator.spec import naming

# typname -> the spec's type word (docs/spec.md, Columns)
_SIMPLE = {
    "int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real",
    "float8": "double precision", "text": "text", "bool": "boolean", "uuid": "uuid",
    "jsonb": "jsonb", "json": "json", "date": "date", "bytea": "bytea", "inet": "inet",
    "cidr": "cidr", "macaddr": "macaddr",
}
_UNSIZED = {"time": "time", "timestamptz": "timestamptz", "timestamp": "timestamp", "interval": "interval"}
_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
_MATCH = {"s": "simple", "f": "full", "p": "partial"}
_RELKIND = {"v": "view", "m": "materialized view", "f": "foreign table", "S": "sequence"}
_PROKIND = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}
_TYPEKIND = {"d": "domain", "c": "composite type", "r": "range type", "m": "multirange type", "b": "base type", "p": "pseudo type"}
_NEXTVAL = re.compile(r"^nextval\('((?:[^']|'')+)'::regclass\)$")
SAFE_DEFAULT_CALLS = {"now()", "gen_random_uuid()", "clock_timestamp()", "statement_timestamp()",
                      "transaction_timestamp()", "CURRENT_TIMESTAMP", "CURRENT_DATE"}


@dataclass(frozen=True, order=True)
class Unsupported:
    """One object the spec cannot express: ``kind`` and ``name`` as the user knows them."""

    kind: str  # "view", "function", "trigger", "table", ...
    name: str  # qualified: "public.orders", "public.orders.trg", "public.f(integer)"
    reason: str = ""
    because_of: str = ""  # "kind name" of the object it depends on, when that is why

    def line(self) -> str:
        why = [self.reason] if self.reason else []
        if self.because_of:
            why.append(f"depends on {self.because_of}")
        return f"{self.kind} {self.name}" + (f": {'; '.join(why)}" if why else "")


@dataclass
class ImportPlan:
    spec: Block
    unsupported: list[Unsupported] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # qualified tables left out by --exclude
    unread_schemas: list[str] = field(default_factory=list)  # not named by --schema
    tables: list[str] = field(default_factory=list)  # the tables written, in spec order
    # what the round trip must not hold against the spec (generator.adopt.verify)
    skipped_schemas: set[str] = field(default_factory=set)
    skipped_relations: set[str] = field(default_factory=set)  # public relation names (tables, views, sequences, indexes)
    skipped_parts: set[tuple[str, str]] = field(default_factory=set)  # (table, sub-object): constraints, triggers, policies, defaults
    skipped_routines: set[str] = field(default_factory=set)  # "name(args)"
    functions: dict[str, Any] = field(default_factory=dict)  # generator.adopt.write_functions: written ones
    routines_written: set[str] = field(default_factory=set)  # "public.name(identity args)" of functions and aggregates written
    triggers: dict[tuple[str, str], Any] = field(default_factory=dict)  # (table, name) -> TriggerInfo
    guards: set[str] = field(default_factory=set)
    append_only: set[str] = field(default_factory=set)  # tables whose guard is append_only: true's
    hash_chains: dict[str, dict[str, Any]] = field(default_factory=dict)  # table -> hash_chain: (its guard is the spec's)
    skipped_types: set[str] = field(default_factory=set)
    skipped_rls: set[str] = field(default_factory=set)
    skipped_grants: set[str] = field(default_factory=set)
    skipped_comments: set[str] = field(default_factory=set)  # pg_dump's COMMENT tags, unquoted: "INDEX ix"
    skipped_default_acl: bool = False
    roles: set[str] = field(default_factory=set)  # the roles written entries name (generator.adopt.write_access)

    def text(self, header: list[str] | None = None) -> str:
        lines = [f"# {h}" if h else "#" for h in (header or [])]
        return ("\n".join(lines) + "\n" if lines else "") + emit(self.spec)

    @property
    def clean(self) -> bool:
        return not self.unsupported and not self.excluded and not self.unread_schemas


def qualified(schema: str, name: str) -> str:
    return f"{schema}.{name}"


def plan_import(db: Database, *, exclude: tuple[str, ...] = ()) -> ImportPlan:
    plan = ImportPlan(Block({}))
    out = plan.unsupported
    enums: dict[str, Any] = {}
    ext_names = {name for name, _schema, _v in db.extensions}
    extensions = sorted(ext_names)
    from generator.spec.checks import SAFE_EXTENSIONS

    for name, schema, _version in db.extensions:
        if schema != "public" or name not in SAFE_EXTENSIONS:
            why = f"installed in schema {schema} (the spec creates extensions in public)" if schema != "public" else (
                "the spec creates only extensions that add types, operators and pure functions (docs/spec.md)")
            out.append(Unsupported("extension", name, why))
            extensions.remove(name)
            plan.skipped_relations.add(name)
    folded = fold(db)  # tables and enums of other schemas, as public's schema.name
    # schemas other than public whose objects the spec cannot build there yet
    for name, _comment, _grant in db.schemas:
        if name != "public" and name not in db.unread_schemas:
            plan.skipped_schemas.add(name)
            out.append(Unsupported("schema", name, "holds objects the spec builds only in public so far"))
    enum_names = {t.name for t in db.types if t.kind == "e" and t.schema == "public" and not t.extension}
    user_types: dict[str, Any] = {}
    for t in db.types:
        if t.extension:
            continue
        if t.schema != "public":
            out.append(Unsupported(_TYPEKIND.get(t.kind, "enum" if t.kind == "e" else "type"), qualified(t.schema, t.name), "", f"schema {t.schema}"))
            continue
        if t.kind == "d":
            continue  # generator.adopt.write_domains
        if t.kind == "e":
            body: dict[str, Any] = {}
            if t.comment:
                body["comment"] = t.comment
            body["values"] = list(t.labels)
            if db.access is not None:  # generator.adopt.write_access: USAGE on the type
                write_access.type_grants(db.access, t.name, body, plan.roles)
            elif t.acl:
                out.append(Unsupported("grant", f"TYPE public.{t.name}", "privileges are not in the spec"))
                plan.skipped_grants.add(t.name)
            enums[t.name] = Block(body) if t.comment or "grants" in body else body
            continue
        why = "not in the spec's vocabulary"
        if t.kind in ("c", "r"):
            body, why = type_body(qualified(t.schema, t.name), t.kind, t.comment, db, enum_names)
            if body is not None:
                user_types[t.name] = body
                if db.access is not None:
                    write_access.type_grants(db.access, t.name, body.items if isinstance(body, Block) else body, plan.roles)
                elif t.acl:
                    out.append(Unsupported("grant", f"TYPE public.{t.name}", "privileges are not in the spec"))
                    plan.skipped_grants.add(t.name)
                continue
        plan.skipped_types.add(t.name)
        out.append(Unsupported(_TYPEKIND.get(t.kind, "type"), qualified(t.schema, t.name), why))
    enum_names = {t.name for t in db.types if t.kind == "e" and t.schema == "public" and not t.extension}
    found = plan_domains(db, Words(_base_type, _check_sql, _literal_default), enum_names, ext_names)
    domains = found.domains
    enum_names = enum_names | found.names  # known type names (a column's type; a literal's cast)
    for name, why in found.refused:
        plan.skipped_types.add(name)
        out.append(Unsupported("domain", f"public.{name}", why))
    for name in found.grants if db.access is None else ():
        out.append(Unsupported("grant", f"DOMAIN public.{name}", "privileges are not in the spec"))
        plan.skipped_grants.add(name)
    for name in sorted(found.names) if db.access is not None else ():
        write_access.type_grants(db.access, name, domains[name].items, plan.roles)

    public = {r.name: r for r in db.relations if r.schema == "public" and not r.extension}
    write_partitions.prepare(public)  # what a partition or child has from its parent is the parent's
    excluded = {
        r.name for r in public.values()
        if r.kind in ("r", "p") and any(fnmatch.fnmatchcase(r.name, p) or fnmatch.fnmatchcase(f"public.{r.name}", p) for p in exclude)
    }
    plan.excluded = sorted(f"public.{n}" for n in excluded)
    for n in excluded:  # what goes with an excluded table
        plan.skipped_relations.update(ix.name for ix in public[n].indexes)
        plan.skipped_relations.update(s.name for s in db.sequences if s.owner_table == f"public.{n}")
    owned = {(s.owner_table, s.owner_column): s for s in db.sequences if s.owner_table and s.dependency == "a"}
    identity_seqs = {f"{s.schema}.{s.name}" for s in db.sequences if s.dependency == "i"}

    # relations in other schemas: each listed (their schema is unsupported)
    for r in db.relations:
        if r.schema != "public" and not r.extension and f"{r.schema}.{r.name}" not in identity_seqs:
            kind = "table" if r.kind in ("r", "p") else _RELKIND.get(r.kind, "relation")
            out.append(Unsupported(kind, qualified(r.schema, r.name), "", f"schema {r.schema}"))
    tables_of_db = [r.name for r in db.relations if r.schema == "public" and r.kind in ("r", "p")]
    plan.append_only = write_functions.append_only_tables(db, tables_of_db)  # append_only: true
    plan.hash_chains = write_functions.chain_tables(db, tables_of_db)  # hash_chain: {scope, prev, hash}
    functions, aggregates, refused = write_functions.plan_functions(db, tables_of_db, plan.append_only, set(plan.hash_chains))
    written = {f.identity for f in db.functions if f.identity not in refused}
    plan.functions, plan.guards = functions, write_functions.guard_names(tables_of_db)
    plan.routines_written = {f"public.{identity}" for identity in written}
    plan.triggers = {(t.table, t.name): t for t in db.triggers}
    for schema, name, kind in db.routines:
        if schema != "public":
            out.append(Unsupported(_PROKIND.get(kind, "function"), qualified(schema, name), "", f"schema {schema}"))
        elif name in written:
            continue
        else:
            plan.skipped_routines.add(name)
            why = refused[name] if refused.get(name) == write_functions.GUARD else "not in the spec yet"
            out.append(Unsupported(_PROKIND.get(kind, "function"), qualified(schema, name), why))
    for kind, schema, name in db.others:
        if kind == "default privileges" and schema in ("", "public") and db.access is not None:
            continue  # generator.adopt.write_access
        out.append(Unsupported(kind, qualified(schema, name) if schema else name, "not in the spec"))
        plan.skipped_default_acl |= kind == "default privileges"
        if schema == "public" and kind != "default privileges":
            plan.skipped_relations.add(name)  # a statistics object, collation, ...: its pg_dump entry

    # tables first: which can be written whole
    bad_tables: dict[str, str] = {}
    for r in public.values():
        if r.kind not in ("r", "p") or r.name in excluded:
            continue
        reason = write_partitions.table_problem(r, public) or (
            "" if r.partition else _table_problem(r, enum_names, ext_names))
        if reason:
            bad_tables[r.name] = reason
    for r in public.values():
        if r.kind == "f":  # views and materialized views: generator.adopt.write_views, after the tables
            plan.skipped_relations.add(r.name)
            out.append(Unsupported(_RELKIND[r.kind], f"public.{r.name}", "not in the spec yet"))
            for ix in r.indexes:
                plan.skipped_relations.add(ix.name)
            for trig in r.triggers:
                out.append(Unsupported("trigger", f"public.{r.name}.{trig}", "", f"{_RELKIND[r.kind]} public.{r.name}"))
            for rule in r.rules:
                out.append(Unsupported("rule", f"public.{r.name}.{rule}", "", f"{_RELKIND[r.kind]} public.{r.name}"))
    sequences: dict[str, Any] = {}  # generator.adopt.write_sequences
    for s in db.sequences:
        if s.schema != "public" or s.dependency == "i":
            continue
        seq_rel = public.get(s.name)
        if seq_rel is not None and seq_rel.persistence == "u":
            plan.skipped_relations.add(s.name)
            out.append(Unsupported("sequence", f"public.{s.name}", "UNLOGGED sequences are not in the spec"))
            continue
        if write_sequences.writable(s, set(bad_tables) | excluded) and seq_rel is not None:
            sequences[s.name] = write_sequences.sequence_body(s, seq_rel.comment)
            if db.access is not None:
                write_access.object_grants(db.access, "sequence", s.name, sequences[s.name], plan.roles)
            continue
        plan.skipped_relations.add(s.name)
        owner = f" (owned by {s.owner_table}.{s.owner_column})" if s.owner_table else ""
        out.append(Unsupported("sequence", f"public.{s.name}", "owned by a table the spec leaves out" + owner))
    owned = sequences
    tables: dict[str, dict[str, Any]] = {}
    for r in public.values():
        if r.kind not in ("r", "p") or r.name in excluded:
            continue
        if r.name in bad_tables:
            plan.skipped_relations.add(r.name)
            plan.skipped_relations.update(ix.name for ix in r.indexes)
            plan.skipped_relations.update(s.name for s in db.sequences if s.owner_table == f"public.{r.name}")
            out.append(Unsupported("table", f"public.{r.name}", bad_tables[r.name]))
            continue
        if r.partition:
            continue  # written under its parent (write_partitions.nest)
        tables[r.name] = _table(r, plan, bad_tables, excluded, owned, enum_names, ext_names, db.access)
        write_partitions.add_partitioning(r, tables[r.name])
        for c in r.columns:
            if c.identity:
                tables[r.name]["columns"].items[c.name]["identity"] = write_sequences.identity_body(db, r.name, c)

    write_partitions.nest(tables, public, plan, bad_tables, excluded, Unsupported, db.access)
    written = {r.name for r in public.values() if r.kind in ("r", "p") and r.name not in bad_tables and r.name not in excluded}
    views = write_views.write_views(db, public, written, excluded, plan, out, Unsupported)
    if db.access is not None:  # generator.adopt.write_access: grants of views and functions, default privileges
        for vname, vbody in views.items():
            write_access.object_grants(db.access, "view", vname, vbody, plan.roles)
        for fname, fbody in list(functions.items()) + list(aggregates.items()):
            write_access.function_grants(db.access, fname, fbody, plan.roles)
        defaults = write_access.default_privileges(db.access, plan.roles)
    schemas = schemas_block(folded, db.access, plan.roles)  # with their grants, and public's
    order = _dependency_order(tables)
    plan.tables = order
    settings: dict[str, Any] = {"naming": "verbatim"}
    if _lacks_comments(tables, enums):
        settings = {"require_comments": False, "naming": "verbatim"}
    top: dict[str, Any] = {"version": 1, "settings": settings}
    if plan.roles:
        top["roles"] = sorted(plan.roles)
    if schemas:
        top["schemas"] = Block(schemas)
    if extensions:
        top["extensions"] = extensions
    if enums:
        top["enums"] = Block(dict(sorted(enums.items())))
    if sequences:
        top["sequences"] = Block({name: Block(body) for name, body in sorted(sequences.items())})
    if domains:
        top["domains"] = Block(domains)
    if user_types:
        top["types"] = Block(dict(sorted(user_types.items())))
    if functions:
        top["functions"] = Block({n: Block(b) for n, b in sorted(functions.items())})
    if aggregates:
        top["aggregates"] = Block({n: Block(b) for n, b in sorted(aggregates.items())})
    top["tables"] = Block({name: Block(tables[name]) for name in order})
    if views:
        top["views"] = Block({name: Block(body) for name, body in views.items()})
    if db.access is not None and defaults:
        top["default_privileges"] = defaults
    plan.unsupported = sorted(set(out), key=lambda u: (u.kind, u.name))
    if plan.unsupported:  # the spec says what it leaves alone: diff sets their differences aside
        top["unmanaged"] = [{"kind": k, "name": n} for k, n in dict.fromkeys((u.kind, u.name) for u in plan.unsupported)]
    plan.spec = Block(top)
    return plan


def _lacks_comments(tables: dict[str, dict[str, Any]], enums: dict[str, Any]) -> bool:
    for e in enums.values():
        if "comment" not in (e.items if isinstance(e, Block) else e):
            return True
    for t in tables.values():
        if "comment" not in t or any("comment" not in c for c in t["columns"].items.values()):
            return True
    return False


def column_type(c: Column, enum_names: set[str], ext_names: set[str]) -> str | None:
    """The spec's type text for a column, or None when the spec has no word for it."""
    if c.element_name is not None:
        inner = _base_type(c.element_name, c.element_schema or "", c.element_kind or "", c.typmod, enum_names, ext_names)
        if inner is None:  # any other type by name (issue 16)
            return type_by_name(c.formatted, c.element_kind, c.element_schema, enum_names)
        return inner + "[]"
    found = _base_type(c.type_name, c.type_schema, c.type_kind, c.typmod, enum_names, ext_names)
    return found if found is not None else type_by_name(c.formatted, c.type_kind, c.type_schema, enum_names)


def _base_type(name: str, schema: str, kind: str, typmod: int, enum_names: set[str], ext_names: set[str]) -> str | None:
    if kind in ("e", "d"):  # an enum, or a domain the spec writes (generator.adopt.write_domains)
        return name if schema == "public" and name in enum_names else None
    if kind != "b":
        return None
    if schema == "pg_catalog":
        if name in _SIMPLE:
            return _SIMPLE[name] if typmod < 0 else None
        if name in _UNSIZED:
            return _UNSIZED[name] if typmod < 0 else None
        if name == "varchar":
            return "varchar" if typmod < 0 else f"varchar({typmod - 4})"
        if name == "bpchar":
            return f"char({typmod - 4})" if typmod >= 0 else None  # bpchar without length: not "char"
        if name == "numeric":
            if typmod < 0:
                return "numeric"
            precision, scale = ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
            if scale > precision:  # negative scale (PostgreSQL 15+) reads back as a large one
                return None
            return f"numeric({precision},{scale})"
        return None
    if name == "citext" and schema == "public" and "citext" in ext_names and typmod < 0:
        return "citext"
    return None


def _table_problem(r: Relation, enum_names: set[str], ext_names: set[str]) -> str:
    """Why the table cannot be written at all, or ''."""
    if r.persistence == "u":
        return "UNLOGGED is not in the spec"
    if r.options:
        return f"storage parameters ({', '.join(r.options)}) are not in the spec"
    if r.tablespace:
        return "a tablespace is not in the spec"
    if r.replica_identity not in ("d",):
        return "REPLICA IDENTITY is not in the spec"
    if r.access_method not in (None, "heap"):
        return f"table access method {r.access_method} is not in the spec"
    problems = []
    for c in r.columns:
        if column_type(c, enum_names, ext_names) is None:
            problems.append(f"column {c.name}: type {c.formatted} is not in the spec's vocabulary")
        elif c.collation and not c.collation_name:
            problems.append(f"column {c.name}: a column collation is not in the spec")
        elif c.statistics or c.storage or c.compression or c.options:
            problems.append(f"column {c.name}: storage, compression or statistics settings are not in the spec")
    for k in r.constraints:  # PostgreSQL 18 keeps NOT NULL as constraints: the spec writes the default ones
        default = f"{r.name}_{k.columns[0] if k.columns else ''}_not_null"
        renamed = k.name != default and len(default.encode()) <= 63  # a longer one PostgreSQL truncates: the proof checks it
        if k.type == "n" and (renamed or not k.validated or k.no_inherit):
            problems.append(f"NOT NULL constraint {k.name}: a named, NOT VALID or NO INHERIT NOT NULL is not in the spec")
    return "; ".join(problems)




def _check_sql(definition: str) -> str | None:
    """``CHECK ((qty > 0))`` -> ``(qty > 0)`` (pg_get_constraintdef writes ``CHECK (%s)``);
    None for the NO INHERIT / NOT VALID forms (a domain's check: generator.adopt.write_domains)."""
    if not definition.startswith("CHECK (") or definition.endswith((" NO INHERIT", " NOT VALID", " NOT ENFORCED")):
        return None
    return stable_boolean.stable(definition[len("CHECK (") : -1])  # a BETWEEN's nested AND parses back the same


# defaults written as the spec's literals (``default:``) rather than ``default_sql``: only
# forms that read back exactly as PostgreSQL printed them (the round trip checks it)
_CALLS = {"now()": "now()", "gen_random_uuid()": "gen_random_uuid()", "clock_timestamp()": "clock_timestamp()",
          "CURRENT_TIMESTAMP": "current_timestamp", "CURRENT_DATE": "current_date"}
_SIMPLE_STRING = re.compile(r"^'([A-Za-z0-9 _.@/+-]*)'::(text|character varying|[a-z_][a-z0-9_]*)$")


def _literal_default(default: str, type_text: str, enum_names: set[str]) -> dict[str, Any] | None:
    base = type_text.split("(")[0]
    if default in _CALLS:
        value = _CALLS[default]
        fits = {"now()": ("timestamptz", "timestamp"), "clock_timestamp()": ("timestamptz", "timestamp"),
                "current_timestamp": ("timestamptz", "timestamp"), "gen_random_uuid()": ("uuid",),
                "current_date": ("date",)}[value]
        return {"default": value} if type_text in fits else None
    if default in ("true", "false") and type_text == "boolean":
        return {"default": default == "true"}
    if re.fullmatch(r"[0-9]{1,18}", default) and type_text in ("smallint", "integer", "bigint"):
        return {"default": int(default)}
    m = _SIMPLE_STRING.match(default)
    if m and m.group(1) and not m.group(1).startswith(" ") and not m.group(1).endswith(" "):
        cast = m.group(2)
        if (cast == "text" and type_text in ("text", "citext")) or (cast == "character varying" and base == "varchar") or (
            cast == type_text and cast in enum_names
        ):
            if len(m.group(1)) <= 63:
                return {"default": m.group(1)}
    return None


def _default(c: Column, table: str, plan: ImportPlan, owned: dict) -> dict[str, Any]:
    if c.default is None:
        return {}
    seq = _NEXTVAL.match(c.default)
    if seq is not None and write_sequences.names_written(seq.group(1).replace("''", "'"), set(owned)):
        return {"default_sql": c.default}
    if seq is not None:
        plan.skipped_parts.add((table, f"default {c.name}"))
        plan.unsupported.append(Unsupported(
            "column default", f"public.{table}.{c.name}", f"{c.default}: a sequence the spec does not write",
            "sequence public." + seq.group(1).replace("''", "'"),
        ))
        return {}
    return {"default_sql": c.default}


def _table(r: Relation, plan: ImportPlan, bad: dict[str, str], excluded: set[str], owned: dict,
           enum_names: set[str], ext_names: set[str], db_access: Any = None) -> dict[str, Any]:
    out = plan.unsupported
    name = r.name
    body: dict[str, Any] = {}
    if r.comment:
        body["comment"] = r.comment
    columns: dict[str, Any] = {}
    single_fk: dict[str, dict[str, Any]] = {}
    multi_fk: list[dict[str, Any]] = []
    for k in sorted((k for k in r.constraints if k.type == "f"), key=lambda k: k.name):
        problem = _fk_problem(k, bad, excluded)
        if problem:
            plan.skipped_parts.add((name, k.name))
            target = f"public.{k.ref_table}" if k.ref_schema == "public" else f"{k.ref_schema}.{k.ref_table}"
            because = f"table {target}" if (k.ref_table in bad or k.ref_table in excluded or k.ref_schema != "public") else ""
            out.append(Unsupported("foreign key", f"public.{name}.{k.name}", problem, because))
            continue
        ref: dict[str, Any] = {"table": k.ref_table}
        if len(k.columns) == 1 and not k.deferrable and k.match == "s" and k.validated and k.columns[0] not in single_fk:
            ref["column"] = k.ref_columns[0]
            ref["name"] = k.name
            ref["on_delete"] = _ACTIONS[k.on_delete]
            ref["on_update"] = _ACTIONS[k.on_update]
            single_fk[k.columns[0]] = ref
        else:
            multi_fk.append(_table_fk(k))
    for c in r.columns:
        col: dict[str, Any] = {"type": column_type(c, enum_names, ext_names)}
        if c.not_null and not c.identity:
            col["nullable"] = False
        if c.identity:
            col["identity"] = "always" if c.identity == "a" else "by default"
        elif c.generated:
            col["generated"] = generated(c)
        else:
            default = _default(c, name, plan, owned)
            literal = _literal_default(default["default_sql"], col["type"], enum_names) if default else None
            col.update(literal or default)
        if c.collation_name:
            col["collation"] = c.collation_name
        if c.name in single_fk:
            col["references"] = single_fk[c.name]
        if c.comment:
            col["comment"] = c.comment
        columns[c.name] = col
    body["columns"] = Block(columns)
    pk = next((k for k in r.constraints if k.type == "p"), None)
    if pk is not None:
        body["primary_key"] = {"name": pk.name, "columns": list(pk.columns)}
        pk_index = next((ix for ix in r.indexes if ix.primary), None)
        if pk_index is not None and (pk_index.options or pk_index.tablespace):
            plan.skipped_parts.add((name, pk.name))
            plan.skipped_relations.add(pk.name)  # its index, whose options differ too
            # the spec keeps the key (primary_key:), so the entry names only its options
            out.append(Unsupported("primary key options", f"public.{name}.{pk.name}", "primary key storage parameters or a tablespace are not in the spec"))
        body["primary_key"].update(key_options(pk, pk_index))
        for k_ in _constraint_comments(r, pk, plan):
            out.append(k_)
    else:
        body["primary_key"] = []  # a table without one, said so (the spec asks every table)
    if multi_fk:
        body["foreign_keys"] = multi_fk
    uniques = []
    checks = []
    exclusions: list[dict[str, Any]] = []
    for k in sorted(r.constraints, key=lambda k: k.name):
        if k.type == "u":
            index = next((ix for ix in r.indexes if ix.name == k.name), None)
            if index is None or index.options or index.tablespace:
                plan.skipped_parts.add((name, k.name))
                plan.skipped_relations.add(k.name)  # its index
                out.append(Unsupported("constraint", f"public.{name}.{k.name}", "a unique constraint with storage parameters or a tablespace is not in the spec"))
                continue
            u: dict[str, Any] = {"name": k.name, "columns": list(k.columns)}
            if index.nulls_not_distinct:
                u["nulls_not_distinct"] = True
            u.update(key_options(k, index))
            uniques.append(u)
        elif k.type == "c":
            check = check_entry(k)
            if check is None:
                plan.skipped_parts.add((name, k.name))
                out.append(Unsupported("constraint", f"public.{name}.{k.name}", f"{k.definition}: NOT ENFORCED or inherited checks are not in the spec"))
                continue
            checks.append(check)
        elif k.type == "x":
            entry = exclusion_entry(k, next((ix for ix in r.indexes if ix.name == k.name), None))
            if isinstance(entry, str):
                plan.skipped_parts.add((name, k.name))
                plan.skipped_relations.add(k.name)
                out.append(Unsupported("constraint", f"public.{name}.{k.name}", entry))
                continue
            exclusions.append(entry)
        if k.type in ("u", "c", "f", "x"):
            out.extend(_constraint_comments(r, k, plan))
    if uniques:
        body["unique"] = uniques
    indexes = []
    for ix in sorted(r.indexes, key=lambda i: i.name):
        if ix.constraint:
            continue
        entry = index_entry(ix)
        if isinstance(entry, str):
            plan.skipped_relations.add(ix.name)
            out.append(Unsupported("index", f"public.{ix.name}", f"on {name}: {entry}"))
            continue
        indexes.append(entry)
        if ix.comment:
            plan.skipped_comments.add(f"INDEX {ix.name}")
            out.append(Unsupported("comment", f"INDEX public.{ix.name}", "comments on indexes are not in the spec"))
    if indexes:
        body["indexes"] = indexes
    if checks:
        body["checks"] = checks
    if exclusions:
        body["exclusions"] = exclusions
    triggers = []
    guard = naming.append_only_triggers(name) if name in plan.append_only else ()
    if guard:
        body["append_only"] = True  # its function and triggers: generator.spec.append_only
    if name in plan.hash_chains:
        body["hash_chain"] = plan.hash_chains[name]  # its guard: generator.schema.guards.chain_guard_create
        guard = (*guard, naming.chain_guard(name))
    for trig in r.triggers:
        if trig in guard:
            continue
        info = plan.triggers.get((name, trig))
        entry, why = write_functions.trigger_body(info, plan.functions, plan.guards) if info else (None, "")
        if entry is not None:
            triggers.append(entry)
            continue
        plan.skipped_parts.add((name, trig))
        out.append(Unsupported("trigger", f"public.{name}.{trig}", why or "triggers are not in the spec yet"))
    if triggers:
        body["triggers"] = triggers
    for rule in r.rules:
        plan.skipped_parts.add((name, rule))
        out.append(Unsupported("rule", f"public.{name}.{rule}", "rules are not in the spec"))
    if db_access is not None:  # generator.adopt.write_access: rls, policies, grants
        write_access.table_access(db_access, name, body, plan.roles)
    return body


def _constraint_comments(r: Relation, k: Constraint, plan: ImportPlan) -> list[Unsupported]:
    if not k.comment:
        return []
    plan.skipped_comments.add(f"CONSTRAINT {k.name} ON {r.name}")
    return [Unsupported("comment", f"CONSTRAINT {k.name} ON public.{r.name}", "comments on constraints are not in the spec")]


def _table_fk(k: Constraint) -> dict[str, Any]:
    fk: dict[str, Any] = {
        "name": k.name,
        "columns": list(k.columns),
        "references": {"table": k.ref_table, "columns": list(k.ref_columns)},
        "on_delete": _ACTIONS[k.on_delete],
        "on_update": _ACTIONS[k.on_update],
    }
    if k.deferrable:
        fk["deferrable"] = True
        if k.deferred:
            fk["initially_deferred"] = True
    if k.match == "f":
        fk["match"] = "full"
    if not k.validated:
        fk["not_valid"] = True
    return fk


def _fk_problem(k: Constraint, bad: dict[str, str], excluded: set[str]) -> str:
    if k.ref_schema != "public":
        return f"references a table in schema {k.ref_schema}"
    if k.ref_table in bad:
        return "references a table the spec cannot express"
    if k.ref_table in excluded:
        return "references an excluded table"
    if k.definition.endswith(" NOT ENFORCED"):
        return "NOT ENFORCED foreign keys (PostgreSQL 18) are not in the spec"
    if k.match == "p" or k.delete_set_columns or not k.local:
        return "MATCH PARTIAL / ON DELETE SET NULL (columns) are not in the spec"
    return ""






def _dependency_order(tables: dict[str, dict[str, Any]]) -> list[str]:
    """Tables referenced first, then by name; a cycle is broken at its smallest name
    (Kahn's algorithm with a heap: the smallest ready name first)."""
    import heapq

    deps: dict[str, set[str]] = {name: set() for name in tables}
    for name, body in tables.items():
        targets = [col["references"]["table"] for col in body["columns"].items.values() if col.get("references")]
        targets += [fk["references"]["table"] for fk in body.get("foreign_keys", [])]
        targets += body.get("inherits", [])  # a parent before the tables that inherit it
        deps[name].update(t for t in targets if t != name and t in tables)
    dependents: dict[str, list[str]] = {name: [] for name in tables}
    for name, targets in deps.items():
        for target in targets:
            dependents[target].append(name)
    waiting = {name: len(targets) for name, targets in deps.items()}
    ready = [name for name, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    by_name = sorted(tables)
    smallest = 0  # index into by_name of the smallest name perhaps not placed yet
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(tables):
        if not ready:  # a cycle: free the smallest name not placed yet
            while by_name[smallest] in placed:
                smallest += 1
            ready.append(by_name[smallest])
        name = heapq.heappop(ready)
        if name in placed:
            continue
        order.append(name)
        placed.add(name)
        for dependent in dependents[name]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0 and dependent not in placed:
                heapq.heappush(ready, dependent)
    return order
