"""A view's query (``views.<name>.sql``) is a whole statement: exactly one SELECT (or VALUES,
or WITH ... SELECT, or a UNION of them), checked with PostgreSQL's parser (pglast), the
sibling of ``generator.spec.sql_fragments`` for expressions (issue 17 item 8).

Refused: anything but one statement (``;`` anywhere outside a quoted string, a second
statement, a data-modifying WITH), a comment (it can hide text from a reviewer), SELECT INTO,
a query that does not stay the same query when pasted after ``CREATE VIEW v AS`` (text such as
``... WITH CASCADED CHECK OPTION`` would change the view around it), and the functions
``sql_fragments`` refuses (server files, SQL text, server control): a view runs whenever it
is read, a materialized view when it is created or refreshed.
"""

from __future__ import annotations

from functools import lru_cache

from pglast import ast, parse_sql
from pglast.parser import ParseError, scan

from generator.spec.sql_fragments import _REFUSED_FUNCTION_PREFIXES, _walk

MAX_LENGTH = 100_000


class ViewSqlProblem(ValueError):
    """A view query that is not exactly one SELECT; str() is the one-line reason."""


def check_view_sql(text: object) -> None:
    problem = _problem(text) if isinstance(text, str) else "sql must be text: one SELECT statement"
    if problem is not None:
        raise ViewSqlProblem(problem)


@lru_cache(maxsize=1024)
def _problem(text: str) -> str | None:
    if len(text) > MAX_LENGTH:
        return f"sql is {len(text)} characters long, over {MAX_LENGTH}"
    try:
        _check(text)
    except ViewSqlProblem as exc:
        return str(exc)
    except RecursionError:
        return "sql is nested too deeply; simplify the query"
    return None


def _reason(exc: ParseError) -> str:
    return str(exc.args[0]) if exc.args else str(exc)


def _check(text: str) -> None:
    if not text.strip():
        raise ViewSqlProblem("sql is empty; write one SELECT statement")
    if "\x00" in text:
        raise ViewSqlProblem("sql holds a NUL character")
    try:
        tokens = scan(text)
    except ParseError as exc:
        raise ViewSqlProblem(f"sql is not valid SQL: {_reason(exc)}") from None
    for token in tokens:
        if token.name in ("SQL_COMMENT", "C_COMMENT"):
            raise ViewSqlProblem(f"sql holds a comment at character {token.start + 1}; "
                                 "put notes in the view's comment: or a YAML comment")
        if token.name == "ASCII_59":
            raise ViewSqlProblem(f"sql holds ';' at character {token.start + 1}: a view is exactly one "
                                 "SELECT statement, without a trailing ';'")
    try:
        stmts = parse_sql(text)
    except ParseError as exc:
        raise ViewSqlProblem(f"sql is not valid SQL: {_reason(exc)}") from None
    if len(stmts) != 1 or not isinstance(stmts[0].stmt, ast.SelectStmt):
        kind = type(stmts[0].stmt).__name__ if len(stmts) == 1 else f"{len(stmts)} statements"
        raise ViewSqlProblem(f"sql must be exactly one SELECT statement, not {kind}")
    select = stmts[0].stmt
    if select.intoClause is not None:
        raise ViewSqlProblem("sql must not be SELECT INTO (it creates a table)")
    for node in _walk(select):
        if isinstance(node, ast.CommonTableExpr) and not isinstance(node.ctequery, ast.SelectStmt):
            raise ViewSqlProblem(f"sql's WITH {node.ctename} is not a SELECT; a view only reads")
        if isinstance(node, ast.FuncCall):
            name = str(getattr(node.funcname[-1], "sval", "")).lower()
            if name.startswith(_REFUSED_FUNCTION_PREFIXES):
                raise ViewSqlProblem(f"sql calls {name}(), which reads or writes server files, runs SQL "
                                     "text or controls the server; such functions are not allowed in the spec")
        if isinstance(node, ast.ParamRef):
            raise ViewSqlProblem(f"sql holds a parameter (${node.number}); write a value instead")
    try:
        placed = parse_sql(f"CREATE VIEW v AS {text}")
    except ParseError as exc:
        raise ViewSqlProblem(f"sql cannot follow CREATE VIEW ... AS: {_reason(exc)}") from None
    view = placed[0].stmt if len(placed) == 1 else None
    if (not isinstance(view, ast.ViewStmt) or view.query != select or view.options
            or int(view.withCheckOption or 0) != 0):
        raise ViewSqlProblem("sql does not stay one SELECT after CREATE VIEW ... AS; write check_option: "
                             "and the other options as keys of the view")


def relations_read(text: str) -> set[str]:
    """The relation names the query reads as the spec keys them (``billing.invoices``; bare in
    public), CTE names left out;
    empty when the query does not parse (check_view_sql reports that)."""
    try:
        stmts = parse_sql(text)
    except (ParseError, RecursionError):
        return set()
    ctes: set[str] = set()
    names: set[str] = set()
    for node in _walk(stmts):
        if isinstance(node, ast.CommonTableExpr):
            ctes.add(node.ctename)
        elif isinstance(node, ast.RangeVar) and node.relname:
            names.add(node.relname if node.schemaname in (None, "public") else f"{node.schemaname}.{node.relname}")
    return names - ctes
