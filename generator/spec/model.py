"""The spec as typed, immutable values, built from YAML data that passed the JSON Schema.

Building is tolerant: anything semantically wrong (an unknown type, a missing table) is kept
as written and reported by ``generator.spec.checks``; nothing here raises on bad content.
Every object keeps the JSON path it came from, so problems point at file:line:column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from generator.spec import append_only, naming
from generator.spec.access import AccessSpec, build_access
from generator.spec.domains import DomainSpec, GeneratedSpec, build_domains, build_generated
from generator.spec.functions import (
    AggregateSpec,
    FunctionSpec,
    TriggerSpec,
    build_aggregates,
    build_functions,
    build_triggers,
)
from generator.spec.index_forms import ExclusionSpec, build_exclusions, item_fields, with_params
from generator.spec.namespaces import (
    SchemaSpec,
    build_schemas,
    canonical,
    canonical_keys,
    canonical_triggers,
    declared,
)
from generator.spec.partitions import (
    PartitionBy,
    PartitionSpec,
    build_partition_by,
    build_partitions,
)
from generator.spec.sequences import (
    IdentityOptions,
    SequenceSpec,
    build_sequences,
    identity_kind,
    identity_options,
)
from generator.spec.source import Path
from generator.spec.types import ColumnType, TypeProblem, parse_type
from generator.spec.user_types import TypeSpec, build_types
from generator.spec.views import ViewSpec, build_views


class _NoDefault:
    """The type of NO_DEFAULT: "no literal default" (None is a default: NULL). One instance,
    which pickles by name, so a cached Spec keeps ``default is NO_DEFAULT`` true."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_DEFAULT"

    def __reduce__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()

# \Z, not $ (which also matches before a final newline); ASCII: re.I alone lets [a-z] match "ſ" and "K"
_ORDER_RE = re.compile(r"^([a-z_][a-z0-9_]*)(?: (asc|desc))?(?: nulls (first|last))?\Z", re.I | re.A)
# verbatim names: "<any column name> desc nulls last" (a name that is a column is taken whole first)
_QUOTED_ORDER_RE = re.compile(r"^(.+?)(?: (asc|desc))?(?: nulls (first|last))?\Z", re.I | re.A | re.S)


@dataclass(frozen=True)
class EnumSpec:
    name: str
    values: tuple[str, ...]
    comment: str
    renamed_from: str | None = None
    value_renames: tuple[tuple[str, str], ...] = ()  # (new value, old value)
    path: Path = ()


@dataclass(frozen=True)
class SettingsSpec:
    """``settings:``: ``require_comments`` (tables, columns and enums need a comment) and
    ``naming`` (``convention``: names follow generator.spec.naming unless given; ``verbatim``:
    every key, index and check carries its database name)."""

    require_comments: bool = True
    naming: str = naming.CONVENTION

    @property
    def verbatim(self) -> bool:
        return self.naming == naming.VERBATIM


@dataclass(frozen=True)
class ReferenceSpec:
    table: str
    column: str | None  # None: the referred table's single primary-key column
    on_delete: str = "restrict"
    on_update: str = "no action"
    name: str | None = None  # explicit constraint name


@dataclass(frozen=True)
class ForeignKeySpec:
    """One foreign key of a table, from a column's ``references:`` or from ``foreign_keys:``.
    ``ref_columns`` is empty when the referred table's primary key is meant but unknown
    (reported by the checks); ``name`` is final (explicit, or by the convention)."""

    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    name: str
    explicit_name: bool = False
    on_delete: str = "restrict"
    on_update: str = "no action"
    deferrable: bool | None = None
    initially_deferred: bool = False
    match: str | None = None  # None | "simple" | "full"
    column_level: bool = False  # from a column's references:
    path: Path = ()
    not_valid: bool = False  # added NOT VALID (existing rows not checked)


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type_text: str
    ctype: ColumnType | None  # None when the type is unknown (reported by checks)
    comment: str
    nullable: bool
    primary_key: bool = False
    unique: bool = False
    default: Any = NO_DEFAULT
    default_sql: str | None = None
    identity: str | None = None
    renamed_from: str | None = None
    references: ReferenceSpec | None = None
    path: Path = ()
    identity_options: IdentityOptions | None = None  # the mapping form of identity: (spec/sequences.py)
    generated: GeneratedSpec | None = None  # generator.spec.domains
    collation: str | None = None  # COLLATE (issue 16)

    @property
    def has_default(self) -> bool:
        return (self.default is not NO_DEFAULT or self.default_sql is not None or self.identity is not None
                or self.generated is not None)


@dataclass(frozen=True)
class IndexColumn:
    name: str  # "" for an expression
    descending: bool = False
    nulls: str | None = None  # "first" | "last"
    expression: str | None = None  # generator.spec.index_forms: the mapping form
    opclass: str | None = None
    opclass_params: tuple[tuple[str, str], ...] = ()
    collation: str | None = None


@dataclass(frozen=True)
class IndexSpec:
    table: str
    columns: tuple[IndexColumn, ...]
    name: str
    explicit_name: bool
    unique: bool = False
    using: str = "btree"
    where: str | None = None
    path: Path = ()
    include: tuple[str, ...] = ()
    with_params: tuple[tuple[str, str], ...] = ()
    nulls_not_distinct: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class UniqueSpec:
    table: str
    columns: tuple[str, ...]
    name: str
    nulls_not_distinct: bool = False
    path: Path = ()
    explicit_name: bool = True
    deferrable: bool = False
    initially_deferred: bool = False
    include: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckSpec:
    table: str
    short_name: str
    name: str
    sql: str
    path: Path = ()
    not_valid: bool = False
    no_inherit: bool = False


@dataclass(frozen=True)
class HashChainSpec:
    """``hash_chain:`` of a table: rows form one chain per ``scope``, in id order, each row's
    ``prev`` column holding the ``hash`` of the scope's previous row (docs/audit-chain.md)."""

    scope: tuple[str, ...]
    prev: str
    hash: str
    path: Path = ()


@dataclass(frozen=True)
class TableSpec:
    name: str
    comment: str
    columns: dict[str, ColumnSpec]
    primary_key: tuple[str, ...]
    uniques: tuple[UniqueSpec, ...]
    indexes: tuple[IndexSpec, ...]
    checks: tuple[CheckSpec, ...]
    append_only: bool = False
    renamed_from: str | None = None
    path: Path = ()
    hash_chain: HashChainSpec | None = None
    primary_key_name: str = ""
    explicit_pk_name: bool = False
    no_primary_key: bool = False  # primary_key: [] (an adopted table without one)
    fks: tuple[ForeignKeySpec, ...] = ()
    exclusions: tuple[ExclusionSpec, ...] = ()
    pk_deferrable: bool = False
    pk_initially_deferred: bool = False
    pk_include: tuple[str, ...] = ()
    partition_by: PartitionBy | None = None  # generator.spec.partitions
    partitions: tuple[PartitionSpec, ...] = ()
    inherits: tuple[str, ...] = ()

    def foreign_keys(self) -> list[tuple[ColumnSpec, ReferenceSpec]]:
        return [(c, c.references) for c in self.columns.values() if c.references is not None]


@dataclass(frozen=True, order=True)
class UnmanagedSpec:
    """One ``unmanaged:`` entry: an object of the database the spec leaves alone (written by
    ``schemactl import --skip-unsupported``; ``schemactl diff`` sets its differences aside)."""

    kind: str  # "view", "trigger", "table", ... (the JSON Schema's list)
    name: str  # qualified as import writes it: "public.v", "public.orders.trg", "public.f(integer)"
    path: Path = field(default=(), compare=False)

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name}


def build_unmanaged(data: Any) -> tuple[UnmanagedSpec, ...]:
    """The ``unmanaged:`` entries of a spec's data; malformed ones are left out (the JSON
    Schema reports them)."""
    items = data.get("unmanaged") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return ()
    return tuple(
        UnmanagedSpec(item["kind"], item["name"], ("unmanaged", i)) for i, item in enumerate(items)
        if isinstance(item, dict) and isinstance(item.get("kind"), str) and isinstance(item.get("name"), str)
    )


@dataclass(frozen=True)
class Spec:
    version: int
    extensions: tuple[str, ...]
    enums: dict[str, EnumSpec]
    tables: dict[str, TableSpec]
    file: str = "schema.yaml"
    settings: SettingsSpec = field(default_factory=SettingsSpec)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    source: Any = field(default=None, compare=False, repr=False)  # the parsed YAML, for positions
    unmanaged: tuple[UnmanagedSpec, ...] = ()
    sequences: dict[str, SequenceSpec] = field(default_factory=dict)
    domains: dict[str, DomainSpec] = field(default_factory=dict)  # generator.spec.domains
    types: dict[str, TypeSpec] = field(default_factory=dict)  # types: (composite, range)
    views: dict[str, ViewSpec] = field(default_factory=dict)  # generator.spec.views
    functions: dict[str, FunctionSpec] = field(default_factory=dict)  # generator.spec.functions
    aggregates: dict[str, AggregateSpec] = field(default_factory=dict)
    triggers: dict[str, tuple[TriggerSpec, ...]] = field(default_factory=dict)  # relation -> its triggers
    access: AccessSpec = field(default_factory=AccessSpec)  # generator.spec.access: roles, RLS, policies, grants
    schemas: dict[str, SchemaSpec] = field(default_factory=dict)  # generator.spec.namespaces

    def referenced_column(self, ref: ReferenceSpec) -> str | None:
        """The column a reference points at (explicit, or the single primary key)."""
        if ref.column:
            return ref.column
        target = self.tables.get(ref.table)
        if target is None or len(target.primary_key) != 1:
            return None
        return target.primary_key[0]


def build_settings(data: Any) -> SettingsSpec:
    """``settings:`` of a spec's data; defaults for anything missing or malformed (the JSON
    Schema reports a malformed value)."""
    body = data.get("settings") if isinstance(data, dict) else None
    if not isinstance(body, dict):
        return SettingsSpec()
    require = body.get("require_comments", True)
    mode = body.get("naming", naming.CONVENTION)
    return SettingsSpec(
        require_comments=require if isinstance(require, bool) else True,
        naming=mode if mode in (naming.CONVENTION, naming.VERBATIM) else naming.CONVENTION,
    )


def build_spec(data: dict[str, Any], file: str = "schema.yaml") -> Spec:
    settings = build_settings(data)
    in_schemas = declared(data)  # [schema.]name keys: generator.spec.namespaces
    enums = {canonical(key, in_schemas): _enum(key, body, in_schemas) for key, body in (data.get("enums") or {}).items()}
    enum_names = frozenset(enums)
    domains = build_domains(data, enum_names)
    raw_tables = {canonical(key, in_schemas): (key, body) for key, body in (data.get("tables") or {}).items()}
    tables = {
        name: _table(name, body, enum_names, settings, frozenset(domains), key=key)
        for name, (key, body) in raw_tables.items()
    }
    tables = {name: _with_foreign_keys(t, raw_tables[name][1], tables, in_schemas) for name, t in tables.items()}
    functions = canonical_keys(build_functions(data), in_schemas)
    triggers = canonical_triggers(build_triggers(data), in_schemas)
    append_only.expand(tables, functions, triggers)  # append_only: true is a function and two triggers
    return Spec(
        version=data.get("version", 1),
        extensions=tuple(data.get("extensions") or ()),
        enums=enums,
        tables=tables,
        file=file,
        settings=settings,
        raw=data,
        unmanaged=build_unmanaged(data),
        sequences=build_sequences(data),
        domains=canonical_keys(domains, in_schemas),
        types=canonical_keys(build_types(data, enum_names), in_schemas),
        views=canonical_keys(build_views(data, _index), in_schemas),
        functions=functions,
        aggregates=canonical_keys(build_aggregates(data), in_schemas),
        triggers=triggers,
        access=build_access(data),
        schemas=build_schemas(data),
    )


def _pk_of(tables: dict[str, TableSpec], name: str) -> tuple[str, ...]:
    target = tables.get(name)
    return target.primary_key if target is not None else ()


def _with_foreign_keys(table: TableSpec, body: dict[str, Any], tables: dict[str, TableSpec],
                       in_schemas: frozenset[str] = frozenset({"public"})) -> TableSpec:
    """``table`` with ``fks``: its columns' references, then its ``foreign_keys:``, each with
    its referred columns resolved (the referred table's primary key when none are given)."""
    fks: list[ForeignKeySpec] = []
    own_columns = dict(table.columns)
    for col in table.columns.values():
        ref = col.references
        if ref is None:
            continue
        ref_table = canonical(ref.table, in_schemas)
        if ref_table != ref.table:  # public.customers -> customers: the canonical name
            ref = _replace(ref, table=ref_table)  # type: ignore[arg-type]
            own_columns[col.name] = _replace(col, references=ref)
        ref_columns = (ref.column,) if ref.column else _pk_of(tables, ref_table)
        fks.append(ForeignKeySpec(
            table.name, (col.name,), ref_table, ref_columns,
            ref.name or naming.fk_name(table.name, [col.name], ref_table), ref.name is not None,
            ref.on_delete, ref.on_update, column_level=True, path=col.path + ("references",),
        ))
    for i, fk in enumerate(body.get("foreign_keys") or []):
        if not isinstance(fk, dict):
            continue
        refs = fk.get("references") if isinstance(fk.get("references"), dict) else {}
        columns = tuple(c for c in fk.get("columns") or () if isinstance(c, str))
        ref_table = canonical(str(refs.get("table", "")), in_schemas)
        ref_columns = tuple(refs.get("columns") or ()) or _pk_of(tables, ref_table)
        name = fk.get("name")
        fks.append(ForeignKeySpec(
            table.name, columns, ref_table, ref_columns,
            name or naming.fk_name(table.name, list(columns), ref_table), name is not None,
            fk.get("on_delete", "restrict"), fk.get("on_update", "no action"),
            fk.get("deferrable"), bool(fk.get("initially_deferred", False)), fk.get("match"),
            path=table.path + ("foreign_keys", i), not_valid=bool(fk.get("not_valid", False)),
        ))
    return _replace_table(table, fks=tuple(fks), columns=own_columns)


def _replace_table(table: TableSpec, **changes: Any) -> TableSpec:
    from dataclasses import replace

    return replace(table, **changes)


def _enum(key: str, body: dict[str, Any], in_schemas: frozenset[str] = frozenset({"public"})) -> EnumSpec:
    name = canonical(key, in_schemas)
    values: list[str] = []
    renames: list[tuple[str, str]] = []
    for item in body.get("values", []):
        if isinstance(item, dict):
            values.append(item["value"])
            renames.append((item["value"], item["renamed_from"]))
        else:
            values.append(item)
    return EnumSpec(name, tuple(values), body.get("comment", ""), body.get("renamed_from"), tuple(renames), ("enums", key))


def _table(name: str, body: dict[str, Any], enum_names: frozenset[str], settings: SettingsSpec | None = None,
           domain_names: frozenset[str] = frozenset(), key: str | None = None) -> TableSpec:
    settings = settings or SettingsSpec()
    path: Path = ("tables", key if key is not None else name)
    columns = {
        cname: _column(cname, cbody, enum_names, path + ("columns", cname), domain_names)
        for cname, cbody in (body.get("columns") or {}).items()
    }
    pk_body = body.get("primary_key")
    pk_name = None
    pk_options = pk_body if isinstance(pk_body, dict) else {}
    if isinstance(pk_body, dict):  # {name, columns, deferrable, initially_deferred, include}
        pk_name = pk_body.get("name")
        pk_body = pk_body.get("columns")
    pk = tuple(pk_body or [c.name for c in columns.values() if c.primary_key])
    if pk_body:
        columns = {k: _replace(c, nullable=False) if k in pk else c for k, c in columns.items()}
    uniques = [
        UniqueSpec(name, (c.name,), naming.uq_name(name, [c.name]), path=c.path + ("unique",), explicit_name=False)
        for c in columns.values()
        if c.unique
    ]
    for i, u in enumerate(body.get("unique") or []):
        cols = tuple(u["columns"])
        uniques.append(
            UniqueSpec(
                name,
                cols,
                u.get("name") or naming.uq_name(name, cols),
                bool(u.get("nulls_not_distinct", False)),
                path + ("unique", i),
                u.get("name") is not None,
                bool(u.get("deferrable", False)),
                bool(u.get("initially_deferred", False)),
                tuple(u.get("include") or ()),
            )
        )
    indexes = [_index(name, i, ix, path + ("indexes", i), columns) for i, ix in enumerate(body.get("indexes") or [])]
    checks = [
        CheckSpec(name, ck["name"], ck["name"] if settings.verbatim else naming.ck_name(name, ck["name"]), ck["sql"], path + ("checks", i),
                  bool(ck.get("not_valid", False)), bool(ck.get("no_inherit", False)))
        for i, ck in enumerate(body.get("checks") or [])
    ]
    return TableSpec(
        name=name,
        comment=body.get("comment", ""),
        columns=columns,
        primary_key=pk,
        uniques=tuple(uniques),
        indexes=tuple(indexes),
        checks=tuple(checks),
        append_only=bool(body.get("append_only", False)),
        renamed_from=body.get("renamed_from"),
        path=path,
        hash_chain=_hash_chain(body.get("hash_chain"), path + ("hash_chain",)),
        primary_key_name=pk_name or naming.pk_name(name),
        explicit_pk_name=pk_name is not None,
        no_primary_key=isinstance(body.get("primary_key"), list) and not body["primary_key"],
        exclusions=build_exclusions(name, body.get("exclusions"), path),
        pk_deferrable=bool(pk_options.get("deferrable", False)),
        pk_initially_deferred=bool(pk_options.get("initially_deferred", False)),
        pk_include=tuple(pk_options.get("include") or ()),
        partition_by=build_partition_by(body.get("partition_by"), path),
        partitions=build_partitions(name, body.get("partitions"), path),
        inherits=tuple(str(p) for p in body.get("inherits") or ()),
    )


def _hash_chain(body: Any, path: Path) -> HashChainSpec | None:
    if not isinstance(body, dict):
        return None
    return HashChainSpec(tuple(body.get("scope") or ()), str(body.get("prev", "")), str(body.get("hash", "")), path)


def _replace(column: ColumnSpec, **changes: Any) -> ColumnSpec:
    from dataclasses import replace

    return replace(column, **changes)


def _column(name: str, body: dict[str, Any], enum_names: frozenset[str], path: Path,
            domain_names: frozenset[str] = frozenset()) -> ColumnSpec:
    try:
        ctype: ColumnType | None = parse_type(body["type"], enum_names, domain_names)
    except TypeProblem:
        ctype = None
    primary_key = bool(body.get("primary_key", False))
    ref = body.get("references")
    return ColumnSpec(
        name=name,
        type_text=body["type"],
        ctype=ctype,
        comment=body.get("comment", ""),
        nullable=bool(body.get("nullable", not primary_key)),
        primary_key=primary_key,
        unique=bool(body.get("unique", False)),
        default=body.get("default", NO_DEFAULT),
        default_sql=body.get("default_sql"),
        identity=identity_kind(body.get("identity")),
        identity_options=identity_options(body.get("identity")),
        renamed_from=body.get("renamed_from"),
        references=ReferenceSpec(
            ref["table"], ref.get("column"), ref.get("on_delete", "restrict"), ref.get("on_update", "no action"),
            ref.get("name"),
        )
        if ref
        else None,
        path=path,
        generated=build_generated(body.get("generated"), path + ("generated",)),
        collation=body.get("collation"),
    )


def _index(table: str, position: int, body: dict[str, Any], path: Path,
           columns: dict[str, ColumnSpec] | None = None) -> IndexSpec:
    cols: list[IndexColumn] = []
    for text in body["columns"]:
        if isinstance(text, dict):  # the mapping form: {expression|column, opclass, collation, order, nulls}
            cols.append(IndexColumn(**item_fields(text)))
            continue
        if columns is not None and text in columns:  # a column's name, whatever it holds
            cols.append(IndexColumn(text))
            continue
        m = _ORDER_RE.match(text.strip()) or _QUOTED_ORDER_RE.match(text)
        if m is None:  # the JSON Schema pattern already refused it
            cols.append(IndexColumn(text))
            continue
        cols.append(
            IndexColumn(
                m.group(1),
                (m.group(2) or "").lower() == "desc",
                (m.group(3) or "").lower() or None,
            )
        )
    explicit = body.get("name")
    return IndexSpec(
        table=table,
        columns=tuple(cols),
        name=explicit or naming.ix_name(table, [c.name for c in cols]),
        explicit_name=explicit is not None,
        unique=bool(body.get("unique", False)),
        using=body.get("using", "btree"),
        where=body.get("where"),
        path=path,
        include=tuple(body.get("include") or ()),
        with_params=with_params(body),
        nulls_not_distinct=bool(body.get("nulls_not_distinct", False)),
    )
