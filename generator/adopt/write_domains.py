"""Domains of a database as the spec's ``domains:`` (``schemactl import``).

A domain of the public schema is written when the spec can say all of it: a base type the
spec has a word for (a built-in type, an enum, another written domain, an array of one), NOT
NULL, a default, a collation of pg_catalog, and CHECKs that are validated and carry no comment.
Anything else makes the domain ``Unsupported`` (and with it, through ``column_type``, every
table with a column of it). A domain's privileges are listed as a grant, the domain kept.
"""

from __future__ import annotations

from typing import Any

from generator.adopt.yamltext import Block
from generator.pg.introspect import Database
from generator.pg.introspect_domains import DomainInfo


def plan_domains(db: Database, plan: Any, enum_names: set[str], ext_names: set[str]) -> tuple[dict[str, Any], set[str]]:
    """The ``domains:`` block (by name) and the names written; the others are added to
    ``plan.unsupported`` and ``plan.skipped_types``."""
    from generator.adopt.writer import Unsupported

    public = {d.name: d for d in db.domains if d.schema == "public" and not d.extension}
    accepted = set(public)
    reasons: dict[str, str] = {}
    changed = True
    while changed:  # a domain over a refused domain is refused too
        changed = False
        for name in sorted(accepted):
            reason = _problem(public[name], enum_names | accepted, ext_names)
            if reason:
                accepted.discard(name)
                reasons[name] = reason
                changed = True
    out: dict[str, Any] = {}
    for name in sorted(public):
        d = public[name]
        if name not in accepted:
            plan.skipped_types.add(name)
            plan.unsupported.append(Unsupported("domain", f"public.{name}", reasons[name]))
            continue
        out[name] = Block(_body(d, enum_names | accepted, ext_names, enum_names))
        if d.acl:
            plan.unsupported.append(Unsupported("grant", f"DOMAIN public.{name}", "privileges are not in the spec"))
            plan.skipped_grants.add(name)
    return out, accepted


def _type(d: DomainInfo, names: set[str], ext_names: set[str]) -> str | None:
    from generator.adopt.writer import _base_type

    if d.element_name is not None:
        inner = _base_type(d.element_name, d.element_schema or "", d.element_kind or "", d.typmod, names, ext_names)
        return None if inner is None else inner + "[]"
    return _base_type(d.type_name, d.type_schema, d.type_kind, d.typmod, names, ext_names)


def _problem(d: DomainInfo, names: set[str], ext_names: set[str]) -> str:
    if _type(d, names, ext_names) is None:
        return f"base type {d.formatted} is not in the spec's vocabulary"
    if d.collation is not None and d.collation_schema != "pg_catalog":
        return f"collation {d.collation_schema}.{d.collation} is not one of pg_catalog's"
    for name, definition, validated in d.checks:
        if not validated or _check_sql(definition) is None:
            return f"check {name} ({definition}): NOT VALID domain checks are not in the spec"
    if d.check_comments:
        return "comments on domain checks are not in the spec"
    return ""


def _check_sql(definition: str) -> str | None:
    from generator.adopt.writer import _check_sql as check_sql

    return check_sql(definition)


def _body(d: DomainInfo, names: set[str], ext_names: set[str], enum_names: set[str]) -> dict[str, Any]:
    from generator.adopt.writer import _literal_default

    type_text = _type(d, names, ext_names)
    assert type_text is not None
    body: dict[str, Any] = {"type": type_text}
    if d.not_null:
        body["nullable"] = False
    if d.default is not None:
        body.update(_literal_default(d.default, type_text, enum_names) or {"default_sql": d.default})
    if d.collation is not None:
        body["collation"] = d.collation
    if d.checks:
        body["checks"] = [{"name": name, "sql": _check_sql(definition)} for name, definition, _v in d.checks]
    if d.comment:
        body["comment"] = d.comment
    return body


def generated(c: Any) -> dict[str, Any]:
    """A generated column's ``generated:`` (its pg_attrdef row is the expression)."""
    return {"sql": c.default, "stored": c.generated == "s"}
