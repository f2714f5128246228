"""generator.spec.fastcheck agrees with jsonschema, and libyaml reads positions as PyYAML does.

The fast check only decides whether jsonschema's full report is needed, so one wrong "valid"
would hide errors: every YAML file in the fixtures, and a few thousand mutations of a spec
and a seeds file, are checked by both, which must agree on every one.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from generator.spec import source as source_module
from generator.spec.fastcheck import Unsupported, compile_schema, equal
from generator.spec.jsonschema_errors import bundled_schema
from generator.spec.source import load_yaml

REPO = Path(__file__).resolve().parents[2]


def _parses(path: Path) -> bool:
    """Whether the file is YAML at all (some corpus cases are deliberately broken YAML)."""
    return load_yaml(path.read_text(encoding="utf-8"), path.name)[0].data is not None


YAML_FILES = [
    p
    for p in sorted(
        [*REPO.glob("tests/fixtures/**/*.yaml"), REPO / "schema.yaml", REPO / "seeds.yaml"]
    )
    if _parses(p)
]

SPEC = """\
version: 1
extensions: [citext]
enums:
  state:
    comment: States.
    values: [draft, {value: live, renamed_from: active}]
tables:
  users:
    comment: Accounts.
    columns:
      id: {type: uuid, primary_key: true, default: gen_random_uuid(), comment: Key.}
      email: {type: citext, nullable: false, unique: true, comment: Login.}
      state: {type: state, nullable: false, default: draft, comment: State.}
      meta: {type: jsonb, nullable: false, default: {a: [1, 2.5, true, null]}, comment: Meta.}
    indexes:
      - {columns: [state, email desc nulls last], where: "state = 'live'", name: ix_live}
      - {columns: [meta], using: gin}
    unique:
      - {columns: [email, state], nulls_not_distinct: true}
    checks:
      - {name: email_len, sql: "length(email) < 200"}
  sessions:
    comment: Logins.
    append_only: true
    columns:
      id: {type: bigint, identity: always, primary_key: true, comment: Key.}
      user_id:
        type: uuid
        nullable: false
        comment: Owner.
        references: {table: users, on_delete: cascade}
"""

SEEDS = """\
version: 1
tables:
  users:
    comment: Demo users.
    key: [email]
    rows:
      - {email: a@example.com, state: draft, meta: {x: 1}}
"""

ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    1.0,
    2.5,
    -1,
    "",
    "X Y",
    "ok",
    [],
    [1],
    {},
    {"x": 1},
]


def _jsonschema_valid(schema_name: str, data: Any) -> bool:
    return jsonschema.Draft202012Validator(bundled_schema(schema_name)).is_valid(data)


def _paths(data: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, path + (i,))


def _mutations(data: Any) -> Iterator[Any]:
    """Every path replaced by every odd value; every key deleted, renamed, and joined by an unknown one."""
    for path in _paths(data):
        for value in ODD_VALUES:
            if not path:
                yield value
                continue
            out = copy.deepcopy(data)
            parent = out
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]] = copy.deepcopy(value)
            yield out
        out = copy.deepcopy(data)
        node = out
        for part in path:
            node = node[part]
        if isinstance(node, dict):
            for key in list(node):
                smaller = copy.deepcopy(out)
                target = smaller
                for part in path:
                    target = target[part]
                del target[key]
                yield smaller
                renamed = copy.deepcopy(smaller)
                target = renamed
                for part in path:
                    target = target[part]
                target[key.upper() + "x"] = copy.deepcopy(node[key])
                yield renamed
            node["unknown_key"] = 1
            yield out
        elif isinstance(node, list) and node:
            node.append(copy.deepcopy(node[0]))  # a duplicate item (uniqueItems)
            yield out


@pytest.mark.parametrize("schema_name", ["schema", "seeds", "schema-verbatim"])
@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_fast_check_agrees_with_jsonschema_on_every_fixture(path: Path, schema_name: str) -> None:
    source, _ = load_yaml(path.read_text(encoding="utf-8"), path.name)
    fast = compile_schema(bundled_schema(schema_name))
    assert fast(source.data) == _jsonschema_valid(schema_name, source.data)


@pytest.mark.parametrize(("schema_name", "text"), [("schema", SPEC), ("seeds", SEEDS)])
def test_fast_check_agrees_with_jsonschema_on_mutations(schema_name: str, text: str) -> None:
    data = yaml.safe_load(text)
    fast = compile_schema(bundled_schema(schema_name))
    assert fast(data) and _jsonschema_valid(schema_name, data)
    validator = jsonschema.Draft202012Validator(bundled_schema(schema_name))
    n = 0
    for mutated in _mutations(data):
        n += 1
        assert fast(mutated) == validator.is_valid(mutated), mutated
    assert n > 200


def test_equal_keeps_booleans_apart_from_numbers() -> None:
    assert equal(1, 1.0) and equal([1, {"a": "x"}], [1.0, {"a": "x"}])
    assert not equal(True, 1) and not equal([0], [False]) and not equal({"a": 1}, {"a": True})
    assert not equal("1", 1) and not equal({"a": 1}, {"a": 1, "b": 2})


def test_unknown_keywords_are_refused_not_ignored() -> None:
    with pytest.raises(Unsupported):
        compile_schema({"type": "object", "patternProperties": {"^x": {}}})
    with pytest.raises(Unsupported):
        compile_schema({"$ref": "https://example.com/other.json"})


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\r\nb:\r\n  - x\r\n  - {y: é, z: [1, 2]}\r\n",
        "# café ☕ comment\nk\u00e9y: \"v\u00e4lue 🚀\"\nnext: [é, 'ü', {ñ: ß}]\nlast:\n  - 1\n",
        "\ufeffversion: 1\nt: |\n  block é\n  text\nu: >-\n  folded\n\nv: &a {x: 1}\nw: *a\n",
    ],
)
def test_libyaml_and_pyyaml_give_the_same_positions(text: str) -> None:
    def positions(loader: Any) -> tuple[dict, dict]:
        values: dict = {}
        keys: dict = {}
        source_module._index_node(yaml.compose(text, Loader=loader), (), values, keys)
        return values, keys

    assert positions(yaml.CSafeLoader) == positions(yaml.SafeLoader)


def test_positions_are_recovered_from_the_text_alone() -> None:
    source, problems = load_yaml(SPEC, "schema.yaml")
    assert problems == []
    expected = dict(source.values), dict(source.keys)
    source.release()
    restored = source_module.Source("schema.yaml", source.data, text=SPEC)
    assert (restored.values, restored.keys) == expected
    assert restored.position(("tables", "sessions", "columns", "user_id", "references")) == (31, 21)
