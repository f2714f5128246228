"""The SQL of composite and range types from their catalog definitions (issue 16). Pure.

A definition is what ``generator.pg.catalog_types`` reads (``composite ("a" text, ...)``,
``range (subtype = ...)``); the revision ops (``generator.migrate.type_ops``) and the fix SQL
of ``diff`` (``generator.drift.fix_types``) both write their statements here.
"""

from __future__ import annotations

SCHEMA = "public"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qualified(name: str) -> str:
    from generator import qualnames

    return qualnames.sql(name)  # "public"."t", "billing"."t" (generator.qualnames)


def literal(text: str | None) -> str:
    from generator.spec.types import quote_literal

    return "NULL" if text is None else quote_literal(text)


def create_type(name: str, definition: str) -> str:
    kind, _, body = definition.partition(" ")
    return f"CREATE TYPE {_qualified(name)} AS {'RANGE ' if kind == 'range' else ''}{body}"


def alter_composite(name: str, a: str, b: str, used: bool = False) -> list[str] | None:
    """ALTER TYPE statements turning attributes ``a`` into ``b``, or None when the order of
    the attributes cannot come out the same (ADD ATTRIBUTE appends), or when an attribute's
    type or collation changes on a type a column ``used`` (PostgreSQL refuses that)."""
    old = {attr_name(x): x for x in attributes(a)}
    new = [(attr_name(x), x) for x in attributes(b)]
    kept = [n for n in old if n in dict(new)]
    if [n for n, _ in new if n in old] != kept:
        return None
    first_added = next((i for i, (n, _) in enumerate(new) if n not in old), len(new))
    if any(n in old for n, _ in new[first_added:]):
        return None  # an added attribute before a kept one
    actions = [f"DROP ATTRIBUTE {_q(n)}" for n in old if n not in dict(new)]
    for n, item in new:
        if n in old and old[n] != item:
            if used:
                return None
            actions.append(f"ALTER ATTRIBUTE {_q(n)} TYPE {item[len(_q(n)) + 1:]}")
        elif n not in old:
            actions.append(f"ADD ATTRIBUTE {item}")
    return [f"ALTER TYPE {_qualified(name)} {', '.join(actions)}"] if actions else []


def attr_name(item: str) -> str:
    if item.startswith('"'):
        end = item.index('"', 1)
        while item[end + 1 : end + 2] == '"':
            end = item.index('"', end + 2)
        return item[1:end].replace('""', '"')
    return item.split(" ", 1)[0]



def attributes(definition: str) -> list[str]:
    """``composite ("a" text, "b" numeric(10,2))`` -> ['"a" text', '"b" numeric(10,2)']: split at
    ", " outside double quotes and parentheses (format_type writes ``numeric(10,2)``)."""
    body = definition[definition.index("(") + 1 : -1]
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(body):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "()":
            depth += 1 if ch == "(" else -1
        elif not quoted and depth == 0 and body.startswith(", ", i):
            parts.append(body[start:i])
            start = i + 2
    if body[start:]:
        parts.append(body[start:])
    return parts
