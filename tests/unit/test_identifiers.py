"""Identifiers with a trailing newline, a carriage return, a NUL or a look-alike letter are refused
(issue 12 finding 7).

jsonschema matches ``pattern`` with Python's ``re.search``, whose ``$`` also matches before a
final newline: ``^[a-z_][a-z0-9_]*$`` accepted ``"email\\n"``, which then reached the generated
models and the DDL. Every kind of name in schema.yaml and seeds.yaml is tried here, with the
exact problem it must give; the fast yes/no check (``generator.spec.fastcheck``) must say no
to each as well, or the full report would never run.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from cadb.audit import AuditError, _check_event_type, _check_scope_type
from generator.errors import SpecError
from generator.seeds.spec import parse_seeds
from generator.spec import parse_spec
from generator.spec.jsonschema_errors import _fast_check, bundled_schema
from generator.spec.model import _ORDER_RE
from generator.spec.types import TypeProblem, is_function_default, parse_type

BASE: dict[str, Any] = {
    "version": 1,
    "extensions": ["citext"],
    "enums": {"status": {"comment": "S.", "values": ["open", {"value": "done", "renamed_from": "closed"}]}},
    "tables": {
        "users": {
            "comment": "U.",
            "columns": {
                "id": {"type": "integer", "primary_key": True, "comment": "K."},
                "email": {"type": "text", "nullable": False, "unique": True, "comment": "E.", "renamed_from": "mail"},
                "state": {"type": "status", "comment": "S."},
            },
            "indexes": [{"columns": ["state"], "name": "ix_users_by_state"}],
            "unique": [{"columns": ["email", "state"], "name": "uq_users_pair"}],
            "checks": [{"name": "email_nonempty", "sql": "email <> ''"}],
        },
        "posts": {
            "comment": "P.",
            "renamed_from": "articles",
            "primary_key": ["user_id", "n"],
            "columns": {
                "user_id": {"type": "integer", "comment": "U.", "references": {"table": "users", "column": "id"}},
                "n": {"type": "integer", "comment": "N."},
            },
        },
    },
}

SEEDS: dict[str, Any] = {"version": 1, "tables": {"users": {"key": ["email"], "rows": [{"email": "a@b.c", "id": 1}]}}}

IDENT = "is not a valid identifier (lower-case letters, digits and _, not starting with a digit)"
LABEL = "is not valid (an enum value: any text of at most 63 bytes but NUL, which PostgreSQL cannot store; generated code keeps it as data)"

# A trailing newline, a carriage return, a NUL, a line separator, a trailing space.
ENDINGS = ["\n", "\r", "\x00", "\u2028", " "]
# Look-alikes of ASCII letters: Cyrillic 'е', fullwidth 'ｅ', the long s, the Kelvin sign.
LOOKALIKES = ["\u0435mail", "\uff45mail", "\u017ftate", "\u212aey"]


def _rename(mapping: dict[str, Any], old: str, new: str) -> None:
    items = [(new if k == old else k, v) for k, v in mapping.items()]
    mapping.clear()
    mapping.update(items)


def _set(path: tuple[Any, ...], value: Callable[[str], Any]) -> Callable[[dict[str, Any], str], None]:
    def mutate(doc: dict[str, Any], bad: str) -> None:
        target = doc
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value(bad)

    return mutate


# kind -> (how to put the bad text in, the problem it must give (where, name) -> message)
SPEC_KINDS: dict[str, tuple[Callable[[dict[str, Any], str], None], str]] = {
    "table": (lambda d, b: _rename(d["tables"], "posts", b), "tables: name {bad} " + IDENT),
    "column": (lambda d, b: _rename(d["tables"]["users"]["columns"], "state", b), "tables.users.columns: name {bad} " + IDENT),
    "enum": (lambda d, b: _rename(d["enums"], "status", b), "enums: name {bad} " + IDENT),
    "enum_value": (_set(("enums", "status", "values", 0), lambda b: b), "enums.status.values[0]: {bad} " + LABEL),
    "enum_value_renamed_from": (_set(("enums", "status", "values", 1, "renamed_from"), lambda b: b), "enums.status.values[1].renamed_from: {bad} " + LABEL),
    "enum_renamed_from": (_set(("enums", "status", "renamed_from"), lambda b: b), "enums.status.renamed_from: {bad} " + IDENT),
    "table_renamed_from": (_set(("tables", "posts", "renamed_from"), lambda b: b), "tables.posts.renamed_from: {bad} " + IDENT),
    "column_renamed_from": (_set(("tables", "users", "columns", "email", "renamed_from"), lambda b: b), "tables.users.columns.email.renamed_from: {bad} " + IDENT),
    "index_name": (_set(("tables", "users", "indexes", 0, "name"), lambda b: b), "tables.users.indexes[0].name: {bad} " + IDENT),
    "index_column": (_set(("tables", "users", "indexes", 0, "columns"), lambda b: [b]), "tables.users.indexes[0].columns[0]: {bad} is not valid (a column name, optionally followed by ASC or DESC and NULLS FIRST or NULLS LAST)"),
    "unique_name": (_set(("tables", "users", "unique", 0, "name"), lambda b: b), "tables.users.unique[0].name: {bad} " + IDENT),
    "unique_column": (_set(("tables", "users", "unique", 0, "columns"), lambda b: [b, "state"]), "tables.users.unique[0].columns[0]: {bad} " + IDENT),
    "check_name": (_set(("tables", "users", "checks", 0, "name"), lambda b: b), "tables.users.checks[0].name: {bad} " + IDENT),
    "primary_key_column": (_set(("tables", "posts", "primary_key"), lambda b: ["user_id", b]), "tables.posts.primary_key[1]: {bad} " + IDENT),
    "references_table": (_set(("tables", "posts", "columns", "user_id", "references", "table"), lambda b: b), "tables.posts.columns.user_id.references.table: {bad} " + IDENT),
    "references_column": (_set(("tables", "posts", "columns", "user_id", "references", "column"), lambda b: b), "tables.posts.columns.user_id.references.column: {bad} " + IDENT),
    "extension": (_set(("extensions",), lambda b: [b]), "extensions[0]: {bad} " + IDENT),
}

SEED_KINDS: dict[str, tuple[Callable[[dict[str, Any], str], None], str]] = {
    "seeded_table": (lambda d, b: _rename(d["tables"], "users", b), "tables: name {bad} " + IDENT),
    "natural_key_column": (_set(("tables", "users", "key"), lambda b: [b]), "tables.users.key[0]: {bad} " + IDENT),
    "row_column": (lambda d, b: _rename(d["tables"]["users"]["rows"][0], "id", b), "tables.users.rows[0]: name {bad} " + IDENT),
}


def _dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _messages(exc: SpecError) -> list[str]:
    return [p.message for p in exc.problems]


def _expected(template: str, bad: str) -> str:
    message = template.format(bad=repr(bad))
    if "identifier" in template and re.fullmatch(r"[a-z_][a-z0-9_]*", bad.strip().lower()):
        message += f"; did you mean {bad.strip().lower()!r}?"
    return message


def test_the_base_documents_are_valid() -> None:
    spec = parse_spec(_dump(BASE))
    assert parse_seeds(_dump(SEEDS), spec).row_count == 1


@pytest.mark.parametrize("ending", ENDINGS, ids=repr)
@pytest.mark.parametrize("kind", sorted(SPEC_KINDS))
def test_a_spec_name_with_a_bad_ending_is_refused(kind: str, ending: str) -> None:
    mutate, template = SPEC_KINDS[kind]
    original = {"enum_value": "open", "enum_value_renamed_from": "closed", "index_column": "state",
                "unique_column": "email", "primary_key_column": "n", "references_table": "users",
                "references_column": "id", "extension": "citext", "table": "posts", "column": "state",
                "enum": "status", "enum_renamed_from": "old_status", "table_renamed_from": "articles",
                "column_renamed_from": "mail", "index_name": "ix_users_by_state", "unique_name": "uq_users_pair",
                "check_name": "email_nonempty"}[kind]
    bad = original + ending
    doc = copy.deepcopy(BASE)
    mutate(doc, bad)
    text = _dump(doc)
    if kind.startswith("enum_value") and ending == "\r":
        # Data, but a carriage return could rewrite what a reviewer reads in the terminal:
        # refused as a control character (tests/fixtures/hostile/control_characters_hide_text).
        with pytest.raises(SpecError) as info:
            parse_spec(text)
        assert any("control character U+000D" in m for m in _messages(info.value))
        return
    if kind.startswith("enum_value") and ending != "\x00":
        # An enum value is data, not a name: PostgreSQL keeps any text but NUL, and generated
        # code renders it as a literal (tests/unit/test_codegen_hostile.py).
        assert parse_spec(text).enums["status"].values[0 if kind == "enum_value" else 1] == (bad if kind == "enum_value" else "done")
        return
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    assert _expected(template, bad) in _messages(info.value)
    assert not _fast_check("schema")(yaml.safe_load(text))


@pytest.mark.parametrize("name", LOOKALIKES, ids=ascii)
@pytest.mark.parametrize("kind", ["table", "column", "enum", "index_name", "check_name", "references_table", "unique_column"])
def test_a_name_with_a_look_alike_letter_is_refused(kind: str, name: str) -> None:
    mutate, template = SPEC_KINDS[kind]
    doc = copy.deepcopy(BASE)
    mutate(doc, name)
    with pytest.raises(SpecError) as info:
        parse_spec(_dump(doc))
    assert _expected(template, name) in _messages(info.value)


@pytest.mark.parametrize("ending", ENDINGS, ids=repr)
@pytest.mark.parametrize("kind", sorted(SEED_KINDS))
def test_a_seeds_name_with_a_bad_ending_is_refused(kind: str, ending: str) -> None:
    spec = parse_spec(_dump(BASE))
    mutate, template = SEED_KINDS[kind]
    bad = {"seeded_table": "users", "natural_key_column": "email", "row_column": "id"}[kind] + ending
    doc = copy.deepcopy(SEEDS)
    mutate(doc, bad)
    with pytest.raises(SpecError) as info:
        parse_seeds(_dump(doc), spec)
    assert _expected(template, bad) in _messages(info.value)
    assert not _fast_check("seeds")(yaml.safe_load(_dump(doc)))


def test_the_trailing_newline_of_the_issue_at_its_line_and_column() -> None:
    text = _dump(BASE).replace("  posts:\n", '  "posts\\n":\n').replace("      email:\n", '      "email\\n":\n')
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    found = [str(p) for p in info.value.problems if "valid identifier" in p.message]
    lines = text.splitlines()
    email = next(i for i, line in enumerate(lines) if '"email\\n"' in line) + 1
    posts = next(i for i, line in enumerate(lines) if '"posts\\n"' in line) + 1
    assert found == [
        f"schema.yaml:{email}:7: tables.users.columns: name 'email\\n' {IDENT}; did you mean 'email'?",
        f"schema.yaml:{posts}:3: tables: name 'posts\\n' {IDENT}; did you mean 'posts'?",
    ]


def test_every_identifier_pattern_in_the_schemas_refuses_a_final_newline() -> None:
    """No `pattern` may end in a bare `$`: under Python's re.search it accepts a final newline."""
    for name in ("schema", "seeds"):
        patterns: list[str] = []

        def walk(node: Any, found: list[str] = patterns) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("pattern"), str):
                    found.append(node["pattern"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(bundled_schema(name))
        assert patterns, name
        for pattern in patterns:
            assert pattern.endswith("$(?!\\n)"), pattern
            if "\\u0000" in pattern:  # enum values: any text but NUL
                assert re.search(pattern, "a\n") and not re.search(pattern, "a\x00")
            else:
                assert re.search(pattern, "a\n") is None, pattern


@pytest.mark.parametrize("text", ["email\n", "email asc\n", "ſtatus", "\u212aey", "email desc nulls last\n"], ids=ascii)
def test_the_index_order_parser_is_anchored_and_ascii(text: str) -> None:
    assert _ORDER_RE.match(text) is None
    assert _ORDER_RE.match("Email DESC NULLS LAST") is not None


@pytest.mark.parametrize("text", ["varchar(\u0663)", "numeric(\u0668,2)"], ids=ascii)
def test_a_type_length_must_be_ascii_digits(text: str) -> None:
    with pytest.raises(TypeProblem, match="cannot parse type"):
        parse_type(text)


def test_a_default_function_name_is_anchored() -> None:
    assert is_function_default("now()")
    assert not is_function_default("now()\nx")
    assert not is_function_default("n\u0131ow()")


@pytest.mark.parametrize("check", [_check_scope_type, _check_event_type])
def test_audit_names_refuse_a_trailing_newline(check: Callable[[Any], str]) -> None:
    assert check("job") == "job"
    with pytest.raises(AuditError, match="is not valid"):
        check("job\n")


def test_a_name_with_a_newline_never_breaks_a_problem_line() -> None:
    text = _dump(BASE).replace("  posts:\n", '  "posts\\n":\n').replace("      state:\n", '      "state\\r":\n')
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    assert len(info.value.problems) >= 2
    for problem in info.value.problems:
        assert "\n" not in str(problem) and "\r" not in str(problem), str(problem)
    assert any("tables.posts\\n" in p.message or "'posts\\n'" in p.message for p in info.value.problems)
