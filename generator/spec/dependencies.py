"""Creation order of functions and views (issue 17 item 6), from what each one names, parsed
with PostgreSQL's parser (pglast), never guessed from the function's language alone:

- a function that a table needs (called in a CHECK, a column default or generated
  expression, an index expression or predicate, a domain's CHECK or default) is created
  before the tables;
- a language sql function whose body reads a table or view of the spec (PostgreSQL checks a
  sql body at CREATE time), or whose argument or return types name a table's row type, is
  created after the tables; one that reads a view, after that view;
- a view is created after the views it reads and the late functions it calls.

``late_order`` is one topological order of the late functions and the views; the revision
ops and ``diff`` order the same objects by pg_depend of the proof database
(generator.pg.catalog_views). Pure: no SQLAlchemy, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pglast import ast, parse_sql
from pglast.parser import ParseError

from generator.spec.sql_fragments import _walk


def canonical_of(schema: str | None, name: str) -> str:
    """A name the SQL text writes, as the spec keys it: ``name`` or ``public.name`` is
    ``name``, ``billing.name`` is ``billing.name`` (generator.spec.namespaces)."""
    return name if schema in (None, "public") else f"{schema}.{name}"


def _parse(text: str) -> list[Any]:
    try:
        return list(parse_sql(text))
    except (ParseError, RecursionError, ValueError):
        return []


def _expression_nodes(text: str) -> Iterator[Any]:
    for stmt in _parse(f"SELECT {text}"):
        yield from _walk(stmt)


def functions_called(texts: Iterable[str | None]) -> set[str]:
    """Function names called in the expressions ``texts``, as the spec keys them."""
    out: set[str] = set()
    for text in texts:
        if not text:
            continue
        for node in _expression_nodes(text):
            if isinstance(node, ast.FuncCall):
                names = [getattr(n, "sval", "") for n in node.funcname]
                if len(names) in (1, 2):
                    out.add(canonical_of(names[0] if len(names) == 2 else None, names[-1]))
    return out


def _statement_nodes(text: str) -> Iterator[Any]:
    for stmt in _parse(text):
        yield from _walk(stmt)


def relations_read(body: str) -> set[str]:
    """Relations a sql function body (one or more statements) names, CTE names left out."""
    ctes: set[str] = set()
    names: set[str] = set()
    for node in _statement_nodes(body):
        if isinstance(node, ast.CommonTableExpr):
            ctes.add(node.ctename)
        elif isinstance(node, ast.RangeVar) and node.relname:
            names.add(canonical_of(node.schemaname, node.relname))
    return names - ctes


def _calls_in_statement(text: str) -> set[str]:
    out: set[str] = set()
    for node in _statement_nodes(text):
        if isinstance(node, ast.FuncCall):
            names = [getattr(n, "sval", "") for n in node.funcname]
            if len(names) in (1, 2):
                out.add(canonical_of(names[0] if len(names) == 2 else None, names[-1]))
    return out


def table_expressions(spec: Any) -> Iterator[str | None]:
    """Every expression a table or domain holds: checks, defaults, generated columns,
    index expressions and predicates."""
    for table in spec.tables.values():
        for check in table.checks:
            yield check.sql
        for col in table.columns.values():
            yield col.default_sql
            if col.generated is not None:
                yield col.generated.sql
        for ix in table.indexes:
            yield ix.where
            for c in ix.columns:
                yield c.expression
    for domain in getattr(spec, "domains", {}).values():
        yield domain.default_sql
        for check in domain.checks:
            yield getattr(check, "sql", None)


def needed_by_tables(spec: Any) -> set[str]:
    """Names of the spec's functions that a table or domain calls."""
    return functions_called(table_expressions(spec)) & set(spec.functions)


def _type_words(fn: Any) -> set[str]:
    words = {w.strip('"').lower() for a in fn.arguments for w in a.type.replace("(", " ").split()}
    words |= {w.strip('"').lower() for w in (fn.returns or "").replace("(", " ").replace(",", " ").split()}
    return words


def after_tables(fn: Any, spec: Any) -> bool:
    """Whether ``fn`` is created after the tables (and among the views, ``late_order``)."""
    if fn.name in needed_by_tables(spec):
        return False
    if _type_words(fn) & {t.lower() for t in spec.tables}:
        return True
    if fn.language != "sql":
        return False  # plpgsql bodies are checked only when they run
    return bool(relations_read(fn.body) & (set(spec.tables) | set(spec.views)))


def late_order(spec: Any) -> list[tuple[str, Any]]:
    """The late functions and the views, as ("function", FunctionSpec) / ("view", ViewSpec),
    each after what it reads or calls (the spec's order otherwise: views in their creation
    order, functions first among equals). A cycle keeps the spec's order."""
    from generator.spec.views import creation_order

    functions = [f for f in spec.functions.values() if after_tables(f, spec)]
    items: list[tuple[str, Any]] = [("function", f) for f in functions]
    items += [("view", v) for v in creation_order(spec.views)]
    late_functions = {f.name for f in functions}
    deps: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for kind, obj in items:
        if kind == "function":
            reads = relations_read(obj.body) & set(spec.views)
            calls = _calls_in_statement(obj.body) & late_functions - {obj.name} if obj.language == "sql" else set()
        else:
            from generator.spec.view_sql import relations_read as view_reads

            reads = view_reads(obj.sql) & set(spec.views) - {obj.name}
            calls = _calls_in_statement(obj.sql) & late_functions
        deps[(kind, obj.name)] = {("view", r) for r in reads} | {("function", c) for c in calls}
    done: list[tuple[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    by_key = {(kind, obj.name): (kind, obj) for kind, obj in items}

    def visit(key: tuple[str, str], path: frozenset[tuple[str, str]]) -> None:
        if key in seen or key in path or key not in by_key:
            return
        for dep in sorted(deps[key]):
            visit(dep, path | {key})
        seen.add(key)
        done.append(by_key[key])

    for kind, obj in items:
        visit((kind, obj.name), frozenset())
    return done
