"""Assembling ``schemactl diff``'s report from the catalog's changes and the engine's SQL. Pure.

The steps: fold constraint indexes and detail comment changes (``generator.drift.report``),
drop statements about functions the engine could not read, correct the SQL
(``generator.drift.fix_sql``), then add a change for each engine statement no catalog change
explains. Above both report and fix_sql, so neither imports the other's caller.
"""

from __future__ import annotations

from typing import Any

from generator.drift import fix_schemas
from generator.drift.fix_sql import correct
from generator.drift.report import (
    DiffReport,
    _bare,
    describe_statement,
    engine_only_changes,
    fold_changes,
    index_tables,
    split_label,
    split_session,
)
from generator.pg.catalog import Change, Snapshot


def build_report(changes: list[Change], engine_sql: list[str], live: Snapshot, spec: Snapshot,
                 hidden_functions: set[str] | frozenset[str] = frozenset(), **context: Any) -> DiffReport:
    """The report for catalog ``changes`` and migra's ``engine_sql`` (live -> spec).

    ``hidden_functions``: functions whose definition migra could not read in the live
    database (it shows a function's source only to its owner's role members); their
    statements are dropped unless the catalog, which reads every body, saw a change."""
    folded = [with_comment_detail(c, live, spec) for c in fold_changes(changes, live, spec)]
    engine_sql = without_hidden_functions(engine_sql, folded, hidden_functions)
    engine_sql, preamble = split_session(engine_sql)
    statements, missing = correct(engine_sql, folded, live, spec)
    extra = engine_only_changes(
        [s.sql for s in statements if s.origin == "migra"], folded, index_tables(live, spec)
    )
    preamble += fix_schemas.search_path_preamble([s.sql for s in statements])
    return DiffReport(changes=folded + extra, statements=statements, missing_sql=missing,
                      preamble=preamble, **context)


def without_hidden_functions(
    statements: list[str], changes: list[Change], hidden: set[str] | frozenset[str]
) -> list[str]:
    """migra's statements minus those about functions it could not read (see build_report);
    session settings alone (``set check_function_bodies = off``) are dropped too."""
    changed = {_bare(c.name) for c in changes if c.kind == "function"}
    kept = []
    for sql in statements:
        d = describe_statement(sql)
        if d is not None and d.kind == "function" and d.name in hidden and d.name not in changed:
            continue
        kept.append(sql)
    if all(describe_statement(sql) is None for sql in kept):
        return []
    return kept


def with_comment_detail(change: Change, live: Snapshot, spec: Snapshot) -> Change:
    """A comment change with the two comments as its detail (``database -> spec``)."""
    if change.kind != "comment" or change.detail:
        return change
    what, _, name = change.name.partition(" ")
    if what == "table":
        a, b = live.tables.get(name), spec.tables.get(name)
    elif what == "column":
        key = split_label(name, live.columns, spec.columns)
        a, b = (getattr(snap.columns.get(key), "comment", None) for snap in (live, spec))  # type: ignore[arg-type]
    elif what == "type":
        a, b = live.enum_comments.get(name), spec.enum_comments.get(name)
    else:
        return change
    return Change(change.kind, change.name, change.action, f"{_short(a)} -> {_short(b)}")


def _short(comment: str | None, width: int = 60) -> str:
    if comment is None:
        return "none"
    text = " ".join(comment.split())
    text = text if len(text) <= width else text[: width - 3] + "..."
    return "'" + text.replace("'", "''") + "'"  # as SQL quotes it
