"""``import`` of what issue 16 added to the spec: any type by name, composite and range types
(``types:``), and column collations. Each is written only when the spec reads it back as
the same thing (the round trip in ``generator.adopt.verify`` proves it)."""

from __future__ import annotations

from typing import Any

from generator.adopt.yamltext import Block
from generator.spec.types import TypeProblem, parse_type

# type kinds written by name (typtype): base, range, multirange, composite
_BY_NAME = ("b", "r", "m", "c")
_SCHEMAS = ("pg_catalog", "public")


def type_by_name(formatted: str, kind: str | None, schema: str | None, enum_names: set[str]) -> str | None:
    """``format_type``'s text as the spec's type when the spec reads it as one type name
    (``generator.spec.opaque_types``), else None (a domain, a type of another schema, ...)."""
    if kind not in _BY_NAME or schema not in _SCHEMAS:
        return None
    try:
        parse_type(formatted, frozenset(enum_names))
    except TypeProblem:
        return None
    return formatted


def _collation(name: str | None, schema: str | None) -> tuple[str | None, str]:
    """(the collation for the spec, why it cannot be written or '')."""
    if name is None:
        return None, ""
    if schema != "pg_catalog":
        return None, f"collation {schema}.{name} is not in pg_catalog"
    return name, ""


def type_body(qualified_name: str, kind: str, comment: str | None, db: Any, enum_names: set[str]) -> tuple[Any, str]:
    """The ``types:`` entry of a composite or range type, or (None, why not)."""
    body: dict[str, Any] = {}
    if comment:
        body["comment"] = comment
    if kind == "c":
        attrs: dict[str, Any] = {}
        for a in db.composites.get(qualified_name, []):
            text = type_by_name(a.formatted, a.kind, a.type_schema, enum_names) if a.kind != "e" else (
                a.formatted if a.type_schema == "public" and a.formatted in enum_names else None)
            if text is None:
                return None, f"attribute {a.name}: type {a.formatted} is not in the spec's vocabulary"
            collation, why = _collation(a.collation, a.collation_schema)
            if why:
                return None, f"attribute {a.name}: {why}"
            item: dict[str, Any] = {"type": text}
            if collation:
                item["collation"] = collation
            attrs[a.name] = item
        if not attrs:
            return None, "a composite type without attributes is not in the spec"
        body["composite"] = Block(attrs)
        return Block(body), ""
    r = db.ranges.get(qualified_name)
    if r is None:
        return None, "not read"
    subtype = type_by_name(r.subtype, r.subtype_kind, r.subtype_schema, enum_names) if r.subtype_kind != "e" else (
        r.subtype if r.subtype_schema == "public" and r.subtype in enum_names else None)
    if subtype is None:
        return None, f"subtype {r.subtype} is not in the spec's vocabulary"
    if r.canonical:
        return None, "a canonical function is not in the spec"
    name = qualified_name.split(".", 1)[1]
    default_multi = name.replace("range", "multirange", 1) if "range" in name else name + "_multirange"
    if r.multirange != default_multi or r.multirange_schema != qualified_name.split(".", 1)[0]:
        return None, f"multirange type name {r.multirange} is not the default"
    rng: dict[str, Any] = {"subtype": subtype}
    collation, why = _collation(r.collation, r.collation_schema)
    if why:
        return None, why
    if collation:
        rng["collation"] = collation
    if r.opclass:
        if r.opclass_schema != "pg_catalog":
            return None, f"operator class {r.opclass_schema}.{r.opclass} is not in pg_catalog"
        rng["subtype_opclass"] = r.opclass
    if r.subtype_diff:
        if not _plain(r.subtype_diff):
            return None, f"subtype_diff {r.subtype_diff} is not a plain name"
        rng["subtype_diff"] = r.subtype_diff
    body["range"] = rng
    return Block(body), ""


def _plain(name: str) -> bool:
    import re

    return bool(re.fullmatch(r"[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)?", name))
