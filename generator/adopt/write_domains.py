"""Domains of a database as the spec's ``domains:`` (``schemactl import``).

A domain of the public schema is written when the spec can say all of it: a base type the
spec has a word for (a built-in type, an enum, another written domain, an array of one), NOT
NULL, a default, a collation of pg_catalog, and CHECKs that are validated and carry no comment.
Anything else makes the domain ``Unsupported`` (and with it, through ``column_type``, every
table with a column of it). A domain's privileges are listed as a grant, the domain kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.adopt.write_types import type_by_name
from generator.adopt.yamltext import Block
from generator.pg.introspect import Database
from generator.pg.introspect_domains import DomainInfo


@dataclass(frozen=True)
class Words:
    """The writer's own helpers (generator.adopt.writer passes them: no import cycle)."""

    base_type: Callable[..., str | None]  # (typname, schema, typtype, typmod, type names, extensions)
    check_sql: Callable[[str], str | None]  # pg_get_constraintdef -> the CHECK's expression
    literal_default: Callable[[str, str, set[str]], dict[str, Any] | None]


@dataclass
class DomainPlan:
    domains: dict[str, Any]  # name -> body, by name
    names: set[str]  # the domains written
    refused: list[tuple[str, str]]  # (name, why)
    grants: list[str]  # written domains that have privileges


def plan_domains(db: Database, words: Words, enum_names: set[str], ext_names: set[str]) -> DomainPlan:
    """The ``domains:`` block, the names written, and the domains refused (with why)."""
    public = {d.name: d for d in db.domains if d.schema == "public" and not d.extension}
    accepted = set(public)
    reasons: dict[str, str] = {}
    changed = True
    while changed:  # a domain over a refused domain is refused too
        changed = False
        for name in sorted(accepted):
            reason = _problem(public[name], words, enum_names | accepted, ext_names)
            if reason:
                accepted.discard(name)
                reasons[name] = reason
                changed = True
    plan = DomainPlan({}, accepted, [], [])
    for name in sorted(public):
        d = public[name]
        if name not in accepted:
            plan.refused.append((name, reasons[name]))
            continue
        plan.domains[name] = Block(_body(d, words, enum_names | accepted, ext_names, enum_names))
        if d.acl:
            plan.grants.append(name)
    return plan


def _type(d: DomainInfo, words: Words, names: set[str], ext_names: set[str]) -> str | None:
    """As a column's type (generator.adopt.writer.column_type): a word of the spec, else any
    type by name (a composite or range type of ``types:``, an extension's type, ...)."""
    if d.element_name is not None:
        inner = words.base_type(d.element_name, d.element_schema or "", d.element_kind or "", d.typmod, names, ext_names)
        if inner is None:
            return type_by_name(d.formatted, d.element_kind, d.element_schema, names)
        return inner + "[]"
    found = words.base_type(d.type_name, d.type_schema, d.type_kind, d.typmod, names, ext_names)
    return found if found is not None else type_by_name(d.formatted, d.type_kind, d.type_schema, names)


def _problem(d: DomainInfo, words: Words, names: set[str], ext_names: set[str]) -> str:
    if _type(d, words, names, ext_names) is None:
        return f"base type {d.formatted} is not in the spec's vocabulary"
    if d.collation is not None and d.collation_schema != "pg_catalog":
        return f"collation {d.collation_schema}.{d.collation} is not one of pg_catalog's"
    for name, definition, validated in d.checks:
        if not validated or words.check_sql(definition) is None:
            return f"check {name} ({definition}): NOT VALID domain checks are not in the spec"
    if d.check_comments:
        return "comments on domain checks are not in the spec"
    return ""


def _body(d: DomainInfo, words: Words, names: set[str], ext_names: set[str], enum_names: set[str]) -> dict[str, Any]:
    type_text = _type(d, words, names, ext_names)
    assert type_text is not None
    body: dict[str, Any] = {"type": type_text}
    if d.not_null:
        body["nullable"] = False
    if d.default is not None:
        body.update(words.literal_default(d.default, type_text, enum_names) or {"default_sql": d.default})
    if d.collation is not None:
        body["collation"] = d.collation
    if d.checks:
        body["checks"] = [{"name": name, "sql": words.check_sql(definition)} for name, definition, _v in d.checks]
    if d.comment:
        body["comment"] = d.comment
    return body


def generated(c: Any) -> dict[str, Any]:
    """A generated column's ``generated:`` (its pg_attrdef row is the expression)."""
    return {"sql": c.default, "stored": c.generated == "s"}
