"""The spec as typed, immutable values, built from YAML data that passed the JSON Schema.

Building is tolerant: anything semantically wrong (an unknown type, a missing table) is kept
as written and reported by ``generator.spec.checks``; nothing here raises on bad content.
Every object keeps the JSON path it came from, so problems point at file:line:column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from generator.spec import naming
from generator.spec.source import Path
from generator.spec.types import ColumnType, TypeProblem, parse_type


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


@dataclass(frozen=True)
class EnumSpec:
    name: str
    values: tuple[str, ...]
    comment: str
    renamed_from: str | None = None
    value_renames: tuple[tuple[str, str], ...] = ()  # (new value, old value)
    path: Path = ()


@dataclass(frozen=True)
class ReferenceSpec:
    table: str
    column: str | None  # None: the referred table's single primary-key column
    on_delete: str = "restrict"
    on_update: str = "no action"


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

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT or self.default_sql is not None or self.identity is not None


@dataclass(frozen=True)
class IndexColumn:
    name: str
    descending: bool = False
    nulls: str | None = None  # "first" | "last"


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


@dataclass(frozen=True)
class CheckSpec:
    table: str
    short_name: str
    name: str
    sql: str
    path: Path = ()


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

    def foreign_keys(self) -> list[tuple[ColumnSpec, ReferenceSpec]]:
        return [(c, c.references) for c in self.columns.values() if c.references is not None]


@dataclass(frozen=True)
class Spec:
    version: int
    extensions: tuple[str, ...]
    enums: dict[str, EnumSpec]
    tables: dict[str, TableSpec]
    file: str = "schema.yaml"
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    source: Any = field(default=None, compare=False, repr=False)  # the parsed YAML, for positions

    def referenced_column(self, ref: ReferenceSpec) -> str | None:
        """The column a reference points at (explicit, or the single primary key)."""
        if ref.column:
            return ref.column
        target = self.tables.get(ref.table)
        if target is None or len(target.primary_key) != 1:
            return None
        return target.primary_key[0]


def build_spec(data: dict[str, Any], file: str = "schema.yaml") -> Spec:
    enums = {name: _enum(name, body) for name, body in (data.get("enums") or {}).items()}
    enum_names = frozenset(enums)
    tables = {
        name: _table(name, body, enum_names) for name, body in (data.get("tables") or {}).items()
    }
    return Spec(
        version=data.get("version", 1),
        extensions=tuple(data.get("extensions") or ()),
        enums=enums,
        tables=tables,
        file=file,
        raw=data,
    )


def _enum(name: str, body: dict[str, Any]) -> EnumSpec:
    values: list[str] = []
    renames: list[tuple[str, str]] = []
    for item in body.get("values", []):
        if isinstance(item, dict):
            values.append(item["value"])
            renames.append((item["value"], item["renamed_from"]))
        else:
            values.append(item)
    return EnumSpec(name, tuple(values), body.get("comment", ""), body.get("renamed_from"), tuple(renames), ("enums", name))


def _table(name: str, body: dict[str, Any], enum_names: frozenset[str]) -> TableSpec:
    path: Path = ("tables", name)
    columns = {
        cname: _column(cname, cbody, enum_names, path + ("columns", cname))
        for cname, cbody in (body.get("columns") or {}).items()
    }
    pk = tuple(body.get("primary_key") or [c.name for c in columns.values() if c.primary_key])
    if body.get("primary_key"):
        columns = {k: _replace(c, nullable=False) if k in pk else c for k, c in columns.items()}
    uniques = [
        UniqueSpec(name, (c.name,), naming.uq_name(name, [c.name]), path=c.path + ("unique",))
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
            )
        )
    indexes = [_index(name, i, ix, path + ("indexes", i)) for i, ix in enumerate(body.get("indexes") or [])]
    checks = [
        CheckSpec(name, ck["name"], naming.ck_name(name, ck["name"]), ck["sql"], path + ("checks", i))
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
    )


def _hash_chain(body: Any, path: Path) -> HashChainSpec | None:
    if not isinstance(body, dict):
        return None
    return HashChainSpec(tuple(body.get("scope") or ()), str(body.get("prev", "")), str(body.get("hash", "")), path)


def _replace(column: ColumnSpec, **changes: Any) -> ColumnSpec:
    from dataclasses import replace

    return replace(column, **changes)


def _column(name: str, body: dict[str, Any], enum_names: frozenset[str], path: Path) -> ColumnSpec:
    try:
        ctype: ColumnType | None = parse_type(body["type"], enum_names)
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
        identity=body.get("identity"),
        renamed_from=body.get("renamed_from"),
        references=ReferenceSpec(
            ref["table"], ref.get("column"), ref.get("on_delete", "restrict"), ref.get("on_update", "no action")
        )
        if ref
        else None,
        path=path,
    )


def _index(table: str, position: int, body: dict[str, Any], path: Path) -> IndexSpec:
    cols: list[IndexColumn] = []
    for text in body["columns"]:
        m = _ORDER_RE.match(text.strip())
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
    )
