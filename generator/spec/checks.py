"""Semantic checks of a spec that passed its JSON Schema: the things a schema language can't say.

Each check yields Problems; ``check_spec`` runs them all so the user sees every problem at once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from generator.errors import Problem
from generator.spec import naming
from generator.spec.access import check_access
from generator.spec.domains import check_domains
from generator.spec.functions_checks import check_functions
from generator.spec.index_forms_checks import index_form_problems
from generator.spec.model import (
    NO_DEFAULT,
    ColumnSpec,
    ForeignKeySpec,
    Spec,
    TableSpec,
    build_settings,
)
from generator.spec.namespaces import check_schemas, split_in
from generator.spec.partitions import inherited_columns
from generator.spec.sequences import check_sequences
from generator.spec.source import Source
from generator.spec.types import (
    BUILTIN_TYPE_NAMES,
    EXTENSION_TYPES,
    INTEGER_TYPES,
    TypeProblem,
    check_default,
    parse_type,
)
from generator.spec.views import check_views

if TYPE_CHECKING:
    from generator.spec.sql_fragments import Kind

GIN_TYPES = {"jsonb", "tsvector"}


def check_spec(spec: Spec, source: Source) -> list[Problem]:
    problems: list[Problem] = []
    for check in (_enums, _types_and_defaults, _keys, _references, _foreign_keys, _indexes_and_uniques, _names,
                  _verbatim_names, _renames, _hash_chains, _sql_fragments, _extensions, _nul_characters, _unmanaged,
                  check_sequences, check_domains, _user_types, index_form_problems, _partitions, check_views,
                  check_functions, check_access, check_schemas):
        problems.extend(check(spec, source))
    return problems


def _user_types(spec: Spec, source: Source) -> Iterator[Problem]:
    """``types:`` and column collations (generator.spec.user_types)."""
    from generator.spec.user_types import check_columns, check_types

    yield from check_types(spec.types, frozenset(spec.enums), set(spec.tables), source)
    yield from check_columns(spec, source)


def _enums(spec: Spec, source: Source) -> Iterator[Problem]:
    for enum in spec.enums.values():
        counts = Counter(enum.values)
        for i, value in enumerate(enum.values):
            if counts[value] > 1 and enum.values.index(value) != i:
                yield source.problem(enum.path + ("values", i), f"enum {enum.name}: duplicate value {value!r}")
            if len(value.encode()) > naming.MAX_IDENTIFIER_BYTES:
                yield source.problem(enum.path + ("values", i), f"enum {enum.name}: value {value!r} is longer than 63 bytes")
        if enum.name in spec.tables:
            yield source.problem(enum.path, f"enum {enum.name}: a table has the same name", key=True)
        if enum.name in BUILTIN_TYPE_NAMES or enum.name.startswith("pg_"):
            yield source.problem(enum.path, f"enum {enum.name}: the name is a PostgreSQL built-in type; "
                                 f"columns of type {enum.name} would mean this enum in the spec but "
                                 "pg_catalog's type in the database (it comes first on the search "
                                 "path); rename the enum", key=True)


def _types_and_defaults(spec: Spec, source: Source) -> Iterator[Problem]:
    enum_names = frozenset(spec.enums)
    for table in spec.tables.values():
        for col in table.columns.values():
            where = f"{table.name}.{col.name}"
            if col.ctype is None:
                try:
                    parse_type(col.type_text, enum_names)
                except TypeProblem as exc:
                    yield source.problem(col.path + ("type",), f"{where}: {exc}")
                continue
            ext = EXTENSION_TYPES.get(col.ctype.base)
            if ext and ext not in spec.extensions:
                yield source.problem(col.path + ("type",), f"{where}: type {col.ctype.base} needs extension {ext!r}; add it under extensions")
            if col.default is not NO_DEFAULT and not col.ctype.domain:  # a domain's: check_domains
                enum = spec.enums.get(col.ctype.base) if col.ctype.enum else None
                try:
                    check_default(col.ctype, col.default, list(enum.values) if enum else None)
                except TypeProblem as exc:
                    yield source.problem(col.path + ("default",), f"{where}: {exc}")
            if col.identity is not None:
                if col.ctype.base not in INTEGER_TYPES or col.ctype.array:
                    yield source.problem(col.path + ("identity",), f"{where}: identity needs an integer type, not {col.ctype.sql()}")
                if col.default is not NO_DEFAULT or col.default_sql is not None:
                    yield source.problem(col.path + ("identity",), f"{where}: an identity column cannot also have a default")
            if col.primary_key and col.nullable and "nullable" in source.data["tables"][table.name]["columns"][col.name]:
                yield source.problem(col.path + ("nullable",), f"{where}: a primary-key column cannot be nullable")


def _keys(spec: Spec, source: Source) -> Iterator[Problem]:
    for table in spec.tables.values():
        explicit_pk = "primary_key" in source.data["tables"][table.name]
        if explicit_pk and any(c.primary_key for c in table.columns.values()):
            yield source.problem(table.path + ("primary_key",), f"table {table.name}: give the primary key either on columns or as primary_key, not both", key=True)
        pk_path = table.path + ("primary_key",)
        if isinstance(source.data["tables"][table.name].get("primary_key"), dict):
            pk_path += ("columns",)
        for i, name in enumerate(table.primary_key):
            if name not in table.columns:
                yield source.problem(pk_path + (i,), f"table {table.name}: primary key column {name!r} does not exist{_suggest(name, table)}")
        if not table.primary_key and not table.no_primary_key:
            yield source.problem(table.path, f"table {table.name}: has no primary key; mark a column primary_key: true "
                                 "(or write primary_key: [] for a table that has none)", key=True)


def _references(spec: Spec, source: Source) -> Iterator[Problem]:
    for table in spec.tables.values():
        for col, ref in table.foreign_keys():
            where = f"{table.name}.{col.name}"
            path = col.path + ("references",)
            target = spec.tables.get(ref.table)
            if target is None:
                yield source.problem(path + ("table",), f"{where}: references missing table {ref.table!r}{_suggest_table(ref.table, spec)}")
                continue
            target_col = spec.referenced_column(ref)
            if target_col is None:
                if target.primary_key or target.no_primary_key:  # an omitted key is reported on the table itself
                    yield source.problem(path, f"{where}: table {ref.table} has no single-column primary key; name the column to reference")
                continue
            referred = target.columns.get(target_col)
            if referred is None:
                yield source.problem(path + ("column",), f"{where}: references missing column {ref.table}.{target_col}{_suggest(target_col, target)}")
                continue
            if not _is_unique(target, target_col):
                yield source.problem(path + ("column",), f"{where}: {ref.table}.{target_col} is neither a primary key nor unique, so it cannot be referenced")
            if col.ctype and referred.ctype and col.ctype.sql() != referred.ctype.sql() and not _compatible(col, referred):
                yield source.problem(col.path + ("type",), f"{where}: type {col.ctype.sql()} does not match {ref.table}.{target_col} ({referred.ctype.sql()})")
            if ref.on_delete == "set null" and not col.nullable and not spec.settings.verbatim:
                yield source.problem(path + ("on_delete",), f"{where}: on_delete set null needs a nullable column")
            if ref.on_delete == "set default" and not col.has_default and not spec.settings.verbatim:
                yield source.problem(path + ("on_delete",), f"{where}: on_delete set default needs a default on the column")


def _foreign_keys(spec: Spec, source: Source) -> Iterator[Problem]:
    """``foreign_keys:`` entries: columns and referred columns exist, agree in number and
    type, the referred columns are exactly a primary key or unique constraint, and the
    actions fit the columns."""
    for table in spec.tables.values():
        for fk in table.fks:
            if fk.column_level:
                continue  # checked by _references, with the messages of a column's references:
            where = f"foreign key {fk.name} on {table.name}"
            for j, name in enumerate(fk.columns):
                if name not in table.columns:
                    yield source.problem(fk.path + ("columns", j), f"{where}: column {name!r} does not exist{_suggest(name, table)}")
            if len(set(fk.columns)) != len(fk.columns):
                yield source.problem(fk.path + ("columns",), f"{where}: a column is listed twice")
            target = spec.tables.get(fk.ref_table)
            if target is None:
                yield source.problem(fk.path + ("references", "table"), f"{where}: references missing table {fk.ref_table!r}{_suggest_table(fk.ref_table, spec)}")
                continue
            if not fk.ref_columns:
                if target.no_primary_key:
                    yield source.problem(fk.path + ("references",), f"{where}: table {fk.ref_table} has no primary key; "
                                         "name the referenced columns (references: {table, columns})")
                continue  # an omitted primary key is reported on that table
            ref_path = fk.path + ("references", "columns")
            missing = False
            for j, name in enumerate(fk.ref_columns):
                if name not in target.columns:
                    missing = True
                    yield source.problem(ref_path + (j,), f"{where}: references missing column {fk.ref_table}.{name}{_suggest(name, target)}")
            if len(fk.ref_columns) != len(fk.columns):
                yield source.problem(fk.path + ("columns",), f"{where}: {len(fk.columns)} column(s) reference {len(fk.ref_columns)} column(s) of {fk.ref_table} ({', '.join(fk.ref_columns)}); give as many as the referred key has")
                continue
            if missing:
                continue
            if not _is_unique_set(target, fk.ref_columns):
                yield source.problem(ref_path, f"{where}: {fk.ref_table}({', '.join(fk.ref_columns)}) is neither the primary key nor a unique constraint, so it cannot be referenced")
            for j, (name, ref_name) in enumerate(zip(fk.columns, fk.ref_columns, strict=True)):
                col, referred = table.columns.get(name), target.columns[ref_name]
                if col is not None and col.ctype and referred.ctype and col.ctype.sql() != referred.ctype.sql() and not _compatible(col, referred):
                    yield source.problem(fk.path + ("columns", j), f"{where}: {table.name}.{name} ({col.ctype.sql()}) does not match {fk.ref_table}.{ref_name} ({referred.ctype.sql()})")
            yield from _fk_actions(fk, table, source, where, verbatim=spec.settings.verbatim)


def _fk_actions(fk: ForeignKeySpec, table: TableSpec, source: Source, where: str, *, verbatim: bool = False) -> Iterator[Problem]:
    """A set null / set default action on a NOT NULL / default-less column fails when a row is
    deleted: refused in a written spec, but kept under ``naming: verbatim`` (an imported
    database's own key, which PostgreSQL accepted: pagila's payment.rental_id has one)."""
    cols = [table.columns[c] for c in fk.columns if c in table.columns]
    if fk.on_delete == "set null" and any(not c.nullable for c in cols) and not verbatim:
        yield source.problem(fk.path + ("on_delete",), f"{where}: on_delete set null needs nullable columns")
    if fk.on_delete == "set default" and any(not c.has_default for c in cols) and not verbatim:
        yield source.problem(fk.path + ("on_delete",), f"{where}: on_delete set default needs a default on every column")
    if fk.initially_deferred and not fk.deferrable:
        yield source.problem(fk.path + ("initially_deferred",), f"{where}: initially_deferred needs deferrable: true")


def _is_unique_set(table: TableSpec, columns: tuple[str, ...]) -> bool:
    """Whether ``columns`` (in any order) are exactly the primary key or a unique key of ``table``."""
    want = set(columns)
    if len(want) != len(columns):
        return False
    if set(table.primary_key) == want:
        return True
    if any(set(u.columns) == want for u in table.uniques):
        return True
    return any(ix.unique and set(ix.column_names) == want and ix.where is None for ix in table.indexes)


def _compatible(col: ColumnSpec, referred: ColumnSpec) -> bool:
    ints = set(INTEGER_TYPES)
    return bool(col.ctype and referred.ctype and col.ctype.base in ints and referred.ctype.base in ints)


def _is_unique(table: TableSpec, column: str) -> bool:
    if table.primary_key == (column,):
        return True
    if any(u.columns == (column,) for u in table.uniques):
        return True
    return any(ix.unique and ix.column_names == (column,) and ix.where is None for ix in table.indexes)


def _indexes_and_uniques(spec: Spec, source: Source) -> Iterator[Problem]:
    for table in spec.tables.values():
        seen: dict[tuple[object, ...], int] = {}
        inherited = inherited_columns(spec, table) if table.inherits else {}  # an index may cover them
        for i, ix in enumerate(table.indexes):
            for j, col in enumerate(ix.columns):
                if col.expression is not None:
                    continue  # generator.spec.index_forms_checks
                if col.name in inherited and col.name not in table.columns:
                    continue
                if col.name not in table.columns:
                    yield source.problem(ix.path + ("columns", j), f"index on {table.name}: column {col.name!r} does not exist{_suggest(col.name, table)}")
                elif ix.using == "gin" and col.opclass is None:
                    ctype = table.columns[col.name].ctype
                    # a domain's base type (an array domain, say) is PostgreSQL's to judge
                    if ctype is not None and ctype.base not in spec.domains and not (ctype.array or ctype.base in GIN_TYPES):
                        yield source.problem(ix.path + ("using",), f"index on {table.name}: GIN needs a jsonb or array column, {col.name} is {ctype.sql()}")
            if ix.using in ("gin", "brin", "hash") and any(c.descending or c.nulls for c in ix.columns):
                yield source.problem(ix.path + ("columns",), f"index on {table.name}: {ix.using} indexes have no column order")
            if ix.unique and ix.using not in ("btree",):
                yield source.problem(ix.path + ("unique",), f"index on {table.name}: only btree indexes can be unique")
            key = (ix.columns, ix.using, ix.where, ix.unique)
            if key in seen:
                yield source.problem(ix.path, f"index on {table.name}: same definition as index #{seen[key] + 1}")
            seen[key] = i
        for u in table.uniques:
            for j, name in enumerate(u.columns):
                if name not in table.columns:
                    yield source.problem(u.path + ("columns", j), f"unique on {table.name}: column {name!r} does not exist{_suggest(name, table)}")


def _names(spec: Spec, source: Source) -> Iterator[Problem]:
    """Names in one namespace must differ, and no name may exceed 63 bytes once the convention applied."""
    # tables, indexes and unique/pk constraints share pg_class's namespace; Alembic's version
    # table (which catalog snapshots and diff leave out) and its key are taken in every database
    relations: dict[Any, str] = dict(RESERVED_RELATIONS)

    def claim(name: str, what: str, path: tuple, key: bool = False, schema: str | None = None) -> Iterator[Problem]:
        """``schema``: the relation's schema when not public (generator.spec.namespaces)."""
        slot = name if schema is None else (schema, name)
        if naming.too_long(name):
            yield source.problem(path, f"{what}: name {name!r} is {len(name.encode())} bytes, over PostgreSQL's 63; shorten it or give an explicit name", key=key)
        if schema is None and name in RESERVED_RELATIONS:  # alembic_version lives in public
            yield source.problem(path, f"{what}: name {name!r} is taken by {RESERVED_RELATIONS[name]}; choose another", key=key)
        elif slot in relations:
            fix = "rename one of them" if spec.settings.verbatim else "give one of them an explicit name"
            yield source.problem(path, f"{what}: name {name!r} is already used by {relations[slot]}; {fix}", key=key)
        else:
            relations[slot] = what

    for name in spec.enums:
        if naming.too_long(split_in(spec, name)[1]):
            yield source.problem(("enums", name), f"enum {name}: name is over 63 bytes", key=True)
        if name in RESERVED_RELATIONS:  # its row type has the name
            yield source.problem(("enums", name), f"enum {name}: the name is taken by {RESERVED_RELATIONS[name]}", key=True)
    for table in spec.tables.values():
        yield from claim(split_in(spec, table.name)[1], f"table {table.name}", table.path, key=True,
                         schema=split_in(spec, table.name)[0])
        if table.renamed_from in RESERVED_RELATIONS:
            yield source.problem(table.path + ("renamed_from",), f"table {table.name}: renamed_from names {RESERVED_RELATIONS[table.renamed_from]}, which no spec table can be")
    for table in spec.tables.values():
        pk_path = table.path + (("primary_key", "name") if table.explicit_pk_name else ())
        schema = split_in(spec, table.name)[0]  # indexes and keys live in their table's schema
        constraints: dict[str, str] = {}
        if not table.no_primary_key:
            yield from claim(table.primary_key_name, f"primary key of {table.name}", pk_path, key=True, schema=schema)
            constraints[table.primary_key_name] = f"the primary key of {table.name}"

        def constraint(name: str, what: str, path: tuple, constraints: dict[str, str] = constraints) -> Iterator[Problem]:
            # pg_constraint: one name per table (the pk's and uniques' also share pg_class)
            if name in constraints:
                yield source.problem(path, f"{what}: name {name!r} is already used by {constraints[name]} (constraint names are unique per table)")
            else:
                constraints[name] = what
        for col in table.columns.values():
            if naming.too_long(col.name):
                yield source.problem(col.path, f"column {table.name}.{col.name}: name is over 63 bytes", key=True)
        for u in table.uniques:
            what = f"unique constraint on {table.name}({', '.join(u.columns)})"
            yield from claim(u.name, what, u.path, schema=schema)
            constraints.setdefault(u.name, what)
        for i, ix in enumerate(table.indexes):
            yield from claim(ix.name, f"index #{i + 1} on {table.name}({', '.join(ix.column_names)})", ix.path, schema=schema)
        per_table: set[str] = set()
        for ck in table.checks:
            if naming.too_long(ck.name):
                yield source.problem(ck.path + ("name",), f"check {ck.short_name} on {table.name}: name {ck.name!r} is {len(ck.name.encode())} bytes, over PostgreSQL's 63; shorten it")
            if ck.name in per_table:
                yield source.problem(ck.path + ("name",), f"check on {table.name}: duplicate check name {ck.short_name!r}")
            else:
                yield from constraint(ck.name, f"check {ck.short_name} on {table.name}", ck.path + ("name",))
            per_table.add(ck.name)
        for fk in table.fks:
            label = f"{table.name}.{fk.columns[0]}" if fk.column_level else f"{fk.name} on {table.name}"
            if naming.too_long(fk.name):
                hint = "shorten it" if fk.explicit_name else "shorten the table or column names (fk_<table>_<column>_<referred table>)"
                yield source.problem(fk.path, f"foreign key {label}: name {fk.name!r} is {len(fk.name.encode())} bytes, over PostgreSQL's 63; {hint}")
            yield from constraint(fk.name, f"foreign key {label}", fk.path + (("name",) if fk.explicit_name else ()))
        if table.append_only:
            for name in (naming.append_only_function(table.name), *naming.append_only_triggers(table.name)):
                if naming.too_long(name):
                    yield source.problem(table.path + ("append_only",), f"table {table.name}: trigger name {name!r} is over 63 bytes")


def _verbatim_names(spec: Spec, source: Source) -> Iterator[Problem]:
    """With ``settings: {naming: verbatim}``, every key, index and check names itself: the
    spec holds the database's names, so none may come from the naming convention."""
    if not spec.settings.verbatim:
        return
    need = "needs name: (settings.naming is verbatim: every primary key, foreign key, unique and index carries its database name)"
    for table in spec.tables.values():
        if not table.explicit_pk_name and table.primary_key:
            on_column = next((c for c in table.columns.values() if c.primary_key), None)
            path = on_column.path + ("primary_key",) if on_column else table.path + ("primary_key",)
            yield source.problem(path, f"primary key of {table.name} {need}; write primary_key: {{name: ..., columns: [...]}} on the table", key=True)
        for u in table.uniques:
            if not u.explicit_name:
                hint = "; write it under the table's unique: [{name: ..., columns: [...]}]" if u.path[-1] == "unique" else ""
                yield source.problem(u.path, f"unique constraint on {table.name}({', '.join(u.columns)}) {need}{hint}", key=u.path[-1] == "unique")
        for fk in table.fks:
            if not fk.explicit_name:
                yield source.problem(fk.path, f"foreign key on {table.name}({', '.join(fk.columns)}) {need}", key=fk.column_level)
        for i, ix in enumerate(table.indexes):
            if not ix.explicit_name:
                yield source.problem(ix.path, f"index #{i + 1} on {table.name}({', '.join(ix.column_names)}) {need}")


def missing_comments(source: Source) -> list[Problem]:
    """``comment`` on every table, column and enum, unless ``settings.require_comments`` is
    false. Read from the YAML data itself (it runs even when the JSON Schema failed), with the
    JSON Schema's wording for a missing key."""
    from generator.spec.jsonschema_errors import json_where

    data = source.data
    if not isinstance(data, dict) or not build_settings(data).require_comments:
        return []
    paths: list[tuple] = []
    for kind in ("enums", "tables"):
        for name, body in (data.get(kind) or {}).items() if isinstance(data.get(kind), dict) else ():
            if not isinstance(body, dict):
                continue
            if "comment" not in body:
                paths.append((kind, name))
            if kind == "tables" and isinstance(body.get("columns"), dict):
                paths += [(kind, name, "columns", c) for c, cbody in body["columns"].items()
                          if isinstance(cbody, dict) and "comment" not in cbody]
    return [source.problem(p, f"{json_where(p)}: missing required key 'comment'", key=True) for p in paths]


def _renames(spec: Spec, source: Source) -> Iterator[Problem]:
    for table in spec.tables.values():
        if table.renamed_from and table.renamed_from in spec.tables:
            yield source.problem(table.path + ("renamed_from",), f"table {table.name}: renamed_from {table.renamed_from!r} names a table that still exists")
        for col in table.columns.values():
            if col.renamed_from and col.renamed_from in table.columns:
                yield source.problem(col.path + ("renamed_from",), f"column {table.name}.{col.name}: renamed_from {col.renamed_from!r} names a column that still exists")
    for enum in spec.enums.values():
        if enum.renamed_from and enum.renamed_from in spec.enums:
            yield source.problem(enum.path + ("renamed_from",), f"enum {enum.name}: renamed_from {enum.renamed_from!r} names an enum that still exists")
        for new, old in enum.value_renames:
            if old in enum.values:
                yield source.problem(enum.path + ("values",), f"enum {enum.name}: value {new!r} renamed_from {old!r}, which is still a value")


# Extensions a spec may create: data types, operators and pure functions. Others reach files,
# other databases or run SQL text (dblink, adminpack, file_fdw, tablefunc, untrusted
# languages), and `generate`, `diff` and seed proofs create them on the dev server, often as
# a superuser, from an unreviewed pull request (issue 12). Create those in a reviewed revision.
SAFE_EXTENSIONS = frozenset({
    "citext", "pgcrypto", "uuid-ossp", "pg_trgm", "btree_gin", "btree_gist", "hstore", "ltree",
    "unaccent", "fuzzystrmatch", "intarray", "cube", "earthdistance", "isn", "seg", "bloom",
    "pg_stat_statements", "vector", "postgis",
})


RESERVED_RELATIONS = {
    "alembic_version": "Alembic's version table",
    "alembic_version_pkc": "the primary key of Alembic's version table",
}


# Characters no spec text may hold besides NUL: the other C0/C1 controls except tab and
# newline (ESC starts terminal sequences that hide, rewrite or clear what `diff` and
# `validate` print; a carriage return overwrites the line) and the bidirectional overrides
# that make a reviewer read text in another order ("Trojan Source").
_HIDING = re.compile("[\x01-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _nul_characters(spec: Spec, source: Source) -> Iterator[Problem]:
    """No text may hold a NUL character: PostgreSQL stores none, and libpq ends a statement at
    the first one, so the server would run a cut-off statement (a comment ``a\\0b`` reached it
    as ``COMMENT ... IS 'a``). Nor a control or bidirectional-override character (``_HIDING``)."""
    stack: list[tuple[tuple, object]] = [((), source.data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and ("\x00" in key or _HIDING.search(key)):
                    yield source.problem(path + (key,), f"the name {key!r} holds a control character", key=True)
                stack.append((path + (key,), value))
        elif isinstance(node, list):
            stack.extend((path + (i,), item) for i, item in enumerate(node))
        elif isinstance(node, str) and "\x00" in node:
            yield source.problem(path, "the text holds a NUL character (\\0), which PostgreSQL cannot store; remove it")
        elif isinstance(node, str) and (hidden := _HIDING.search(node)):
            yield source.problem(path, f"the text holds the control character U+{ord(hidden.group()):04X} at character "
                                       f"{hidden.start() + 1}; it could hide or rewrite what schemactl prints and "
                                       "reviewers read (only tab and newline are allowed)")


def _extensions(spec: Spec, source: Source) -> Iterator[Problem]:
    for i, name in enumerate(spec.extensions):
        if name not in SAFE_EXTENSIONS:
            yield source.problem(("extensions", i), f"extension {name!r} cannot be created from the spec (it can reach files, other databases or run SQL text); allowed: {', '.join(sorted(SAFE_EXTENSIONS))}")


_RELATION_KINDS = frozenset({"table", "view", "materialized view", "foreign table", "sequence", "relation"})
_TYPE_KINDS = frozenset({"type", "enum", "domain", "composite type", "range type", "multirange type", "base type"})


def _unmanaged(spec: Spec, source: Source) -> Iterator[Problem]:
    """An ``unmanaged:`` entry must not name what the spec itself defines: ``diff`` would set
    aside the differences of an object the spec manages."""
    indexes = {ix.name: t.name for t in spec.tables.values() for ix in t.indexes}
    constraints = {
        (t.name, name) for t in spec.tables.values()
        for name in (t.primary_key_name, *(u.name for u in t.uniques), *(c.name for c in t.checks),
                     *(fk.name for fk in t.fks), *(c.references.name for c in t.columns.values() if c.references))
        if name
    }
    for e in spec.unmanaged:
        schema, _, rest = e.name.partition(".")
        defined = ""
        if e.kind == "extension" and e.name in spec.extensions:
            defined = "extensions:"
        elif schema != "public" or not rest:
            continue
        elif e.kind in _RELATION_KINDS and rest in spec.tables:
            defined = "tables:"
        elif e.kind in _TYPE_KINDS and rest in spec.enums:
            defined = "enums:"
        elif e.kind in _TYPE_KINDS and rest in spec.domains:
            defined = "domains:"
        elif e.kind in _TYPE_KINDS and rest in spec.types:
            defined = "types:"
        elif e.kind == "index" and rest in indexes:
            defined = f"tables: {indexes[rest]}: indexes:"
        elif e.kind in ("constraint", "foreign key") and tuple(rest.split(".", 1)) in constraints:
            defined = f"tables: {rest.split('.', 1)[0]}"
        if defined:
            yield source.problem(e.path + ("name",), f"unmanaged: {e.kind} {e.name} is defined by the spec itself "
                                 f"({defined}); remove it from one of the two (diff would not check it)")


def _sql_fragments(spec: Spec, source: Source) -> Iterator[Problem]:
    """Every SQL fragment (CHECK, index WHERE, default_sql) is exactly one expression
    (``generator.spec.sql_fragments``), reported at the fragment's own line."""
    from generator.spec.domains import fragments as domain_fragments
    from generator.spec.sql_fragments import FragmentProblem, check_fragment

    def check(text: object, kind: Kind, path: tuple, where: str) -> Iterator[Problem]:
        if not isinstance(text, str):
            return  # the JSON Schema reports the type
        try:
            check_fragment(text, kind)
        except FragmentProblem as exc:
            yield source.problem(path, f"{where}: {exc}")

    for table in spec.tables.values():
        for col in table.columns.values():
            if col.default_sql is not None:
                yield from check(col.default_sql, "default", col.path + ("default_sql",), f"{table.name}.{col.name}")
        for ck in table.checks:
            yield from check(ck.sql, "check", ck.path + ("sql",), f"check {ck.short_name} on {table.name}")
        for i, ix in enumerate(table.indexes):
            if ix.where is not None:
                yield from check(ix.where, "where", ix.path + ("where",), f"index #{i + 1} on {table.name}")
    for text, kind, path, what, _table in domain_fragments(spec):
        yield from check(text, kind, path, what)


def _hash_chains(spec: Spec, source: Source) -> Iterator[Problem]:
    """``hash_chain``: the columns exist, the chain guard can rely on an append-only table with
    a single identity primary key (docs/audit-chain.md, "The database guards")."""
    for table in spec.tables.values():
        chain = table.hash_chain
        if chain is None:
            continue
        where = f"table {table.name}: hash_chain"
        for key, names in (("scope", chain.scope), ("prev", (chain.prev,)), ("hash", (chain.hash,))):
            for i, name in enumerate(names):
                path = chain.path + ((key, i) if key == "scope" else (key,))
                col = table.columns.get(name)
                if col is None:
                    yield source.problem(path, f"{where}: column {name!r} does not exist{_suggest(name, table)}")
                elif col.nullable and key != "prev":
                    yield source.problem(path, f"{where}: column {name!r} must be nullable: false")
        if not table.append_only:
            yield source.problem(chain.path, f"{where} needs append_only: true (a chain whose rows can change proves nothing)")
        # a partitioned table's key also holds its partition key columns (PostgreSQL's rule)
        rest = set(table.primary_key[1:]) - set(table.partition_by.items if table.partition_by else ())
        pk = table.columns.get(table.primary_key[0]) if table.primary_key and not rest else None
        if pk is None or pk.identity is None:
            yield source.problem(chain.path, f"{where} needs a single primary-key column with identity: always (chains are in id order)")
        if naming.too_long(naming.chain_guard(table.name)):
            yield source.problem(chain.path, f"{where}: trigger name {naming.chain_guard(table.name)!r} is over 63 bytes")


def _partitions(spec: Spec, source: Source) -> Iterator[Problem]:
    from generator.spec import partitions

    yield from partitions.check(spec, source)


def _suggest(name: str, table: TableSpec) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(table.columns), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _suggest_table(name: str, spec: Spec) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(spec.tables), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
