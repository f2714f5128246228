"""``import`` of the index and constraint forms: a non-constraint index, an exclusion
constraint and a NOT VALID / NO INHERIT CHECK as the spec's entries.

PostgreSQL prints each definition (``pg_get_indexdef``, ``pg_get_constraintdef``); pglast
parses it back into its parts (items, operator classes, collations, INCLUDE, WITH, WHERE),
so nothing here splits SQL by hand. Each function returns the spec entry, or a string: the
reason the form cannot be written (kept as an ``Unsupported`` by the writer).
"""

from __future__ import annotations

from typing import Any

from pglast import ast, parse_sql
from pglast.enums import SortByDir, SortByNulls

from generator.adopt.stable_boolean import stable
from generator.pg.introspect import Constraint, Index
from generator.spec.index_forms import name_problem, operator_problem


def _names(nodes: Any) -> str:
    return ".".join(n.sval for n in nodes or ())


def _value(arg: Any) -> Any:
    if isinstance(arg, ast.String):
        text = arg.sval
        if text.isdigit() and len(text) < 10 and (text == "0" or not text.startswith("0")):
            return int(text)
        return text  # on/off stay words: PostgreSQL keeps the text as written
    if isinstance(arg, ast.Integer):
        return arg.ival
    if isinstance(arg, ast.Float):
        return arg.fval
    if isinstance(arg, ast.TypeName) and len(arg.names or ()) == 1:  # a bare word: off
        return arg.names[0].sval
    raise ValueError("an unusual parameter value")


def _params(defs: Any) -> dict[str, Any]:
    return {d.defname: _value(d.arg) for d in defs or ()}


def _element(elem: ast.IndexElem, text: str | None = None) -> dict[str, Any]:
    """An index element as the spec's mapping form: ``column``, or ``expression`` written
    exactly as PostgreSQL prints the item alone (``text``: pg_get_indexdef(index, k))."""
    out: dict[str, Any] = {}
    if elem.expr is not None:
        if text is None:
            raise ValueError("an expression item PostgreSQL did not print")
        out["expression"] = text
    else:
        out["column"] = elem.name
    if elem.collation:
        out["collation"] = _names(elem.collation)
        if problem := name_problem(out["collation"], "collation"):
            raise ValueError(problem)
    if elem.opclass:
        out["opclass"] = _names(elem.opclass)
        if problem := name_problem(out["opclass"], "operator class"):
            raise ValueError(problem)
        if elem.opclassopts:
            out["opclass_params"] = _params(elem.opclassopts)
    if elem.ordering == SortByDir.SORTBY_DESC:
        out["order"] = "desc"
    if elem.nulls_ordering == SortByNulls.SORTBY_NULLS_FIRST:
        out["nulls"] = "first"
    elif elem.nulls_ordering == SortByNulls.SORTBY_NULLS_LAST:
        out["nulls"] = "last"
    return out


def _item(ix: Index, k: int) -> str | None:
    return ix.items[k] if k < len(ix.items) else None


def _short(item: dict[str, Any]) -> str | dict[str, Any]:
    """A bare column (with an order) as the string form the spec has always written."""
    if set(item) - {"column", "order", "nulls"}:
        return item
    text = item["column"]
    if item.get("order") == "desc":
        text += " desc"
    if item.get("nulls"):
        text += f" nulls {item['nulls']}"
    return text


def index_entry(ix: Index) -> dict[str, Any] | str:
    """A non-constraint index as an ``indexes:`` entry, or why it cannot be one."""
    if ix.tablespace:
        return "a tablespace is not in the spec"
    if not ix.valid:
        return "an invalid index (a failed CREATE INDEX CONCURRENTLY)"
    try:
        stmt = parse_sql(ix.definition)[0].stmt
        assert isinstance(stmt, ast.IndexStmt)
        entry: dict[str, Any] = {"name": ix.name, "columns": [_short(_element(e, _item(ix, k))) for k, e in enumerate(stmt.indexParams)]}
        if ix.unique:
            entry["unique"] = True
        if ix.method != "btree":
            entry["using"] = ix.method
        if stmt.indexIncludingParams:
            entry["include"] = [e.name for e in stmt.indexIncludingParams]
        if ix.nulls_not_distinct:
            entry["nulls_not_distinct"] = True
        if stmt.options:
            entry["with"] = _params(stmt.options)
    except (ValueError, AssertionError) as exc:
        return f"{exc}"
    if ix.predicate:
        entry["where"] = stable(ix.predicate)
    return entry


def exclusion_entry(k: Constraint, index: Index | None) -> dict[str, Any] | str:
    """An exclusion constraint as an ``exclusions:`` entry, or why it cannot be one."""
    if index is not None and index.tablespace:
        return "an exclusion constraint in a tablespace is not in the spec"
    try:
        stmt = parse_sql(f"ALTER TABLE t ADD {k.definition}")[0].stmt
        c = stmt.cmds[0].def_
        entry: dict[str, Any] = {"name": k.name}
        if c.access_method != "gist":
            entry["using"] = c.access_method
        elements = []
        for k_, (elem, op) in enumerate(c.exclusions):
            item = _element(elem, _item(index, k_) if index is not None else None)
            operator = _names(op)
            if problem := operator_problem(operator):
                raise ValueError(problem)
            elements.append({**item, "with": operator})
        entry["elements"] = elements
        if c.including:
            entry["include"] = [n.sval for n in c.including]
        if c.options:
            entry["with"] = _params(c.options)
        if c.where_clause is not None:
            if index is None or not index.predicate:
                raise ValueError("a WHERE PostgreSQL did not print")
            entry["where"] = stable(index.predicate)
    except (ValueError, AttributeError, TypeError) as exc:
        return f"{k.definition}: {exc}"
    if k.deferrable:
        entry["deferrable"] = True
        if k.deferred:
            entry["initially_deferred"] = True
    return entry


def check_entry(k: Constraint) -> dict[str, Any] | None:
    """A CHECK (NOT VALID and NO INHERIT kept as such) as a ``checks:`` entry; None for a form
    the spec cannot say (NOT ENFORCED, PostgreSQL 18; an inherited one)."""
    text = k.definition
    if not text.startswith("CHECK (") or text.endswith(" NOT ENFORCED") or not k.local:
        return None
    entry: dict[str, Any] = {"name": k.name}
    if text.endswith(" NOT VALID"):
        text = text[: -len(" NOT VALID")]
    if text.endswith(" NO INHERIT"):
        text = text[: -len(" NO INHERIT")]
    if not text.endswith(")"):
        return None
    entry["sql"] = stable(text[len("CHECK (") : -1])  # a BETWEEN's nested AND parses back the same
    if not k.validated:
        entry["not_valid"] = True
    if k.no_inherit:
        entry["no_inherit"] = True
    return entry


def key_options(k: Constraint, index: Index | None) -> dict[str, Any]:
    """``deferrable``, ``initially_deferred`` and ``include`` of a primary key or unique."""
    out: dict[str, Any] = {}
    if k.deferrable:
        out["deferrable"] = True
        if k.deferred:
            out["initially_deferred"] = True
    if index is not None and index.key_count != index.column_count:
        stmt = parse_sql(index.definition)[0].stmt
        out["include"] = [e.name for e in stmt.indexIncludingParams or ()]
    return out
