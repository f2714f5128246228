"""Run a bundled JSON Schema over YAML data and turn each error into a positioned Problem.

jsonschema's own messages are written for JSON documents ("Additional properties are not
allowed ('x' was unexpected)"); ours name the key, say what is allowed, and suggest the
closest spelling.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from generator.errors import Problem
from generator.spec.source import MAX_PROBLEMS, Source

_TYPE_NAMES = {"object": "a mapping", "array": "a list", "string": "a string", "boolean": "true or false",
               "integer": "an integer", "number": "a number", "null": "null"}


# The spec's schema as ``settings: {naming: verbatim}`` reads it: derived from the shipped file,
# whose names (``identifier``) are lower-case SQL identifiers, with every name allowed to be
# any PostgreSQL identifier (``pg_identifier``: what an adopted database may hold).
VERBATIM_SCHEMA = "schema-verbatim"


@cache
def bundled_schema(name: str) -> dict[str, Any]:
    """Load a JSON Schema shipped as package data (``schema`` or ``seeds``), or
    ``VERBATIM_SCHEMA``, derived from ``schema``."""
    if name == VERBATIM_SCHEMA:
        schema = json.loads(json.dumps(bundled_schema("schema")))
        defs = schema["$defs"]
        defs["identifier"] = defs["pg_identifier"]
        defs["qualified_identifier"] = defs["pg_identifier"]  # [schema.]name: generator.spec.namespaces splits it
        defs["index_column"] = dict(defs["pg_identifier"], description=(
            "A column name, optionally followed by ASC or DESC and NULLS FIRST or NULLS LAST."))
        return schema
    text = resources.files("generator.spec.schemas").joinpath(f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _fast_check(name: str) -> Callable[[Any], bool] | None:
    """The compiled yes/no check of a bundled schema; None if it uses a keyword it lacks."""
    from generator.spec.fastcheck import Unsupported, compile_schema

    try:
        return compile_schema(bundled_schema(name))
    except Unsupported:  # pragma: no cover - the bundled schemas use only supported keywords
        return None


def schema_problems(source: Source, schema_name: str) -> list[Problem]:
    """Every JSON Schema error in ``source.data``, as positioned problems ([] when valid).

    A compiled check answers "valid?" first; jsonschema (imported only then) runs only on
    data that fails it, to say what is wrong and where.
    """
    fast = _fast_check(schema_name)
    if fast is not None and fast(source.data):
        return []
    import jsonschema

    schema = bundled_schema(schema_name)
    validator = jsonschema.Draft202012Validator(schema)
    problems: list[Problem] = []
    for error in validator.iter_errors(source.data):
        # a few more than are listed (spec.source.capped), so that the note says some are left out
        problems.extend(_to_problems(source, error, schema_name, limit=MAX_PROBLEMS + 1 - len(problems)))
        if len(problems) > MAX_PROBLEMS:
            break
    return _dedupe(problems)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[int, int, str]] = set()
    out = []
    for p in problems:
        key = (p.line, p.column, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _identifier_patterns() -> tuple[str, str]:
    """The patterns of a name and of a ``[schema.]name`` key (generator.spec.namespaces)."""
    defs = bundled_schema("schema")["$defs"]
    return defs["identifier"]["pattern"], defs["qualified_identifier"]["pattern"]


def _not_an_identifier(name: str) -> str:
    """``'x' is not a valid identifier (...)``, and the name it probably meant (``'Email '`` -> ``'email'``)."""
    message = f"{_describe(name)} is not a valid identifier (lower-case letters, digits and _, not starting with a digit)"
    fixed = name.strip().lower()
    if fixed != name and re.fullmatch(r"[a-z_][a-z0-9_]*", fixed):
        message += f"; did you mean {fixed!r}?"
    return message


def json_where(path: tuple[Any, ...]) -> str:
    """``tables.jobs.columns[0]``: a JSON path as problems name it."""
    if not path:
        return "top level"
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _bool_note(value: Any, expected: list[str]) -> str:
    if isinstance(value, bool) and "string" in expected:
        return " (YAML reads unquoted yes/no/on/off as true/false; quote it)"
    return ""


def _to_problems(source: Source, error: Any, schema_name: str = "schema", limit: int = MAX_PROBLEMS + 1) -> list[Problem]:
    """The problems of one jsonschema error: one per unknown key and per missing key (jsonschema
    reports all of a mapping's unknown keys, or all its missing ones, as one error); at most ``limit``."""
    path = tuple(error.absolute_path)
    where = json_where(path)
    v = error.validator
    if v == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted((error.schema.get("properties") or {}).keys())
        extras = [k for k in error.instance if k not in allowed][: max(limit, 1)]
        unsupported = _UNSUPPORTED_KEYS if schema_name in ("schema", VERBATIM_SCHEMA) else {}
        return [
            source.problem(path + (key,), f"{where}: {_unknown_key(key, allowed, path, unsupported)}", key=True)
            for key in extras
        ]
    if v == "required" and isinstance(error.instance, dict):
        missing = [k for k in error.validator_value if k not in error.instance]
        return [source.problem(path, f"{where}: missing required key {key!r}", key=True) for key in missing]
    if v in ("oneOf", "anyOf") and error.context:
        import jsonschema

        # An alternative of another type (a mapping where a string was given) says least:
        # prefer what the alternatives of the instance's own type found wrong.
        other_type = {e.relative_schema_path[0] for e in error.context if e.validator == "type" and not e.path}
        own_type = [e for e in error.context if e.relative_schema_path[0] not in other_type]
        best = jsonschema.exceptions.best_match(own_type or error.context)
        if best is not None and (tuple(best.absolute_path) != path or (own_type and other_type)):
            return _to_problems(source, best, schema_name)
        if error.validator_value and all(("type" in s) for s in error.validator_value if isinstance(s, dict)):
            types = [s["type"] for s in error.validator_value]
            kinds = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
            return [source.problem(path, f"{where}: expected {kinds}, got {_describe(error.instance)}{_bool_note(error.instance, types)}")]
        if best is not None:
            return _to_problems(source, best, schema_name)
        return [source.problem(path, f"{where}: {error.message}")]
    return [_to_problem(source, error)]


# Keys naming something PostgreSQL has and the spec does not describe (yet): said as such,
# instead of "did you mean" a key that happens to be spelled alike.
_UNSUPPORTED_KEYS = {
    (): {
        "procedures": "procedures (under functions:, kind: procedure)", "triggers": "triggers (under a table's triggers:)",
        "grants": "top-level grants (write grants: on each object)",
        "policies": "top-level policies (write policies: on each table)", "comments": "separate comments",
    },
    ("tables", "*"): {
        "tablespace": "tablespaces",
    },
    ("tables", "*", "columns", "*"): {
        "sequence": "sequences (use identity:, or a sequence under sequences: and default_sql:)",
        "check": "column checks (use checks: on the table)",
    },
}


def _unknown_key(key: str, allowed: list[str], path: tuple[Any, ...], unsupported: dict[tuple[str, ...], dict[str, str]]) -> str:
    shape = tuple("*" if i % 2 else part for i, part in enumerate(path))
    kind = unsupported.get(shape, {}).get(str(key))
    if kind is not None:
        return f"unknown key {key!r}: {kind} are not supported by the spec yet"
    message = f"unknown key {key!r}"
    close = difflib.get_close_matches(str(key), allowed, n=1)
    if close:
        return message + f" (did you mean {close[0]!r}?)"
    if allowed:
        return message + f" (allowed: {', '.join(allowed)})"
    return message


def _to_problem(source: Source, error: Any) -> Problem:
    path = tuple(error.absolute_path)
    where = json_where(path)
    v = error.validator
    if "propertyNames" in error.absolute_schema_path and isinstance(error.instance, str):
        # jsonschema reports a bad key name at the parent mapping; point at the key itself.
        name = error.instance
        pattern = error.schema.get("pattern") if isinstance(error.schema, dict) else None
        if pattern is not None and pattern not in _identifier_patterns():  # a verbatim spec's names
            hint = str(error.schema.get("description", "")).rstrip(".")
            return source.problem(path + (name,), f"{where}: name {_describe(name)} is not valid ({hint[:1].lower() + hint[1:]})", key=True)
        return source.problem(path + (name,), f"{where}: name {_not_an_identifier(name)}", key=True)
    if v == "type":
        expected = error.validator_value
        kinds = expected if isinstance(expected, list) else [expected]
        names = " or ".join(_TYPE_NAMES.get(k, k) for k in kinds)
        return source.problem(path, f"{where}: expected {names}, got {_describe(error.instance)}{_bool_note(error.instance, kinds)}")
    if v == "enum":
        options = ", ".join(str(o) for o in error.validator_value)
        return source.problem(path, f"{where}: {_describe(error.instance)} is not one of: {options}")
    if v == "const":
        return source.problem(path, f"{where}: must be {_describe(error.validator_value)}, got {_describe(error.instance)}")
    if v == "pattern":
        if error.validator_value in _identifier_patterns() and isinstance(error.instance, str):
            return source.problem(path, f"{where}: {_not_an_identifier(error.instance)}")
        hint = (error.schema.get("description") or f"must match {error.validator_value}").rstrip(".")
        return source.problem(path, f"{where}: {_describe(error.instance)} is not valid ({hint[:1].lower() + hint[1:]})")
    if v == "propertyNames":
        # the failing name is the key itself
        bad = error.instance if isinstance(error.instance, str) else None
        sub = error.context[0] if error.context else None
        name = sub.instance if sub is not None else bad
        return source.problem(
            path + (name,) if name is not None else path,
            f"{where}: name {_describe(name)} is not a valid identifier (lower-case letters, digits and _, not starting with a digit)",
            key=True,
        )
    if v in ("minProperties", "minItems"):
        return source.problem(path, f"{where}: must not be empty")
    if v == "uniqueItems":
        return source.problem(path, f"{where}: contains the same item twice")
    if v == "not":
        return source.problem(path + ("default_sql",), f"{where}: give either default or default_sql, not both", key=True)
    if v in ("minLength", "maxLength"):
        return source.problem(path, f"{where}: {error.message}")
    return source.problem(path, f"{where}: {error.message}")
