"""generator.spec.source: YAML with the position of every key and value, and duplicate keys."""

from __future__ import annotations

import pytest

from generator.errors import Problem
from generator.spec.source import Source, load_yaml

BLOCK = """\
version: 1
tables:
  users:
    comment: Accounts
    columns:
      id: {type: uuid, primary_key: true}
      email:
        type: text
        nullable: false
    indexes:
      - {columns: [email]}
      - columns: [id, email]
"""


def load(text: str) -> Source:
    source, problems = load_yaml(text, "schema.yaml")
    assert problems == []
    return source


def test_data_is_plain_json_shaped_values() -> None:
    source = load(BLOCK)
    assert source.file == "schema.yaml"
    assert source.data["version"] == 1
    assert source.data["tables"]["users"]["columns"]["id"] == {"type": "uuid", "primary_key": True}
    assert source.data["tables"]["users"]["indexes"][1] == {"columns": ["id", "email"]}


@pytest.mark.parametrize(
    ("path", "position"),
    [
        (("version",), (1, 1)),
        (("tables",), (2, 1)),
        (("tables", "users"), (3, 3)),
        (("tables", "users", "comment"), (4, 5)),
        (("tables", "users", "columns", "id"), (6, 7)),
        (("tables", "users", "columns", "email"), (7, 7)),
        (("tables", "users", "columns", "email", "nullable"), (9, 9)),
    ],
)
def test_positions_of_keys(path: tuple, position: tuple[int, int]) -> None:
    source = load(BLOCK)
    assert source.keys[path] == position
    assert source.position(path, key=True) == position


@pytest.mark.parametrize(
    ("path", "position"),
    [
        (("version",), (1, 10)),
        (("tables", "users", "comment"), (4, 14)),
        (("tables", "users", "columns", "id"), (6, 11)),  # the flow mapping's "{"
        (("tables", "users", "columns", "id", "type"), (6, 18)),
        (("tables", "users", "columns", "id", "primary_key"), (6, 37)),
        (
            ("tables", "users", "columns", "email"),
            (8, 9),
        ),  # a block mapping starts at its first key
        (("tables", "users", "columns", "email", "nullable"), (9, 19)),
        (("tables", "users", "indexes", 0), (11, 9)),
        (("tables", "users", "indexes", 0, "columns", 0), (11, 20)),
        (("tables", "users", "indexes", 1, "columns", 1), (12, 23)),
        ((), (1, 1)),
    ],
)
def test_positions_of_values(path: tuple, position: tuple[int, int]) -> None:
    source = load(BLOCK)
    assert source.values[path] == position
    assert source.position(path) == position


def test_position_falls_back_to_the_nearest_known_parent() -> None:
    source = load(BLOCK)
    # a key that does not exist (a missing required key is reported this way)
    assert source.position(("tables", "users", "columns", "email", "comment")) == (8, 9)
    assert source.position(("tables", "nope", "columns")) == (3, 3)
    assert source.position(("nothing", "here")) == (1, 1)


def test_position_prefers_the_key_only_when_asked() -> None:
    source = load(BLOCK)
    path = ("tables", "users", "columns", "email", "type")
    assert source.position(path) == (8, 15)
    assert source.position(path, key=True) == (8, 9)


def test_problem_is_positioned_at_the_path() -> None:
    source = load(BLOCK)
    problem = source.problem(("tables", "users", "comment"), "bad comment")
    assert problem == Problem("schema.yaml", 4, 14, "bad comment")
    assert str(problem) == "schema.yaml:4:14: bad comment"


def test_duplicate_keys_name_both_positions() -> None:
    text = "version: 1\ntables:\n  users:\n    comment: a\n  users:\n    comment: b\n"
    source, problems = load_yaml(text, "s.yaml")
    assert problems == [
        Problem("s.yaml", 5, 3, "duplicate key 'users' (first defined at line 3, column 3)")
    ]
    assert source.data["tables"]["users"] == {"comment": "a"}  # the first one is kept


def test_duplicate_keys_in_a_flow_mapping_and_every_one_reported() -> None:
    text = "a: {x: 1, y: 2, x: 3}\nb: 1\nb: 2\na: 0\n"
    _, problems = load_yaml(text, "s.yaml")
    assert [str(p) for p in problems] == [
        "s.yaml:1:17: duplicate key 'x' (first defined at line 1, column 5)",
        "s.yaml:3:1: duplicate key 'b' (first defined at line 2, column 1)",
        "s.yaml:4:1: duplicate key 'a' (first defined at line 1, column 1)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("d: 2024-01-31\n", "2024-01-31"),
        ("d: 2024-01-31 10:20:30+03:00\n", "2024-01-31 10:20:30+03:00"),
        ("d: 2024-01-31T10:20:30Z\n", "2024-01-31T10:20:30Z"),
        ("d: !!binary aGVsbG8=\n", "aGVsbG8="),
    ],
)
def test_dates_and_binary_are_kept_as_the_text_written(text: str, expected: str) -> None:
    assert load(text).data["d"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v: 1\n", 1),
        ("v: 1.5\n", 1.5),
        ("v: true\n", True),
        ("v: null\n", None),
        ("v: '1'\n", "1"),
        ("v: now()\n", "now()"),
        ("v: {}\n", {}),
        ("v: []\n", []),
    ],
)
def test_scalars_are_yaml_typed(text: str, expected: object) -> None:
    assert load(text).data["v"] == expected


def test_keys_are_kept_as_written() -> None:
    # YAML 1.1 reads an unquoted `on` as true; as a key it must stay the name the user wrote
    data = load("on: 1\nyes: 2\n1: 3\n'off': 4\n").data
    assert data == {"on": 1, "yes": 2, "1": 3, "off": 4}


@pytest.mark.parametrize("text", ["? [a, b]\n: 1\n", "? {a: 1}\n: 1\n", "~: 1\n"])
def test_keys_must_be_plain_strings(text: str) -> None:
    _, problems = load_yaml(text, "s.yaml")
    assert [p.message for p in problems] == ["mapping keys must be plain strings"]
    assert (problems[0].line, problems[0].column) == (1, 1) if text.startswith("~") else (1, 3)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("base: &b {type: text}\ncopy: *b\n", 1, 7),  # anchor and alias: refused at the anchor
        ("a: 1\ncopy: *b\n", 2, 7),  # an alias alone (undefined)
        ("a: &x 1\nb: &x 2\n", 1, 4),  # a duplicate anchor
        ("a: {<<: *m}\n", 1, 9),  # a merge key
    ],
)
def test_anchors_and_aliases_are_refused(text: str, line: int, column: int) -> None:
    # A few hundred bytes of nested aliases expand to gigabytes (issue 12 finding 6).
    source, problems = load_yaml(text, "s.yaml")
    assert source.data is None
    assert problems == [
        Problem("s.yaml", line, column, "YAML anchors and aliases (&name, *name) are not allowed; write the value out in full")
    ]


def test_several_documents_are_refused() -> None:
    source, problems = load_yaml("version: 1\n---\nversion: 2\n", "s.yaml")
    assert source.data is None
    assert problems == [Problem("s.yaml", 3, 1, "expected one YAML document, found several")]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_an_empty_file(text: str) -> None:
    source, problems = load_yaml(text, "s.yaml")
    assert source.data is None
    assert problems == [Problem("s.yaml", 1, 1, "the file is empty")]


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        (
            "a: [1, 2\nb: 3\n",
            1,
            4,
            "YAML syntax error: this '[' is never closed (expected ',' or ']', but got ':' at line 2, column 2)",
        ),
        (
            "a: {x: 1\nb: 3\n",
            1,
            4,
            "YAML syntax error: this '{' is never closed (expected ',' or '}', but got ':' at line 2, column 2)",
        ),
        (
            "a:\n  b: 1\n c: 2\n",
            3,
            2,
            "YAML syntax error: bad indentation; line this key up with the keys around it",
        ),
        ("a:\n\tb: 1\n", 2, 1, "YAML syntax error: a tab character; indent YAML with spaces only"),
        ("a: b: c\n", 1, 5, "YAML syntax error: mapping values are not allowed here (quote a value that contains ': ')"),
        ("a: 'x\n", 1, 4, "YAML syntax error: this quoted value is never closed (no closing ')"),
        ("a: 1\nb\nc: 2\n", 2, 1, "YAML syntax error: expected 'key: value' here, but this line has no ':'"),
        ("a: [\n", 1, 4, "YAML syntax error: this '[' is never closed (expected a value or ']', but got the end of the file at line 2, column 1)"),
        ("a: [b, }\n", 1, 4, "YAML syntax error: this '[' is never closed (expected a value or ']', but got '}' at line 1, column 8)"),
        ("a: [b]]\n", 1, 7, "YAML syntax error: ']' closes nothing (no '[' is open here)"),
        ("a: @x\n", 1, 4, "YAML syntax error: '@' cannot start a value; quote the value"),
        ('a: "\\q"\n', 1, 5, "YAML syntax error: unknown escape \\q in a double-quoted value; write \\\\ for a backslash, or use single quotes"),
        ("a:\n  - b\n  c: 1\n", 3, 3, "YAML syntax error: bad indentation; inside a list every line at this indentation starts with '- '"),
        ("a: x\x01y\n", 1, 5, "YAML syntax error: control character U+0001 is not allowed; write it as an escape in a double-quoted string"),
        ("\u00e9: x\x00y\n", 1, 5, "YAML syntax error: control character U+0000 is not allowed; write it as an escape in a double-quoted string"),
    ],
)
def test_syntax_errors_are_one_positioned_problem(
    text: str, line: int, column: int, message: str
) -> None:
    source, problems = load_yaml(text, "s.yaml")
    assert source.data is None
    assert problems == [Problem("s.yaml", line, column, message)]


def test_a_non_mapping_document_still_loads() -> None:
    # the JSON Schema, not the loader, says the top level must be a mapping
    source, problems = load_yaml("- 1\n- 2\n", "s.yaml")
    assert problems == []
    assert source.data == [1, 2]
    assert source.values[(1,)] == (2, 3)


def test_a_null_document_is_a_problem_not_a_silent_none() -> None:
    source, problems = load_yaml("# header\nnull\n", "s.yaml")
    assert source.data is None
    assert problems == [Problem("s.yaml", 2, 1, "top level: expected a mapping, got null")]
