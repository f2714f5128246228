"""SQL fragments written in the spec (``checks[].sql``, ``indexes[].where``, ``default_sql``):
each must be exactly one SQL expression, checked with PostgreSQL's own parser (pglast).

A spec is untrusted input until it is merged (see docs/security.md): a fragment such as
``true)); CREATE ROLE x SUPERUSER; CREATE TABLE zz (a int, CHECK (true`` would close the
statement it is pasted into and open others. So a fragment is refused unless

* its tokens hold no ``;`` and no comment (a comment can hide text from a reviewer, and ``--``
  would swallow what the generator writes after the fragment on the same line);
* ``SELECT <fragment>`` parses as one statement with one unnamed target and nothing else (no
  FROM, INTO, UNION, locking clause...), so it is one expression in the grammar's own terms;
* the expression holds no subquery and no ``$n`` parameter (PostgreSQL refuses both in CHECK,
  DEFAULT and index predicates; here they are refused early, at the fragment's line);
* pasted where it is used (``CHECK (...)``, ``DEFAULT ...``, ``CREATE INDEX ... WHERE ...``), the
  statement parses to the very same expression tree and nothing else, so the fragment cannot
  change the meaning of the text around it (``1 COLLATE "C"`` after DEFAULT is a column
  collation, not part of the default, and is refused).

pglast 8 embeds the parser of PostgreSQL 18 (pglast 7: 17); the grammar of expressions that
PostgreSQL 17 accepts is a subset of 18's, so a fragment refused here is refused by both, and
one that 17 rejects still fails in the proof or the build, at the fragment's line.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pglast import ast, parse_sql
from pglast.enums import ConstrType, LimitOption, RoleSpecType, SetOperation
from pglast.parser import ParseError, scan

Kind = Literal["check", "where", "default", "domain_check", "generated", "index_expression", "partition", "trigger_when",
               "policy_using", "policy_check"]

# Where each kind of fragment goes, with %s for the fragment; mirrors the DDL that
# SQLAlchemy renders (CHECK (...), DEFAULT ..., CREATE INDEX ... WHERE ...).
_CONTEXT: dict[str, str] = {
    "check": "ALTER TABLE t ADD CONSTRAINT c CHECK ({})",
    "where": "CREATE INDEX i ON t (c) WHERE {}",
    "default": "CREATE TABLE t (c integer DEFAULT {})",
    "domain_check": "CREATE DOMAIN d AS integer CONSTRAINT c CHECK ({})",
    "generated": "CREATE TABLE t (c integer GENERATED ALWAYS AS ({}) STORED)",
    "index_expression": "CREATE INDEX i ON t (({}))",  # also an exclusion element's expression
    "partition": "CREATE TABLE t (c integer) PARTITION BY RANGE (({}))",  # generator.spec.partitions
    "trigger_when": "CREATE TRIGGER g BEFORE UPDATE ON t FOR EACH ROW WHEN ({}) EXECUTE FUNCTION f()",  # spec/functions.py
    "policy_using": "CREATE POLICY p ON t USING ({})",  # spec/access.py: subqueries allowed
    "policy_check": "CREATE POLICY p ON t WITH CHECK ({})",
}
_SUBQUERIES_ALLOWED = ("policy_using", "policy_check")

_CLAUSES = {
    "distinctClause": "DISTINCT", "intoClause": "INTO", "fromClause": "FROM", "whereClause": "WHERE",
    "groupClause": "GROUP BY", "havingClause": "HAVING", "windowClause": "WINDOW",
    "valuesLists": "VALUES", "sortClause": "ORDER BY", "limitOffset": "OFFSET", "limitCount": "LIMIT",
    "lockingClause": "FOR UPDATE/SHARE", "withClause": "WITH", "larg": "UNION/INTERSECT/EXCEPT",
    "rarg": "UNION/INTERSECT/EXCEPT",
}

# Longer fragments are refused before parsing: PostgreSQL's parser, and pglast's conversion
# of its tree, recurse per nesting level (100,000 chained "+" crash the process).
MAX_LENGTH = 10_000

_WHAT = {"check": "CHECK", "where": "index WHERE", "default": "default_sql", "domain_check": "domain CHECK",
         "generated": "generated column expression", "index_expression": "index expression",
         "partition": "partition key expression", "trigger_when": "trigger WHEN",
         "policy_using": "policy USING", "policy_check": "policy WITH CHECK"}


class FragmentProblem(ValueError):
    """A fragment that is not exactly one SQL expression; str() is the one-line reason."""


def check_fragment(text: str, kind: Kind) -> None:
    """Raise FragmentProblem unless ``text`` is exactly one SQL expression usable as ``kind``."""
    problem = _problem(text, kind) if isinstance(text, str) else f"{_WHAT[kind]} must be text"
    if problem is not None:
        raise FragmentProblem(problem)


@lru_cache(maxsize=4096)
def _problem(text: str, kind: Kind) -> str | None:
    """The reason ``text`` is refused, or None; cached, as specs repeat fragments
    (``deleted_at IS NULL``) and each check costs two parses."""
    if len(text) > MAX_LENGTH:
        return f"{_WHAT[kind]} is {len(text)} characters long, over {MAX_LENGTH}; split the rule"
    try:
        _check(text, kind)
    except FragmentProblem as exc:
        return str(exc)
    except RecursionError:
        return f"{_WHAT[kind]} is nested too deeply; simplify the expression"
    return None


def _check(text: str, kind: Kind) -> None:
    what = _WHAT[kind]
    if not isinstance(text, str) or not text.strip():
        raise FragmentProblem(f"{what} is empty; write one SQL expression")
    if "\x00" in text:
        raise FragmentProblem(f"{what} holds a NUL character")
    try:
        tokens = scan(text)
    except ParseError as exc:
        raise FragmentProblem(f"{what} is not valid SQL: {_reason(exc)}") from None
    for token in tokens:
        if token.name in ("SQL_COMMENT", "C_COMMENT"):
            raise FragmentProblem(
                f"{what} holds a comment at character {token.start + 1}; comments are not "
                "allowed in SQL expressions (put notes in a YAML comment)"
            )
        if token.name == "ASCII_59":
            raise FragmentProblem(
                f"{what} holds ';' at character {token.start + 1}: it must be exactly one "
                "SQL expression, not statements (';' is fine inside a quoted string)"
            )
    expr = _one_expression(text, what)
    _refuse_inside(expr, what, subqueries=kind in _SUBQUERIES_ALLOWED)
    context = _CONTEXT[kind].format(text)
    try:
        stmts = parse_sql(context)
    except ParseError as exc:
        raise FragmentProblem(f"{what} cannot be used there: {_reason(exc)}") from None
    placed = _placed(stmts, kind)
    if placed is None or placed != expr:
        raise FragmentProblem(
            f"{what} does not stay one expression where it is used; wrap it in parentheses "
            "or remove what follows the expression"
        )


def _reason(exc: ParseError) -> str:
    return str(exc.args[0]) if exc.args else str(exc)


def _one_expression(text: str, what: str) -> Any:
    try:
        stmts = parse_sql("SELECT " + text)
    except ParseError as exc:
        raise FragmentProblem(f"{what} is not a valid SQL expression: {_reason(exc)}") from None
    if len(stmts) != 1 or not isinstance(stmts[0].stmt, ast.SelectStmt):
        raise FragmentProblem(f"{what} must be exactly one SQL expression")
    select = stmts[0].stmt
    extra = [
        name
        for name in select
        if name not in ("targetList", "limitOption", "op", "all", "groupDistinct")
        and getattr(select, name) not in (None, (), [])
    ]
    if extra or select.op != SetOperation.SETOP_NONE or select.all or select.groupDistinct:
        raise FragmentProblem(
            f"{what} must be exactly one SQL expression, not a query (found "
            f"{_CLAUSES.get(extra[0], extra[0]) if extra else 'UNION/INTERSECT/EXCEPT'})"
        )
    if select.limitOption not in (None, LimitOption.LIMIT_OPTION_DEFAULT):
        raise FragmentProblem(f"{what} must be exactly one SQL expression, not a query")
    targets = select.targetList or ()
    if len(targets) != 1:
        raise FragmentProblem(
            f"{what} must be exactly one SQL expression, found {len(targets)} separated by ','"
        )
    target = targets[0]
    if target.name is not None or target.indirection:
        raise FragmentProblem(f"{what} must be one SQL expression without an alias (AS ...)")
    return target.val


# Functions a fragment may not call. A CHECK or default runs whenever a row is written (the
# seed revision's proof, `schemactl up`), often as a superuser of the dev server: these read
# or write server files, run SQL given as text, reach other databases, or stop, reconfigure
# or block the server. Names are compared lower-cased, without their schema.
_REFUSED_FUNCTION_PREFIXES = (
    "lo_", "loread", "lowrite", "pg_read_", "pg_file_", "pg_ls_", "pg_stat_file",
    "pg_stat_reset", "dblink", "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf",
    "pg_rotate_logfile", "pg_log_backend", "pg_sleep", "pg_advisory", "pg_try_advisory",
    "pg_notify", "pg_logical_", "pg_create_", "pg_drop_replication", "pg_replication_",
    "pg_copy_", "pg_switch_wal", "pg_promote", "pg_backup_", "pg_wal_replay_",
    "pg_import_system_collations", "pg_export_snapshot", "set_config", "setval",
    "query_to_xml", "cursor_to_xml", "table_to_xml", "schema_to_xml", "database_to_xml",
    "ts_stat", "ts_rewrite", "crosstab", "connectby", "pg_current_logfile",
    "pg_stat_statements_reset", "binary_upgrade_",
)


def _refuse_inside(expr: Any, what: str, subqueries: bool = False) -> None:
    for node in _walk(expr):
        if isinstance(node, ast.FuncCall):
            name = str(getattr(node.funcname[-1], "sval", "")).lower()
            if name.startswith(_REFUSED_FUNCTION_PREFIXES):
                raise FragmentProblem(
                    f"{what} calls {name}(), which reads or writes server files, runs SQL "
                    "text or controls the server; such functions are not allowed in the spec"
                )
        if isinstance(node, ast.SubLink) and not subqueries:
            raise FragmentProblem(
                f"{what} holds a subquery; PostgreSQL allows none in CHECK, DEFAULT or index "
                "predicates"
            )
        if isinstance(node, ast.ParamRef):
            raise FragmentProblem(f"{what} holds a parameter (${node.number}); write a value instead")


def _walk(node: Any):
    """Every node under ``node``, without recursion (a deep tree must not exhaust the stack)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Node):
            yield item
            stack.extend(getattr(item, name) for name in item)
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _placed(stmts: Any, kind: str) -> Any:
    """The fragment's expression in the context statement, or None if the context statement
    came out as anything but the one expected shape."""
    if len(stmts) != 1:
        return None
    stmt = stmts[0].stmt
    if kind == "check":
        if not isinstance(stmt, ast.AlterTableStmt) or len(stmt.cmds or ()) != 1:
            return None
        constraint = stmt.cmds[0].def_
        if not isinstance(constraint, ast.Constraint) or constraint.conname != "c":
            return None
        return constraint.raw_expr
    if kind == "where":
        if not isinstance(stmt, ast.IndexStmt) or len(stmt.indexParams or ()) != 1:
            return None
        return stmt.whereClause
    if kind == "partition":
        return _placed_partition_key(stmt)
    if kind in _SUBQUERIES_ALLOWED:
        ok = (isinstance(stmt, ast.CreatePolicyStmt) and stmt.cmd_name == "all" and stmt.permissive
              and len(stmt.roles or ()) == 1 and stmt.roles[0].roletype == RoleSpecType.ROLESPEC_PUBLIC
              and (stmt.with_check is None if kind == "policy_using" else stmt.qual is None))
        return (stmt.qual if kind == "policy_using" else stmt.with_check) if ok else None
    if kind == "trigger_when":
        ok = isinstance(stmt, ast.CreateTrigStmt) and not stmt.args and not stmt.columns and not stmt.transitionRels
        return stmt.whenClause if ok else None
    if kind == "index_expression":
        if not isinstance(stmt, ast.IndexStmt) or len(stmt.indexParams or ()) != 1 or stmt.whereClause is not None:
            return None
        elem = stmt.indexParams[0]
        if elem.collation or elem.opclass or elem.ordering or elem.nulls_ordering:
            return None
        return elem.expr
    if kind == "domain_check":
        if not isinstance(stmt, ast.CreateDomainStmt) or stmt.collClause is not None or len(stmt.constraints or ()) != 1:
            return None
        constraint = stmt.constraints[0]
        if constraint.contype != ConstrType.CONSTR_CHECK or constraint.conname != "c":
            return None
        return constraint.raw_expr
    wanted = ConstrType.CONSTR_GENERATED if kind == "generated" else ConstrType.CONSTR_DEFAULT
    if not isinstance(stmt, ast.CreateStmt) or len(stmt.tableElts or ()) != 1:
        return None
    column = stmt.tableElts[0]
    if not isinstance(column, ast.ColumnDef) or column.collClause is not None:
        return None
    constraints = column.constraints or ()
    if len(constraints) != 1 or constraints[0].contype != wanted:
        return None
    return constraints[0].raw_expr


def fragments(spec: Any) -> list[tuple[str, tuple, str, str]]:
    """Every SQL fragment of a spec: (text, path to it, what it is, table name)."""
    out = []
    for table in spec.tables.values():
        for col in table.columns.values():
            if col.default_sql is not None:
                out.append((col.default_sql, col.path + ("default_sql",), f"default_sql of {table.name}.{col.name}", table.name))
        for ck in table.checks:
            out.append((ck.sql, ck.path + ("sql",), f"check {ck.short_name} on {table.name}", table.name))
        for i, ix in enumerate(table.indexes):
            if ix.where is not None:
                out.append((ix.where, ix.path + ("where",), f"WHERE of index #{i + 1} on {table.name}", table.name))
            for j, item in enumerate(ix.columns):
                if item.expression is not None:
                    out.append((item.expression, ix.path + ("columns", j, "expression"), f"expression of index #{i + 1} on {table.name}", table.name))
        for ex in getattr(table, "exclusions", ()):
            if ex.where is not None:
                out.append((ex.where, ex.path + ("where",), f"WHERE of exclusion {ex.name} on {table.name}", table.name))
            for j, el in enumerate(ex.elements):
                if el.expression is not None:
                    out.append((el.expression, ex.path + ("elements", j, "expression"), f"expression of exclusion {ex.name} on {table.name}", table.name))
    from generator.spec.domains import fragments as domain_fragments

    out += [(text, path, what, table) for text, _kind, path, what, table in domain_fragments(spec)]
    out += opaque_type_fragments(spec)
    for table, policies in getattr(getattr(spec, "access", None), "policies", {}).items():  # spec/access.py
        for p in policies:
            out += [(text, p.path + (key,), f"{key} of policy {p.name} on {table}", table)
                    for key, text in (("using", p.using), ("with_check", p.with_check)) if text is not None]
    return out


def opaque_type_fragments(spec: Any) -> list[tuple[str, tuple, str, str]]:
    """The types PostgreSQL judges (issue 16), as the DDL writes them, so a type it does not
    know is reported at the column's (or the composite attribute's) type."""
    out = []
    for table in spec.tables.values():
        for col in table.columns.values():
            if col.ctype is not None and col.ctype.opaque:
                out.append((col.ctype.sql(), col.path + ("type",), f"type of {table.name}.{col.name}", table.name))
    for t in getattr(spec, "types", {}).values():
        for attr in t.attributes + ((t.subtype,) if t.subtype else ()):
            if attr.ctype is not None and attr.ctype.opaque:
                path = attr.path + (("type",) if t.kind == "composite" else ())
                out.append((attr.ctype.sql(), path, f"type {t.name}", ""))
    return out


def fragment_at(spec: Any, statement: str, error: Any) -> tuple[tuple, str]:
    """The spec path and a label of the fragment PostgreSQL refused in ``statement`` (by the
    error's position, else by the column it names), else of the statement's table; ((), "")
    when nothing matches."""
    import re

    position = None
    diag = getattr(error, "diag", None)
    raw = getattr(diag, "statement_position", None) if diag is not None else None
    if raw and str(raw).isdigit():
        position = int(raw) - 1
    message = str(error)
    spans = []
    for text, path, what, table in fragments(spec):
        start = statement.find(text)
        while start != -1:
            spans.append((start, start + len(text), text, path, what, table))
            start = statement.find(text, start + 1)
    if position is not None:
        hits = [s for s in spans if s[0] <= position < s[1]]
        if hits:
            best = min(hits, key=lambda s: s[1] - s[0])
            return best[3], best[4]
    column = re.search(r'column "([^"]+)"', message)
    named = [s for s in spans if column and re.search(rf"(?<![\w$]){re.escape(column.group(1))}(?![\w$])", s[2])]
    if len(named) == 1 or (named and len({s[3] for s in named}) == 1):
        return named[0][3], named[0][4]
    if len({s[3] for s in spans}) == 1:
        return spans[0][3], spans[0][4]
    created = re.match(r'\s*(?:CREATE TABLE|ALTER TABLE|CREATE (?:UNIQUE )?INDEX \S+ ON)\s+"?([^"\s(]+)"?', statement)
    if created and created.group(1) in spec.tables:
        table = spec.tables[created.group(1)]
        return table.path, f"table {table.name}"
    return (), ""


# ------------------------------------------------------------------ partitions (generator.spec.partitions)


def _placed_partition_key(stmt: Any) -> Any:
    spec = stmt.partspec if isinstance(stmt, ast.CreateStmt) else None
    if spec is None or len(spec.partParams or ()) != 1 or len(stmt.tableElts or ()) != 1:
        return None
    elem = spec.partParams[0]
    if elem.name is not None or elem.collation or elem.opclass:
        return None
    return elem.expr


_BOUND_FORMS = {"range": ("r", "FOR VALUES FROM (...) TO (...)"), "list": ("l", "FOR VALUES IN (...)"),
                "hash": ("h", "FOR VALUES WITH (MODULUS m, REMAINDER r)")}


def check_partition_bound(text: str, strategy: str | None = None) -> None:
    """Raise FragmentProblem unless ``text`` is exactly one partition bound (``FOR VALUES ...``
    or ``DEFAULT``, as ``pg_get_expr(relpartbound)`` prints it), of the form ``strategy``
    (range, list, hash) takes when given: ``CREATE TABLE p PARTITION OF t <text>`` must parse
    to that one statement with nothing but the bound, whose values hold no subquery, parameter
    or refused function."""
    what = "bound"
    if not isinstance(text, str) or not text.strip():
        raise FragmentProblem(f"{what} is empty; write FOR VALUES ... or DEFAULT")
    if len(text) > MAX_LENGTH or "\x00" in text:
        raise FragmentProblem(f"{what} is too long or holds a NUL character")
    try:
        tokens = scan(text)
    except ParseError as exc:
        raise FragmentProblem(f"{what} is not valid SQL: {_reason(exc)}") from None
    for token in tokens:
        if token.name in ("SQL_COMMENT", "C_COMMENT") or token.name == "ASCII_59":
            raise FragmentProblem(f"{what} holds a comment or ';' at character {token.start + 1}; write exactly one partition bound")
    try:
        stmts = parse_sql("CREATE TABLE p PARTITION OF t " + text)
    except ParseError as exc:
        raise FragmentProblem(f"{what} is not one partition bound (FOR VALUES ... or DEFAULT): {_reason(exc)}") from None
    stmt = stmts[0].stmt if len(stmts) == 1 else None
    if not isinstance(stmt, ast.CreateStmt) or stmt.partbound is None or any(
        getattr(stmt, name) not in (None, (), [], False)
        for name in ("tableElts", "partspec", "constraints", "options", "tablespacename", "accessMethod", "ofTypename")
    ) or len(stmt.inhRelations or ()) != 1:
        raise FragmentProblem(f"{what} must be exactly one partition bound (FOR VALUES ... or DEFAULT), nothing after it")
    bound = stmt.partbound
    for values in (bound.listdatums, bound.lowerdatums, bound.upperdatums):
        for value in values or ():
            _refuse_inside(value, what)
    if strategy in _BOUND_FORMS and not bound.is_default and bound.strategy != _BOUND_FORMS[strategy][0]:
        raise FragmentProblem(f"{what} of a {strategy} partition is written {_BOUND_FORMS[strategy][1]} (or DEFAULT)")
    if strategy == "hash" and bound.is_default:
        raise FragmentProblem("a hash-partitioned table has no DEFAULT partition (PostgreSQL's rule)")
