"""Which function changes CREATE OR REPLACE cannot make, and what then has to go around them.

PostgreSQL refuses ``CREATE OR REPLACE FUNCTION`` when the return type changes (OUT
parameters included: 42P13 "cannot change return type of existing function"), when an input
parameter is renamed ("cannot change name of input parameter") and when a parameter default is
removed ("cannot remove parameter defaults from existing function"). Such a change is a DROP
and a CREATE; what depends on the function has to be dropped first and re-created after it:
the triggers that execute it and the views that call it (``generator.pg.catalog_views.plan``
uses ``calls``). A CHECK, default or index that calls it (``Snapshot.function_users``) cannot be
carried around the DROP here: ``blocked_by_users`` names those.

Both definitions are ``pg_get_functiondef`` texts; they are compared in PostgreSQL's own parse
tree (pglast): parameter names, modes and types, how many defaults, and the return type.
Pure: no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from generator.pg.catalog_functions import split_key


@lru_cache(maxsize=512)
def _shape(definition: str) -> tuple[Any, ...] | None:
    """(kind, parameters without defaults, number of defaults, return type) of a CREATE
    FUNCTION/PROCEDURE text; None when it is not one (an aggregate) or does not parse."""
    import pglast

    try:
        stmts = pglast.parse_sql(definition)
    except pglast.parser.ParseError:
        return None
    if len(stmts) != 1 or type(stmts[0].stmt).__name__ != "CreateFunctionStmt":
        return None
    node = stmts[0].stmt
    params = tuple((p.name, str(p.mode), _type(p.argType)) for p in node.parameters or ())
    defaults = sum(1 for p in node.parameters or () if p.defexpr is not None)
    return (bool(node.is_procedure), params, defaults, _type(node.returnType))


def _type(node: Any) -> str:
    if node is None:
        return ""
    from pglast.stream import RawStream

    return RawStream()(node)


def replaceable(old: str, new: str) -> bool:
    """Whether ``CREATE OR REPLACE`` turns the function ``old`` into ``new`` (see the module)."""
    a, b = _shape(old), _shape(new)
    if a is None or b is None:
        return True  # aggregates are dropped and re-created anyway; an unparsable text is left to PostgreSQL
    return a[0] == b[0] and a[1] == b[1] and b[2] >= a[2] and a[3] == b[3]


_INPUT_MODES = {"i", "b", "v", "d"}  # IN, INOUT, VARIADIC, and IN by default


def _inputs(definition: str) -> tuple[Any, ...] | None:
    shape = _shape(definition)
    if shape is None:
        return None
    return (shape[0], tuple(t for _name, mode, t in shape[1] if mode in _INPUT_MODES))


def renamed_parameters(live: dict[str, str], spec: dict[str, str]) -> dict[str, str]:
    """Functions whose key (``name(identity args)``, parameter names included) differs only in
    the names of their parameters: the same function to PostgreSQL (same name and input types),
    so the new one's CREATE OR REPLACE meets the old one and fails. Old key -> new key."""
    added = sorted(set(spec) - set(live))
    out: dict[str, str] = {}
    for old in sorted(set(live) - set(spec)):
        inputs = _inputs(live[old])
        for new in added:
            if new not in out.values() and split_key(new)[0] == split_key(old)[0] and inputs is not None \
                    and _inputs(spec[new]) == inputs:
                out[old] = new
                break
    return out


def rebuilt(changes: Iterable[Any], live: Any, spec: Any) -> list[str]:
    """Keys (``name(args)``, as ``live`` has them) of the functions a change turns into DROP +
    CREATE: a change CREATE OR REPLACE cannot make, and a renamed parameter."""
    out = set(renamed_parameters(live.functions, spec.functions))
    for c in changes:
        if c.kind == "function" and c.action == "changed":
            a, b = live.functions.get(c.name), spec.functions.get(c.name)
            if a is not None and b is not None and not replaceable(a, b):
                out.add(c.name)
    return sorted(out)


def _call(name: str) -> str:
    """A regex for a call of public's function ``name`` in deparsed SQL (bare, quoted or
    qualified with public)."""
    quoted = '"' + name.replace('"', '""') + '"'
    return rf'(?<![\w."$])(?:public\.|"public"\.)?(?:{re.escape(quoted)}|{re.escape(name)})\s*\('


def triggers_using(snapshot: Any, keys: Iterable[str]) -> list[tuple[str, str]]:
    """(table, trigger) of ``snapshot`` whose definition executes one of the functions ``keys``."""
    names = {split_key(k)[0] for k in keys}
    if not names:
        return []
    pattern = re.compile(r"EXECUTE (?:FUNCTION|PROCEDURE)\s+(?:" + "|".join(_call(n)[len(r'(?<![\w."$])'):] for n in names) + ")")
    return sorted(key for key, definition in snapshot.triggers.items() if pattern.search(definition))


def calls(definition: str, keys: Iterable[str]) -> bool:
    """Whether a view query calls one of the functions ``keys`` (by name: an overloaded name
    counts as a call, which only re-creates a view more)."""
    return any(re.search(_call(split_key(k)[0]), definition) for k in keys)


def blocked_by_users(keys: Iterable[str], live: Any) -> list[str]:
    """The functions of ``keys`` that a CHECK, default or index of ``live`` calls."""
    users = getattr(live, "function_users", set())
    return [k for k in keys if k in users]
