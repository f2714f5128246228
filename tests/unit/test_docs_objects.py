"""The data dictionary lists every kind the spec can hold, not only enums and tables (issue 19's
note: it did not list sequences; domains, types, views, functions, aggregates and triggers were
missing too), with spec text escaped as in the table sections."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.schema.docs import data_dictionary
from generator.spec import load_spec

SPEC = """\
version: 1
types:
  money_range: {comment: A range of money., range: {subtype: "numeric(12,2)"}}
  item: {comment: "An <item>.", composite: {name: {type: text, collation: "C"}, qty: {type: integer}}}
domains:
  positive_int: {type: integer, nullable: false, checks: [{name: positive_int_check, sql: "VALUE > 0"}], comment: "More | than zero."}
sequences:
  order_no_seq: {type: bigint, start: 1000, cache: 5, comment: Order numbers.}
  loose_seq: {comment: Owned by nothing.}
tables:
  orders:
    comment: Orders.
    columns:
      id: {type: bigint, primary_key: true, identity: always, comment: Key.}
      qty: {type: positive_int, comment: How many.}
      updated_at: {type: timestamptz, comment: Last change.}
    triggers:
      - {name: orders_touch, timing: before, events: [update], columns: [qty], level: row, function: touch, comment: Keeps updated_at.}
views:
  big_orders:
    comment: Orders of more than ten.
    sql: "SELECT id, qty FROM orders WHERE qty > 10 AND '```' <> 'x'"
    columns: {qty: {comment: The quantity.}}
    security_barrier: true
functions:
  touch:
    language: plpgsql
    returns: trigger
    body: "BEGIN NEW.updated_at := now(); RETURN NEW; END"
    comment: Sets updated_at.
  add_qty:
    language: sql
    arguments: [{name: a, type: integer}, {name: b, type: integer, default: "1"}]
    returns: integer
    volatility: immutable
    strict: true
    body: "SELECT a + b"
    comment: Adds.
"""


@pytest.fixture(scope="module")
def text(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("dd") / "schema.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return data_dictionary(load_spec(path))


def test_sections_come_in_dependency_order(text: str) -> None:
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## Types", "## Domains", "## Sequences", "## Tables", "## Views",
                        "## Functions and procedures", "## Triggers"]


def test_each_object_has_its_row(text: str) -> None:
    rows = set(text.splitlines())
    assert "| `money_range` | range | `subtype numeric(12,2)` | A range of money. |" in rows
    assert "| `item` | composite | `name text collate C, qty integer` | An &lt;item&gt;. |" in rows
    assert "| `positive_int` | `integer` | no |  | `positive_int_check: VALUE > 0` | More \\| than zero. |" in rows
    assert "| `order_no_seq` | bigint | `start 1000, cache 5` |  | Order numbers. |" in rows
    assert "| `loose_seq` | bigint |  |  | Owned by nothing. |" in rows
    assert "| `touch` |  | `trigger` | plpgsql | volatile | Sets updated_at. |" in rows
    assert "| `add_qty` | `a integer, b integer default 1` | `integer` | sql | immutable, strict | Adds. |" in rows
    assert ("| `orders_touch` | `orders` | `before update of qty for each row` | `touch()` | Keeps updated_at. |"
            in rows)


def test_a_view_shows_its_query_in_a_fence_it_cannot_close(text: str) -> None:
    lines = text.splitlines()
    start = lines.index("### big_orders")
    assert "Kind: view, security_barrier." in lines[start:]
    assert "| `qty` | The quantity. |" in lines[start:]
    fence = lines.index("````sql")
    assert lines[fence + 1] == "SELECT id, qty FROM orders WHERE qty > 10 AND '```' <> 'x'"
    assert lines[fence + 2] == "````"


def test_a_spec_with_tables_only_has_no_empty_sections() -> None:
    from generator.spec import parse_spec

    text = data_dictionary(parse_spec("version: 1\ntables:\n  t:\n    comment: T.\n    columns:\n"
                                      "      id: {type: bigint, primary_key: true, comment: Key.}\n"))
    assert [line for line in text.splitlines() if line.startswith("## ")] == ["## Tables"]
