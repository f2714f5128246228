"""Index and constraint forms beyond plain column lists (issue 16, items 6 and 7).

The spec's mapping form of an index item (``{expression|column, opclass, opclass_params,
collation, order, nulls}``), exclusion constraints (``exclusions:``) and the validators of
the names and values that are pasted into DDL: an operator class, a collation, an operator
of an exclusion element and storage parameters are never taken as SQL text; each must be a
(possibly schema-qualified) identifier, an operator made of operator characters, or a plain
literal. Expressions go through ``generator.spec.sql_fragments`` (the single-expression rule).

Pure: knows no SQLAlchemy and no database; ``generator.spec.model`` builds from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# An unquoted-style name as pg_catalog prints it: letters, digits, _ and $; optionally one
# schema qualifier. Anything else (quotes, spaces, parentheses) is refused, so the name can
# be quoted part by part and never change the statement around it.
_NAME = r"[A-Za-z_][A-Za-z0-9_$]*"
_PART = r"[A-Za-z0-9_$][A-Za-z0-9_$-]*"  # ICU collations: "und-x-icu"
QUALIFIED_NAME = re.compile(rf"^{_PART}(?:\.{_PART})?\Z")
# PostgreSQL's operator characters (scan.l "op_chars"), optionally schema-qualified.
OPERATOR = re.compile(rf"^(?:({_NAME})\.)?([-+*/<>=~!@#%^&|`?]{{1,63}})\Z")
STORAGE_NAME = re.compile(r"^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?\Z")
STORAGE_VALUE = re.compile(r"^[A-Za-z0-9_.+-]{1,63}\Z")


def operator_problem(text: object) -> str | None:
    """Why ``text`` is not an operator name (``=``, ``&&``, ``public.&&``), or None."""
    if not isinstance(text, str):
        return "an operator must be text"
    m = OPERATOR.match(text)
    if m is None:
        return f"operator {text!r} is not an operator name (operator characters such as = or &&, optionally schema-qualified)"
    if "--" in m.group(2) or "/*" in m.group(2):
        return f"operator {text!r} holds a comment start (-- or /*)"
    return None


def name_problem(text: object, what: str) -> str | None:
    """Why ``text`` is not a (possibly schema-qualified) name of an operator class or collation."""
    if not isinstance(text, str) or QUALIFIED_NAME.match(text) is None:
        return f"{what} {text!r} is not a name (letters, digits, _, $ and -, optionally schema-qualified)"
    return None


def storage_problems(params: object, what: str) -> list[str]:
    """Why the storage parameters (``with:``) or operator-class parameters are not usable."""
    if not isinstance(params, dict):
        return []  # the JSON Schema reports the type
    out = []
    for key, value in params.items():
        if not isinstance(key, str) or STORAGE_NAME.match(key) is None:
            out.append(f"{what}: parameter name {key!r} is not a lower-case name")
        elif not isinstance(value, (str, int, float)) or STORAGE_VALUE.match(storage_value(value)) is None:
            out.append(f"{what}: value of {key} must be a number, true/false or a word ({value!r})")
    return out


def storage_value(value: object) -> str:
    """A storage parameter value as PostgreSQL stores it in reloptions (``fillfactor=70``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class ExclusionElement:
    column: str | None  # one of column / expression
    expression: str | None
    operator: str
    opclass: str | None = None
    collation: str | None = None
    descending: bool = False
    nulls: str | None = None


@dataclass(frozen=True)
class ExclusionSpec:
    table: str
    name: str
    using: str
    elements: tuple[ExclusionElement, ...]
    where: str | None = None
    include: tuple[str, ...] = ()
    with_params: tuple[tuple[str, str], ...] = ()
    deferrable: bool = False
    initially_deferred: bool = False
    path: tuple = ()


def item_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The ``IndexColumn`` fields of an index item's mapping form."""
    params = body.get("opclass_params")
    return {
        "name": str(body.get("column") or ""),
        "expression": body.get("expression"),
        "opclass": body.get("opclass"),
        "opclass_params": tuple((str(k), storage_value(v)) for k, v in params.items()) if isinstance(params, dict) else (),
        "collation": body.get("collation"),
        "descending": body.get("order") == "desc",
        "nulls": body.get("nulls"),
    }


def with_params(body: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    params = body.get("with")
    return tuple((str(k), storage_value(v)) for k, v in params.items()) if isinstance(params, dict) else ()


def build_exclusions(table: str, items: Any, path: tuple) -> tuple[ExclusionSpec, ...]:
    """``exclusions:`` of a table; malformed entries are left out (the JSON Schema reports them)."""
    out = []
    for i, body in enumerate(items if isinstance(items, list) else ()):
        if not isinstance(body, dict):
            continue
        elements = tuple(
            ExclusionElement(
                e.get("column"), e.get("expression"), str(e.get("with", "")), e.get("opclass"), e.get("collation"),
                e.get("order") == "desc", e.get("nulls"),
            )
            for e in body.get("elements") or () if isinstance(e, dict)
        )
        out.append(ExclusionSpec(
            table, str(body.get("name", "")), str(body.get("using", "gist")), elements, body.get("where"),
            tuple(body.get("include") or ()), with_params(body), bool(body.get("deferrable", False)),
            bool(body.get("initially_deferred", False)), path + ("exclusions", i),
        ))
    return tuple(out)
