"""issue 16: seeds of columns of any type by name. A type without an equality operator
(point, polygon, xml) is compared as text in the upsert's IS DISTINCT FROM, so a second seed
run updates a changed row and leaves an unchanged one alone."""

from __future__ import annotations

from drift_helpers import execute_autocommit

from generator.seeds.apply import upsert_statements
from generator.seeds.spec import SeedTable


def test_seed_upsert_of_types_without_equality(empty_db: str) -> None:
    execute_autocommit(empty_db, "CREATE TABLE spot (code text PRIMARY KEY, pos point, shape polygon, rate money, during int4range)")
    table = SeedTable("spot", ("code",), ({"code": "a", "pos": "(1,2)", "shape": "((0,0),(1,1),(1,0))", "rate": 5, "during": "[1,5)"},),
                      text_compared=frozenset({"pos", "shape", "rate", "during"}))
    first = [execute_autocommit(empty_db, sql) for sql in upsert_statements(table)]
    assert first[0] == [(True, "a")]
    again = [execute_autocommit(empty_db, sql) for sql in upsert_statements(table)]
    assert again[0] == []  # unchanged: no update
    changed = SeedTable("spot", ("code",), ({"code": "a", "pos": "(3,4)", "shape": "((0,0),(1,1),(1,0))", "rate": 5, "during": "[1,5)"},),
                        text_compared=frozenset({"pos", "shape", "rate", "during"}))
    assert [execute_autocommit(empty_db, sql) for sql in upsert_statements(changed)][0] == [(False, "a")]
    assert execute_autocommit(empty_db, "SELECT pos::text, rate::numeric FROM spot") == [("(3,4)", 5)]
