"""Semantic checks of the index and constraint forms (``generator.spec.index_forms``).

Every expression (index item, exclusion element, exclusion WHERE) is one SQL expression
(``generator.spec.sql_fragments``) whose column references name columns of its table; every
operator class, collation and operator is a name, never SQL; storage parameters are plain
names and values; INCLUDE columns exist; ``initially_deferred`` needs ``deferrable``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from generator.errors import Problem
from generator.spec import naming
from generator.spec.index_forms import name_problem, operator_problem, storage_problems
from generator.spec.model import Spec, TableSpec
from generator.spec.source import Source


def index_form_problems(spec: Spec, source: Source) -> Iterator[Problem]:
    for table in spec.tables.values():
        yield from _index_items(table, source)
        yield from _keys(table, source)
        yield from _exclusions(table, source)


def _expression(text: object, table: TableSpec, path: tuple, what: str, source: Source,
                kind: str = "index_expression") -> Iterator[Problem]:
    from generator.spec.sql_fragments import FragmentProblem, check_fragment

    if not isinstance(text, str):
        return
    try:
        check_fragment(text, kind)  # type: ignore[arg-type]
    except FragmentProblem as exc:
        yield source.problem(path, f"{what}: {exc}")
        return
    for name in sorted(_column_refs(text) - set(table.columns)):
        yield source.problem(path, f"{what}: column {name!r} does not exist in {table.name}")


def _column_refs(text: str) -> set[str]:
    """Names of the unqualified column references of one expression (parsed by pglast)."""
    from pglast import ast, parse_sql

    out: set[str] = set()
    stack: list[Any] = [parse_sql("SELECT " + text)[0].stmt.targetList[0].val]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ColumnRef):
            fields = node.fields or ()
            if len(fields) == 1 and isinstance(fields[0], ast.String):
                out.add(fields[0].sval)
        if isinstance(node, ast.Node):
            stack.extend(getattr(node, name) for name in node)
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
    return out


def _names(item: Any, path: tuple, what: str, source: Source) -> Iterator[Problem]:
    for key, label in (("opclass", "operator class"), ("collation", "collation")):
        value = getattr(item, key)
        if value is not None:
            problem = name_problem(value, label)
            if problem:
                yield source.problem(path + (key,), f"{what}: {problem}")


def _include(columns: tuple[str, ...], table: TableSpec, path: tuple, what: str, source: Source) -> Iterator[Problem]:
    for j, name in enumerate(columns):
        if name not in table.columns:
            yield source.problem(path + ("include", j), f"{what}: include column {name!r} does not exist")


_METHOD = re.compile(r"[a-z_][a-z0-9_]*\Z")


def _method(using: object, path: tuple, what: str, source: Source) -> Iterator[Problem]:
    """An access method is a lower-case name (``settings: {naming: verbatim}`` lets names be
    anything, but not this one: it is no object of the user's)."""
    if isinstance(using, str) and _METHOD.match(using) is None:
        yield source.problem(path + ("using",), f"{what}: access method {using!r} is not a lower-case name")


def _index_items(table: TableSpec, source: Source) -> Iterator[Problem]:
    for i, ix in enumerate(table.indexes):
        what = f"index #{i + 1} on {table.name}"
        yield from _method(ix.using, ix.path, what, source)
        for j, item in enumerate(ix.columns):
            path = ix.path + ("columns", j)
            if item.expression is not None:
                yield from _expression(item.expression, table, path + ("expression",), what, source)
            yield from _names(item, path, what, source)
            for problem in storage_problems(dict(item.opclass_params), what):
                yield source.problem(path + ("opclass_params",), problem)
        if any(item.expression is not None for item in ix.columns) and not ix.explicit_name:
            yield source.problem(ix.path, f"{what}: an index with an expression needs a name (add name: ix_<table>_<what>)")
        yield from _include(ix.include, table, ix.path, what, source)
        for problem in storage_problems(dict(ix.with_params), what):
            yield source.problem(ix.path + ("with",), problem)
        if ix.nulls_not_distinct and not ix.unique:
            yield source.problem(ix.path + ("nulls_not_distinct",), f"{what}: nulls_not_distinct needs unique: true")


def _keys(table: TableSpec, source: Source) -> Iterator[Problem]:
    if table.pk_initially_deferred and not table.pk_deferrable:
        yield source.problem(table.path + ("primary_key", "initially_deferred"),
                             f"primary key of {table.name}: initially_deferred needs deferrable: true")
    yield from _include(table.pk_include, table, table.path + ("primary_key",), f"primary key of {table.name}", source)
    for u in table.uniques:
        what = f"unique on {table.name}({', '.join(u.columns)})"
        if u.initially_deferred and not u.deferrable:
            yield source.problem(u.path + ("initially_deferred",), f"{what}: initially_deferred needs deferrable: true")
        yield from _include(u.include, table, u.path, what, source)


def _exclusions(table: TableSpec, source: Source) -> Iterator[Problem]:
    seen: set[str] = {ix.name for ix in table.indexes} | {u.name for u in table.uniques} | {table.primary_key_name}
    for ex in table.exclusions:
        what = f"exclusion {ex.name} on {table.name}"
        yield from _method(ex.using, ex.path, what, source)
        if naming.too_long(ex.name):
            yield source.problem(ex.path + ("name",), f"{what}: name is over PostgreSQL's 63 bytes; shorten it")
        if ex.name in seen or ex.name in spec_relations(table):
            yield source.problem(ex.path + ("name",), f"{what}: name {ex.name!r} is already used on {table.name}; choose another")
        seen.add(ex.name)
        for j, el in enumerate(ex.elements):
            path = ex.path + ("elements", j)
            if el.column is not None and el.column not in table.columns:
                yield source.problem(path + ("column",), f"{what}: column {el.column!r} does not exist")
            if el.expression is not None:
                yield from _expression(el.expression, table, path + ("expression",), what, source)
            problem = operator_problem(el.operator)
            if problem:
                yield source.problem(path + ("with",), f"{what}: {problem}")
            yield from _names(el, path, what, source)
        if ex.where is not None:
            yield from _expression(ex.where, table, ex.path + ("where",), what, source, kind="where")
        yield from _include(ex.include, table, ex.path, what, source)
        for problem in storage_problems(dict(ex.with_params), what):
            yield source.problem(ex.path + ("with",), problem)
        if ex.initially_deferred and not ex.deferrable:
            yield source.problem(ex.path + ("initially_deferred",), f"{what}: initially_deferred needs deferrable: true")


def spec_relations(table: TableSpec) -> set[str]:
    """Names the table's own objects take besides indexes and keys (its checks and FKs)."""
    return {ck.name for ck in table.checks} | {fk.name for fk in table.fks}
