"""A column type schemactl does not know, accepted as an opaque type name (issue 16).

``tsvector``, ``vector(3)``, ``timestamp(3) with time zone``, ``int4range[]``, a composite type
declared under ``types:``: the spec cannot check these, so PostgreSQL judges them when the
spec is built on the dev server. What the spec does check is that the text is exactly one
PostgreSQL type name, with PostgreSQL's own parser (pglast): ``SELECT NULL::<text>`` must parse
as one statement whose one target is a cast of NULL to a type name and nothing else. Then the
type is re-rendered from the parse tree, so what reaches the server is the parser's reading
of the text, never the text itself: ``int); DROP TABLE x; --`` or ``text COLLATE "C"`` are
refused at validate.

Pure: no SQLAlchemy, no server.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pglast import ast, parse_sql
from pglast.parser import ParseError, scan
from pglast.stream import RawStream

# Longer texts are refused before parsing (a type name is short; the parser recurses).
MAX_LENGTH = 200

# Extension types, by the bare name PostgreSQL gives them, and the extension that adds them.
EXTENSION_TYPE_NAMES = {
    "citext": "citext", "hstore": "hstore", "ltree": "ltree", "lquery": "ltree", "ltxtquery": "ltree",
    "vector": "vector", "halfvec": "vector", "sparsevec": "vector", "cube": "cube", "seg": "seg",
    "isbn": "isn", "isbn13": "isn", "issn": "isn", "issn13": "isn", "ean13": "isn", "upc": "isn",
    "ismn": "isn", "ismn13": "isn", "geometry": "postgis", "geography": "postgis",
}


class OpaqueTypeProblem(ValueError):
    """The text is not exactly one PostgreSQL type name; str() says why."""


@dataclass(frozen=True)
class OpaqueType:
    element: str  # the element type as the parser reads it, re-rendered: "vector(3)", "pg_catalog.bit(8)"
    name: str  # the bare type name, lower-case as PostgreSQL folds it: "vector", "bit"
    dims: int  # array dimensions: 0 for a scalar


def parse_opaque(text: str) -> OpaqueType:
    """The canonical reading of ``text`` as one type name, or OpaqueTypeProblem."""
    found = _parse(text) if isinstance(text, str) else "a type must be text"
    if isinstance(found, str):
        raise OpaqueTypeProblem(found)
    return found


@lru_cache(maxsize=4096)
def _parse(text: str) -> OpaqueType | str:
    if not text.strip():
        return "the type is empty"
    if len(text) > MAX_LENGTH:
        return f"cannot parse type {_short(text)}: {len(text)} characters long, over {MAX_LENGTH}"
    if "\x00" in text:
        return "the type holds a NUL character"
    try:
        tokens = scan(text)
    except ParseError as exc:
        return f"cannot parse type {_short(text)}: {exc.args[0] if exc.args else exc}"
    for token in tokens:
        if token.name in ("SQL_COMMENT", "C_COMMENT"):
            return f"type {_short(text)} holds a comment; write one type name"
        if token.name == "ASCII_59":
            return f"type {_short(text)} holds ';'; write one type name"
    try:
        stmts = parse_sql("SELECT NULL::" + text)
    except (ParseError, RecursionError) as exc:
        return f"cannot parse type {_short(text)}: {exc.args[0] if exc.args else exc}"
    type_name = _single_type_name(stmts)
    if type_name == "typmods":
        return f"cannot parse type {_short(text)}: a type modifier must be a number (vector(3), numeric(10,2))"
    if type_name is None:
        return f"type {_short(text)} is not exactly one type name (a collation goes under collation:, a default under default:)"
    if type_name.setof or type_name.pct_type:
        return f"type {_short(text)}: SETOF and %TYPE are not column types"
    dims = len(type_name.arrayBounds or ())
    element = ast.TypeName(names=type_name.names, typmods=type_name.typmods, typemod=type_name.typemod,
                           setof=False, pct_type=False, arrayBounds=None, location=-1)
    rendered = RawStream()(element)
    name = str(getattr(type_name.names[-1], "sval", "")) if type_name.names else ""
    return OpaqueType(rendered, name, dims)


def _single_type_name(stmts: tuple) -> Any:
    if len(stmts) != 1 or not isinstance(stmts[0].stmt, ast.SelectStmt):
        return None
    select = stmts[0].stmt
    extra = [key for key in select if key not in ("targetList", "limitOption", "op", "all", "groupDistinct")
             and getattr(select, key) not in (None, (), [])]
    if extra or len(select.targetList or ()) != 1:
        return None
    target = select.targetList[0]
    if target.name is not None or target.indirection:
        return None
    cast = target.val
    if not isinstance(cast, ast.TypeCast) or not isinstance(cast.typeName, ast.TypeName):
        return None
    arg = cast.arg
    if not isinstance(arg, ast.A_Const) or not arg.isnull:
        return None
    typmods = cast.typeName.typmods or ()
    if any(not isinstance(m, ast.A_Const) or m.isnull for m in typmods):
        return "typmods"  # a type modifier is a constant: vector(3), numeric(10,2), bit(8)
    return cast.typeName


def _short(value: str) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
