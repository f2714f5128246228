"""The YAML that schemactl import writes reads back exactly (generator/adopt/yamltext.py), and
the writer's order is fixed. No server."""

from __future__ import annotations

import yaml

from generator.adopt.write_index_forms import _element, _short
from generator.adopt.writer import _dependency_order
from generator.adopt.yamltext import Block, emit, scalar

HOSTILE = [
    "yes", "No", "ON", "off", "y", "n", "null", "Null", "~", "true", "False", "1e3", "0x1F", "0o7", "012",
    "1_000", "1:20", "3.14", ".inf", "-.inf", ".nan", "*alias", "&anchor", "!tag", "!!str", "%TAG", "@x",
    "`x", "a: b", "a #b", "# c", "- item", "? key", "{}", "[x]", "{a: 1}", "'single'", '"double"',
    "two\nlines", "tab\there", " lead", "trail ", "", "back\\slash", "émoji 🎉", "\x7f", "\x85", "\u2028",
    "\ufeffbom", "=", "<<", "|", ">", "2026-12-01", "12:30:00",
]


def test_every_hostile_string_reads_back_as_itself() -> None:
    for text in HOSTILE:
        doc = emit(Block({"k": text, "l": [text], "m": [{"n": text}], text or "empty": 1}))
        data = yaml.safe_load(doc)
        assert data["k"] == text, (text, doc)
        assert data["l"] == [text]
        assert data["m"] == [{"n": text}]
        assert (text or "empty") in data


def test_plain_only_for_unambiguous_identifiers() -> None:
    assert scalar("orders") == "orders"
    assert scalar("OrderID") == "OrderID"
    assert scalar("yes") == '"yes"'
    assert scalar("Order Details") == '"Order Details"'
    assert scalar("numeric(10,2)") == '"numeric(10,2)"'
    assert scalar(True) == "true" and scalar(7) == "7"


def test_tables_come_referenced_first_then_by_name() -> None:
    def table(*refs: str) -> dict:
        cols = {f"c{i}": {"references": {"table": r}} for i, r in enumerate(refs)}
        return {"columns": Block(cols)}

    tables = {"b": table("c"), "a": table(), "c": table(), "d": table("d"), "e": table("f"), "f": table("e")}
    assert _dependency_order(tables) == ["a", "c", "b", "d", "e", "f"]


def test_index_column_order_words() -> None:
    from pglast import parse_sql

    def words(item: str) -> object:
        return _short(_element(parse_sql(f"CREATE INDEX i ON t ({item})")[0].stmt.indexParams[0]))

    assert words("x") == "x"
    assert words("x DESC") == "x desc"  # DESC defaults to NULLS FIRST
    assert words("x DESC NULLS LAST") == "x desc nulls last"
    assert words("x NULLS FIRST") == "x nulls first"
    assert words("x text_pattern_ops DESC") == {"column": "x", "opclass": "text_pattern_ops", "order": "desc"}
