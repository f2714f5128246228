"""generator.adopt.stable_boolean: an expression PostgreSQL printed, made to parse back into
the same tree (a BETWEEN's AND nested as the first operand of an AND; NOT BETWEEN's OR)."""

from __future__ import annotations

import pytest

from generator.adopt.stable_boolean import stable


@pytest.mark.parametrize(("printed", "stable_text"), [
    ("(((length(s) >= 1) AND (length(s) <= 1024)) AND (\"left\"(s, 1) <> '/'::text))",
     "(((length(s) >= 1) AND (length(s) <= 1024))::boolean AND (\"left\"(s, 1) <> '/'::text))"),
    ("(((n < 1) OR (n > 3)) OR (s = 'x'::text))", "(((n < 1) OR (n > 3))::boolean OR (s = 'x'::text))"),
    # offsets are characters, not bytes
    ("(((((a >= 1) AND (a <= 2)) AND (b = 'ğüş'::text)) AND (c > 0)))",
     "(((((a >= 1) AND (a <= 2))::boolean AND (b = 'ğüş'::text))::boolean AND (c > 0)))"),
])
def test_a_nested_first_operand_is_cast_to_boolean(printed: str, stable_text: str) -> None:
    assert stable(printed) == stable_text


@pytest.mark.parametrize("printed", [
    "((a > 0) AND (b > 0))",                       # flat: parses back the same
    "((a > 0) AND ((b > 0) AND (c > 0)))",         # nested on the right: the grammar keeps it
    "(((a > 0) OR (b > 0)) AND (c > 0))",          # an OR inside an AND is its own node
    "f(((a > 0) AND (b > 0)), c)",                 # a call's arguments are no AND group
    "(a = 'x AND (y)'::text)",                     # keywords inside a string are no keywords
    "unbalanced ((",                               # not printed by PostgreSQL: left alone
])
def test_what_parses_back_the_same_is_unchanged(printed: str) -> None:
    assert stable(printed) == printed
