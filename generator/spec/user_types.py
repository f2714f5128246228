"""``types:``: user-defined composite and range types (issue 16), and column collations.

A composite type lists its attributes in order (each a column type, optionally with a
collation); a range type names its subtype and, optionally, ``subtype_diff``,
``subtype_opclass`` and ``collation``. Pure: the model, its semantic checks and its DDL text.
Every name is double-quoted in the DDL (``naming.quote_ident``); a type goes through the
same parse as a column's (``generator.spec.types.parse_type``: known, or exactly one
PostgreSQL type name), so no text of the spec is pasted into a statement as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator import qualnames
from generator.spec import naming
from generator.spec.source import Path
from generator.spec.types import ColumnType, TypeProblem, parse_type

# A function or operator class name: bare (float8mi) or schema-qualified (pg_catalog.float8mi).
_NAME = re.compile(r"[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)?\Z", re.A)
# types whose values have a collation (and arrays of them); others refuse collation: at validate
COLLATABLE = {"text", "varchar", "char", "citext"}


@dataclass(frozen=True)
class AttributeSpec:
    name: str
    type_text: str
    ctype: ColumnType | None  # None when the type is refused (reported by the checks)
    collation: str | None = None
    path: Path = ()


@dataclass(frozen=True)
class TypeSpec:
    name: str
    kind: str  # "composite" | "range"
    comment: str = ""
    attributes: tuple[AttributeSpec, ...] = ()
    subtype: AttributeSpec | None = None  # range: the subtype (and its collation)
    subtype_diff: str | None = None
    subtype_opclass: str | None = None
    path: Path = ()


def build_types(data: Any, enum_names: frozenset[str]) -> dict[str, TypeSpec]:
    """The ``types:`` of a spec's data; malformed entries are left out (the JSON Schema
    reports them)."""
    body = data.get("types") if isinstance(data, dict) else None
    if not isinstance(body, dict):
        return {}
    out: dict[str, TypeSpec] = {}
    for name, item in body.items():
        if not isinstance(item, dict):
            continue
        path: Path = ("types", name)
        comment = item.get("comment") if isinstance(item.get("comment"), str) else ""
        if isinstance(item.get("composite"), dict):
            attrs = tuple(
                _attribute(attr, spec.get("type"), spec.get("collation"), enum_names, path + ("composite", attr))
                for attr, spec in item["composite"].items() if isinstance(spec, dict)
            )
            out[name] = TypeSpec(name, "composite", comment, attrs, path=path)
        elif isinstance(item.get("range"), dict):
            rng = item["range"]
            subtype = _attribute("subtype", rng.get("subtype"), rng.get("collation"), enum_names, path + ("range", "subtype"))
            out[name] = TypeSpec(name, "range", comment, subtype=subtype, subtype_diff=rng.get("subtype_diff"),
                                 subtype_opclass=rng.get("subtype_opclass"), path=path)
    return out


def _attribute(name: str, text: Any, collation: Any, enum_names: frozenset[str], path: Path) -> AttributeSpec:
    try:
        ctype: ColumnType | None = parse_type(text, enum_names)
    except TypeProblem:
        ctype = None
    return AttributeSpec(name, text if isinstance(text, str) else "", ctype,
                         collation if isinstance(collation, str) else None, path)


def check_types(types: dict[str, TypeSpec], enum_names: frozenset[str], table_names: set[str], source: Any) -> Iterator[Any]:
    """Semantic problems of ``types:``: each attribute's type and collation, the range's
    options, and names taken by an enum or a table (their row types)."""
    for t in types.values():
        if t.name in enum_names or t.name in table_names:
            what = "an enum" if t.name in enum_names else "a table (whose row type has the name)"
            yield source.problem(t.path, f"type {t.name}: {what} has the same name", key=True)
        for attr in t.attributes + ((t.subtype,) if t.subtype else ()):
            where = f"type {t.name}" + (f" attribute {attr.name}" if t.kind == "composite" else " subtype")
            type_path = attr.path + (("type",) if t.kind == "composite" else ())
            if attr.ctype is None:
                try:
                    parse_type(attr.type_text, enum_names)
                except TypeProblem as exc:
                    yield source.problem(type_path, f"{where}: {exc}")
                continue
            if attr.ctype.opaque and attr.ctype.opaque_name == t.name:
                yield source.problem(type_path, f"{where}: a type cannot contain itself")
            problem = collation_problem(attr.ctype, attr.collation)
            if problem:
                collation_path = attr.path + ("collation",) if t.kind == "composite" else t.path + ("range", "collation")
                yield source.problem(collation_path, f"{where}: {problem}")
        for key in ("subtype_diff", "subtype_opclass"):
            value = getattr(t, key)
            if value is not None and not _NAME.match(value):
                yield source.problem(t.path + ("range", key), f"type {t.name}: {key} {value!r} is not a name (name or schema.name, lower case)")


def collation_problem(ctype: ColumnType | None, collation: str | None) -> str:
    """Why ``collation`` cannot go with ``ctype`` ('' when it can, or PostgreSQL judges)."""
    if collation is None or ctype is None:
        return ""
    if not collation or len(collation.encode()) > naming.MAX_IDENTIFIER_BYTES:
        return f"collation {collation!r} must be 1 to 63 bytes"
    if ctype.enum or (not ctype.opaque and ctype.base not in COLLATABLE):
        return f"type {ctype.sql()} has no collation; collation: applies to text types"
    return ""


def collate_sql(collation: str | None) -> str:
    """`` COLLATE "C"`` (the name quoted as an identifier), or ''."""
    return f" COLLATE {naming.quote_ident(collation)}" if collation else ""


def qualified_name(text: str) -> str:
    """``pg_catalog.float8mi`` quoted part by part."""
    return ".".join(naming.quote_ident(part) for part in text.split("."))


def create_type_sql(t: TypeSpec) -> str:
    """CREATE TYPE for one entry of ``types:`` (its types already checked)."""
    q = naming.quote_ident
    if t.kind == "composite":
        attrs = ", ".join(f"{q(a.name)} {a.ctype.sql() if a.ctype else a.type_text}{collate_sql(a.collation)}" for a in t.attributes)
        return f"CREATE TYPE {qualnames.ref(t.name)} AS ({attrs})"
    assert t.subtype is not None and t.subtype.ctype is not None
    options = [f"SUBTYPE = {t.subtype.ctype.sql()}"]
    if t.subtype_opclass:
        options.append(f"SUBTYPE_OPCLASS = {qualified_name(t.subtype_opclass)}")
    if t.subtype.collation:
        options.append(f"COLLATION = {q(t.subtype.collation)}")
    if t.subtype_diff:
        options.append(f"SUBTYPE_DIFF = {qualified_name(t.subtype_diff)}")
    return f"CREATE TYPE {qualnames.ref(t.name)} AS RANGE ({', '.join(options)})"


def type_comment_sql(t: TypeSpec) -> str | None:
    from generator.spec.types import quote_literal

    return f"COMMENT ON TYPE {qualnames.ref(t.name)} IS {quote_literal(t.comment)}" if t.comment else None


def types_in_order(types: dict[str, TypeSpec]) -> list[TypeSpec]:
    """Types that others use first (a composite with a range attribute), else spec order."""
    placed: list[TypeSpec] = []
    seen: set[str] = set()

    def visit(t: TypeSpec, stack: tuple[str, ...]) -> None:
        if t.name in seen or t.name in stack:
            return
        for attr in t.attributes + ((t.subtype,) if t.subtype else ()):
            used = attr.ctype.opaque_name if attr.ctype is not None and attr.ctype.opaque else None
            if used in types:
                visit(types[used], stack + (t.name,))
        seen.add(t.name)
        placed.append(t)

    for t in types.values():
        visit(t, ())
    return placed


def check_columns(spec: Any, source: Any) -> Iterator[Any]:
    """Per column of an opaque type or with a collation: the extension its type needs, a near
    miss of a declared type's name, and whether the type takes a collation."""
    import difflib

    from generator.spec.opaque_types import EXTENSION_TYPE_NAMES
    from generator.spec.types import BUILTIN_TYPE_NAMES

    declared = sorted(spec.types)
    for table in spec.tables.values():
        for col in table.columns.values():
            where = f"{table.name}.{col.name}"
            ctype = col.ctype
            if ctype is not None and ctype.opaque:
                ext = EXTENSION_TYPE_NAMES.get(ctype.opaque_name)
                if ext and ext not in spec.extensions:
                    yield source.problem(col.path + ("type",), f"{where}: type {ctype.opaque_name} needs extension {ext!r}; add it under extensions")
                elif ctype.opaque_name not in spec.types and ctype.opaque_name not in BUILTIN_TYPE_NAMES and not ext:
                    close = difflib.get_close_matches(ctype.opaque_name, declared, n=1, cutoff=0.75)
                    if close:
                        yield source.problem(col.path + ("type",), f"{where}: unknown type {col.type_text!r} (did you mean {close[0]!r}?)")
                    elif _surely_unknown(ctype, spec.extensions):
                        yield source.problem(col.path + ("type",), f"{where}: unknown type {col.type_text!r}: not a PostgreSQL "
                                             "type, nor declared under enums, domains or types, nor a type of a listed "
                                             "extension (a type of another extension: list it under extensions)")
            problem = collation_problem(ctype, col.collation)
            if problem:
                yield source.problem(col.path + ("collation",), f"{where}: {problem}")


# Extensions known to add no column types: with only these (and those of
# generator.spec.opaque_types.EXTENSION_TYPE_NAMES) listed, a type name that is neither built
# in nor declared cannot exist, and validate says so; any other extension may add types, and
# then PostgreSQL judges the name when the spec is built.
TYPELESS_EXTENSIONS = frozenset({
    "pgcrypto", "uuid-ossp", "pg_trgm", "btree_gist", "btree_gin", "pg_stat_statements", "unaccent",
    "fuzzystrmatch", "tablefunc", "plpgsql", "tsm_system_rows", "tsm_system_time",
    "bloom",
})
# Extensions whose every type generator.spec.opaque_types.EXTENSION_TYPE_NAMES lists (postgis
# has more than it names, earthdistance adds ``earth``: with those, PostgreSQL judges).
_FULLY_KNOWN = frozenset({"citext", "hstore", "ltree", "vector", "cube", "seg", "isn"})


def _surely_unknown(ctype: Any, extensions: Any) -> bool:
    """True when ``ctype`` (opaque, unqualified, not declared, not built in) cannot name a type
    of the database the spec builds: every extension listed is one whose types are known."""
    if "." in ctype.base or ctype.opaque_name.startswith("pg_"):  # another schema's; pg_lsn, pg_snapshot, ...
        return False
    known = TYPELESS_EXTENSIONS | _FULLY_KNOWN
    return all(e in known for e in extensions)
