"""Domains (top-level ``domains:``) and generated columns (``generated:`` on a column).

Pure, like the rest of spec/: the typed values built from YAML data that passed the JSON
Schema, and their semantic checks (``check_domains``, run by ``generator.spec.checks``).

A domain is a named type: a base type (any column type, an enum, another domain, an array),
NOT NULL (``nullable: false``), a default (``default:`` literal or ``default_sql:``), a
collation and named CHECKs over ``VALUE``. Columns use its name as their type, the way they
use an enum's (``generator.spec.types.parse_type`` knows the declared names).

A generated column is ``GENERATED ALWAYS AS (sql) STORED`` (``stored: true``, the default) or
``VIRTUAL`` (``stored: false``, PostgreSQL 18 and later); it has no default and no identity.
Every SQL text here (CHECK, default_sql, generation expression) is one expression
(``generator.spec.sql_fragments``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from generator.spec.source import Path
from generator.spec.types import ColumnType, TypeProblem, check_default, parse_type

if TYPE_CHECKING:
    from generator.errors import Problem
    from generator.spec.source import Source

# generator.spec.model.Spec (which imports this module: named, not imported, here)
Spec = Any

@dataclass(frozen=True)
class DomainCheckSpec:
    name: str  # the constraint's name, exactly
    sql: str  # one expression over VALUE
    path: Path = ()


@dataclass(frozen=True)
class DomainSpec:
    name: str
    type_text: str
    ctype: ColumnType | None  # None when the base type is unknown (reported by the checks)
    nullable: bool = True
    default: Any = None  # a literal, when has_literal_default (None is one: NULL)
    default_sql: str | None = None
    collation: str | None = None
    checks: tuple[DomainCheckSpec, ...] = ()
    comment: str = ""
    path: Path = ()
    has_literal_default: bool = False  # ``default:`` is given (a plain flag: a Spec is pickled)


@dataclass(frozen=True)
class GeneratedSpec:
    sql: str
    stored: bool = True
    path: Path = ()


def build_generated(body: Any, path: Path) -> GeneratedSpec | None:
    if not isinstance(body, dict) or not isinstance(body.get("sql"), str):
        return None
    return GeneratedSpec(body["sql"], bool(body.get("stored", True)), path)


def build_domains(data: Any, enum_names: frozenset[str]) -> dict[str, DomainSpec]:
    """The ``domains:`` of a spec's data, in the order they can be created (a domain over
    another domain after it); malformed entries are left to the JSON Schema."""
    bodies = data.get("domains") if isinstance(data, dict) else None
    if not isinstance(bodies, dict):
        return {}
    names = frozenset(n for n, b in bodies.items() if isinstance(b, dict))
    out: dict[str, DomainSpec] = {}
    for name, body in bodies.items():
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            continue
        path: Path = ("domains", name)
        try:
            ctype: ColumnType | None = parse_type(body["type"], enum_names, names - {name})
        except TypeProblem:
            ctype = None
        checks = tuple(
            DomainCheckSpec(str(ck.get("name", "")), str(ck.get("sql", "")), path + ("checks", i))
            for i, ck in enumerate(body.get("checks") or ()) if isinstance(ck, dict)
        )
        out[name] = DomainSpec(
            name, body["type"], ctype, bool(body.get("nullable", True)), body.get("default"),
            body.get("default_sql"), body.get("collation"), checks, body.get("comment", ""), path,
            "default" in body,
        )
    return {name: out[name] for name in creation_order(out)}


def creation_order(domains: dict[str, DomainSpec]) -> list[str]:
    """Domain names, each after the domain it is based on (declared order otherwise); a cycle
    (reported by the checks) keeps the declared order."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order or name in visiting:
            return
        visiting.add(name)
        d = domains[name]
        if d.ctype is not None and d.ctype.domain and d.ctype.base in domains:
            visit(d.ctype.base)
        visiting.discard(name)
        order.append(name)

    for name in domains:
        visit(name)
    return order


def root_type(spec: Spec, ctype: ColumnType) -> ColumnType | None:
    """The type under a domain (through domains over domains), with the column's array flag;
    ``ctype`` itself when it is no domain; None when a domain in the chain is unknown."""
    seen: set[str] = set()
    array = ctype.array
    while ctype.domain:
        if ctype.base in seen:
            return None
        seen.add(ctype.base)
        d = spec.domains.get(ctype.base)
        if d is None or d.ctype is None:
            return None
        array = array or d.ctype.array
        ctype = d.ctype
    return replace(ctype, array=array)


def check_domains(spec: Spec, source: Source) -> Iterator[Problem]:
    """Domains: base types known and acyclic, names free, defaults fitting, CHECK names unique;
    generated columns: no default or identity alongside, a base type a column may have."""
    from generator.spec.naming import MAX_IDENTIFIER_BYTES
    from generator.spec.types import EXTENSION_TYPES

    enum_names = frozenset(spec.enums)
    for d in spec.domains.values():
        where = f"domain {d.name}"
        if d.name in spec.enums or d.name in spec.tables:
            yield source.problem(d.path, f"{where}: an enum or table has the same name", key=True)
        if d.ctype is None:
            try:
                parse_type(d.type_text, enum_names, frozenset(spec.domains) - {d.name})
            except TypeProblem as exc:
                yield source.problem(d.path + ("type",), f"{where}: {exc}")
            continue
        if d.ctype.opaque and (d.ctype.opaque_name or d.ctype.base) == d.name:  # type: its own name
            yield source.problem(d.path + ("type",), f"{where}: its base type is a domain based on itself")
            continue
        root = root_type(spec, d.ctype)
        if root is None:
            if _in_cycle(spec, d.name):
                yield source.problem(d.path + ("type",), f"{where}: its base type is a domain based on itself")
            continue  # else a domain it is based on has an unknown type, reported there
        ext = EXTENSION_TYPES.get(root.base)
        if ext and ext not in spec.extensions:
            yield source.problem(d.path + ("type",), f"{where}: type {root.base} needs extension {ext!r}; add it under extensions")
        if d.has_literal_default:
            enum = spec.enums.get(root.base) if root.enum else None
            try:
                check_default(root, d.default, list(enum.values) if enum else None)
            except TypeProblem as exc:
                yield source.problem(d.path + ("default",), f"{where}: {exc}")
        seen: set[str] = set()
        for ck in d.checks:
            if ck.name in seen:
                yield source.problem(ck.path + ("name",), f"{where}: two checks are named {ck.name}")
            seen.add(ck.name)
            if len(ck.name.encode()) > MAX_IDENTIFIER_BYTES:
                yield source.problem(ck.path + ("name",), f"{where}: check name {ck.name} is longer than 63 bytes")
    for table in spec.tables.values():
        bodies = (source.data.get("tables") or {}).get(table.name) or {}
        for col in table.columns.values():
            where = f"{table.name}.{col.name}"
            literal = "default" in ((bodies.get("columns") or {}).get(col.name) or {})
            if col.ctype is not None and col.ctype.domain and literal:
                root = root_type(spec, col.ctype)
                if root is not None:
                    enum = spec.enums.get(root.base) if root.enum else None
                    try:
                        check_default(root, col.default, list(enum.values) if enum else None)
                    except TypeProblem as exc:
                        yield source.problem(col.path + ("default",), f"{where}: {exc}")
            if col.generated is None:
                continue
            if literal or col.default_sql is not None:
                yield source.problem(col.generated.path, f"{where}: a generated column cannot also have a default")
            if col.identity is not None:
                yield source.problem(col.generated.path, f"{where}: a generated column cannot also be an identity")


def _in_cycle(spec: Spec, name: str) -> bool:
    seen: set[str] = set()
    current = spec.domains.get(name)
    while current is not None and current.ctype is not None and current.ctype.domain:
        if current.ctype.base == name:
            return True
        if current.ctype.base in seen:
            return False
        seen.add(current.ctype.base)
        current = spec.domains.get(current.ctype.base)
    return False


def fragments(spec: Spec) -> list[tuple[str, tuple, str, str, str]]:
    """The SQL fragments of domains and generated columns: (text, kind, path, what, table)."""
    out: list[tuple[str, tuple, str, str, str]] = []
    for d in spec.domains.values():
        if d.default_sql is not None:
            out.append((d.default_sql, "default", d.path + ("default_sql",), f"default_sql of domain {d.name}", ""))
        for ck in d.checks:
            out.append((ck.sql, "domain_check", ck.path + ("sql",), f"check {ck.name} on domain {d.name}", ""))
    for table in spec.tables.values():
        for col in table.columns.values():
            if col.generated is not None:
                out.append((col.generated.sql, "generated", col.generated.path + ("sql",),
                            f"generated expression of {table.name}.{col.name}", table.name))
    return out


def virtual_columns(spec: Spec) -> list[tuple[str, str, Path]]:
    """(table, column, path) of every VIRTUAL generated column (PostgreSQL 18 and later)."""
    return [
        (table.name, col.name, col.generated.path)
        for table in spec.tables.values() for col in table.columns.values()
        if col.generated is not None and not col.generated.stored
    ]
