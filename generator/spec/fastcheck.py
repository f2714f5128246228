"""A fast yes/no JSON Schema check for the bundled schemas, before jsonschema's full report.

jsonschema walks a 1,000-table spec in seconds; nearly every run of ``schemactl validate``
is on a valid spec, so the question asked first is only "is it valid?". ``compile_schema``
turns a schema into nested Python closures once; they answer in a fraction of the time and
import nothing. Only when the answer is no does ``generator.spec.jsonschema_errors`` run
jsonschema to collect every error with its position: jsonschema stays the authority on
what is wrong, this only decides whether anything is.

Covered: the Draft 2020-12 keywords the bundled schemas use (type, properties,
additionalProperties, required, items, min/maxItems, uniqueItems, min/maxProperties,
propertyNames, pattern, min/maxLength, enum, const, not, oneOf, anyOf, allOf, local $ref),
with jsonschema's own semantics (``True`` is not ``1``; ``1.0`` is an integer; ``pattern``
is ``re.search``; ``format`` is an annotation, as jsonschema applies it without a format
checker). A schema using any other keyword raises ``Unsupported`` and callers
fall back to jsonschema alone. tests/unit/test_spec_fastcheck.py compares the two on every
spec in the test fixtures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Keywords that never change validity.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples",
     "deprecated", "readOnly", "writeOnly", "format"}
)


class Unsupported(ValueError):
    """The schema uses a keyword this checker does not implement."""


def _is_integer(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


_TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "integer": _is_integer,
    "number": lambda x: isinstance(x, int | float) and not isinstance(x, bool),
}


def equal(one: Any, two: Any) -> bool:
    """JSON equality, as jsonschema's: booleans are not numbers, containers compare deeply."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, dict) and isinstance(two, dict):
        return len(one) == len(two) and all(k in two and equal(v, two[k]) for k, v in one.items())
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    return bool(one == two)


def _unique(items: list[Any]) -> bool:
    seen: list[Any] = []
    for item in items:
        if any(equal(item, s) for s in seen):
            return False
        seen.append(item)
    return True


def compile_schema(schema: dict[str, Any] | bool) -> Check:
    """A function returning True exactly when jsonschema (Draft 2020-12) finds no error."""
    root = schema
    compiled: dict[str, Check] = {}

    def ref(pointer: str) -> Check:
        if not pointer.startswith("#"):
            raise Unsupported(f"$ref {pointer!r}: only local references")
        if pointer not in compiled:
            target: Any = root
            for part in filter(None, pointer[1:].split("/")):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    raise Unsupported(f"$ref {pointer!r} does not resolve")
                target = target[part]
            compiled[pointer] = lambda x: True  # a placeholder while a recursive ref compiles
            check = build(target)
            compiled[pointer] = check
        cache = compiled

        return lambda x: cache[pointer](x)

    def build(s: Any) -> Check:
        if s is True or s == {}:
            return lambda x: True
        if s is False:
            return lambda x: False
        if not isinstance(s, dict):
            raise Unsupported(f"schema {s!r}")
        checks: list[Check] = []
        for key, value in s.items():
            if key in _ANNOTATIONS or key in ("properties", "additionalProperties"):
                continue
            checks.append(keyword(key, value, s))
        if "properties" in s or "additionalProperties" in s:
            checks.append(
                properties(s.get("properties") or {}, s.get("additionalProperties", True))
            )
        if len(checks) == 1:
            return checks[0]
        return lambda x: all(c(x) for c in checks)

    def properties(props: dict[str, Any], additional: Any) -> Check:
        known = {name: build(sub) for name, sub in props.items()}
        extra = None if additional is True else build(additional)

        def check(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            for k, v in x.items():
                c = known.get(k)
                if c is not None:
                    if not c(v):
                        return False
                elif extra is not None and not extra(v):
                    return False
            return True

        return check

    def keyword(key: str, value: Any, s: dict[str, Any]) -> Check:
        if key == "type":
            kinds = [_TYPES[t] for t in ([value] if isinstance(value, str) else value)]
            return lambda x: any(k(x) for k in kinds)
        if key == "$ref":
            return ref(value)
        if key == "required":
            names = list(value)
            return lambda x: not isinstance(x, dict) or all(n in x for n in names)
        if key == "items":
            if "prefixItems" in s:
                raise Unsupported("prefixItems")
            item = build(value)
            return lambda x: not isinstance(x, list) or all(item(i) for i in x)
        if key == "minItems":
            return lambda x: not isinstance(x, list) or len(x) >= value
        if key == "maxItems":
            return lambda x: not isinstance(x, list) or len(x) <= value
        if key == "uniqueItems":
            return (lambda x: not isinstance(x, list) or _unique(x)) if value else (lambda x: True)
        if key == "minProperties":
            return lambda x: not isinstance(x, dict) or len(x) >= value
        if key == "maxProperties":
            return lambda x: not isinstance(x, dict) or len(x) <= value
        if key == "propertyNames":
            name = build(value)
            return lambda x: not isinstance(x, dict) or all(name(k) for k in x)
        if key == "pattern":
            search = re.compile(value).search
            return lambda x: not isinstance(x, str) or search(x) is not None
        if key == "minLength":
            return lambda x: not isinstance(x, str) or len(x) >= value
        if key == "maxLength":
            return lambda x: not isinstance(x, str) or len(x) <= value
        if key == "enum":
            options = list(value)
            if all(isinstance(o, str) for o in options):
                strings = frozenset(options)
                return lambda x: isinstance(x, str) and x in strings
            return lambda x: any(equal(x, o) for o in options)
        if key == "const":
            return lambda x: equal(x, value)
        if key == "not":
            inner = build(value)
            return lambda x: not inner(x)
        if key in ("oneOf", "anyOf", "allOf"):
            subs = [build(v) for v in value]
            if key == "anyOf":
                return lambda x: any(c(x) for c in subs)
            if key == "allOf":
                return lambda x: all(c(x) for c in subs)
            return lambda x: sum(1 for c in subs if c(x)) == 1
        raise Unsupported(f"keyword {key!r}")

    return build(root)
