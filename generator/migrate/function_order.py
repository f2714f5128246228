"""Which relations a function's body reads, from its ``pg_get_functiondef`` text (issue 17
item 6): PostgreSQL checks a language sql body when the function is created, and pg_depend
records nothing for it (only BEGIN ATOMIC bodies), so a revision that creates such a function
and the view it reads must create the view first. Parsed with pglast, never matched as text.
"""

from __future__ import annotations

from pglast import ast, parse_sql
from pglast.parser import ParseError

from generator.spec.dependencies import relations_read


def sql_body(definition: str) -> str | None:
    """The body of a language sql function's CREATE FUNCTION text, else None."""
    try:
        stmts = parse_sql(definition)
    except (ParseError, RecursionError, ValueError):
        return None
    if len(stmts) != 1 or not isinstance(stmts[0].stmt, ast.CreateFunctionStmt):
        return None
    options = {o.defname: o.arg for o in stmts[0].stmt.options or ()}
    language = getattr(options.get("language"), "sval", None)
    body = options.get("as")
    if language != "sql" or not body:
        return None
    return getattr(body[0], "sval", None)


def reads_views(definition: str | None, views: set[str]) -> bool:
    """Whether the function (a language sql one) reads one of ``views``."""
    body = sql_body(definition or "") if views else None
    return bool(body and relations_read(body) & views)
