"""Synthetic rows for the proof on data: a few rows per table that the previous head accepts.

The rows must be legal under the schema the revision starts from (the data a live database
can hold today), not under the spec (the state the revision makes): a new CHECK that such
rows violate is exactly what can fail on a real table. So the factory reads the previous
head's catalog (``read_tables``), honours what it says, and lets the database judge each row:

- types: a value per type family (integers, numerics, text within its length, booleans,
  uuids, dates and times, json, bytea, inet, intervals, enums cycling through their labels,
  arrays empty); a column of a type it cannot make a value for is left to its default, or
  the table is skipped when it is NOT NULL without one;
- NOT NULL: nullable columns hold NULL in every fifth row (what a column that may be NULL
  holds somewhere in a real table);
- FOREIGN KEYs: tables are filled in dependency order, each key column takes a value a
  referenced row holds (a self-reference or an unfilled parent: NULL, or the table is skipped);
- UNIQUE and primary keys: every generated value depends on the row number, so rows differ;
- simple CHECKs (``col IN (...)``/``= ANY (ARRAY[...])``, comparisons with constants, ``BETWEEN``,
  ``length(col) <= n``): values are drawn inside them, spread from bound to bound; any other
  CHECK, trigger or exclusion decides by rejecting the row (each insert has its own savepoint).

Identity and generated columns are left to the database; a column with a default takes it in
even rows and a value of its own in odd ones (so an enum column defaulting to ``queued``
still holds every label). What cannot be satisfied
is skipped with a reason (``Filled.skipped``), never guessed.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from dataclasses import dataclass, field
from typing import Any

from generator.pg.catalog_schemas import MANAGED, qualified

ROWS_PER_TABLE = 20
WIDE = {"bigint": 3_000_000_000, "integer": 40_000}
FUTURE = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)
NULL_EVERY = 5  # nullable columns hold NULL in rows 4, 9, 14, ... (0-based)


@dataclass
class Column:
    name: str
    type: str  # format_type
    not_null: bool
    has_default: bool  # a default, identity or generated expression
    enum_labels: list[str] = field(default_factory=list)
    category: str = ""  # pg_type.typcategory of the base type
    max_length: int | None = None
    position: int = 0  # the column's place in the table
    automatic: bool = False  # identity, generated or serial (nextval): always left to the database


@dataclass
class ForeignKey:
    columns: list[str]
    ref_table: str
    ref_columns: list[str]


@dataclass
class Table:
    name: str  # bare in public, ``schema.name`` elsewhere (generator.pg.catalog_schemas)
    columns: list[Column]
    fks: list[ForeignKey] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # pg_get_constraintdef of each CHECK
    schema: str = "public"

    @property
    def sql(self) -> str:
        """The table in SQL, with its schema: the proof's session may have any search_path."""
        bare = self.name if self.schema == "public" else self.name[len(self.schema) + 1:]
        return f"{q(self.schema)}.{q(bare)}"


@dataclass
class Filled:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows inserted
    skipped: dict[str, str] = field(default_factory=dict)  # table -> why it holds no rows
    rejected: dict[str, str] = field(default_factory=dict)  # table -> the first rejection, when some rows got in


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_tables(conn: Any) -> list[Table]:
    """The ordinary tables of every schema the catalog snapshot reads (partitioned parents too;
    not their partitions), named as it names them."""
    cols = conn.execute(
        f"SELECT {qualified('c.relname')}, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
        "a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '', a.attidentity <> '' OR a.attgenerated <> '' OR coalesce((SELECT pg_get_expr(d.adbin, d.adrelid) "
        "  FROM pg_attrdef d WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum), '') LIKE 'nextval(%', "
        "coalesce(array(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = bt.oid ORDER BY e.enumsortorder), '{}'), "
        "bt.typcategory::text, CASE WHEN a.atttypmod > 4 AND bt.typcategory = 'S' THEN a.atttypmod - 4 END, n.nspname "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "JOIN pg_type t ON t.oid = a.atttypid "
        "JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END "
        f"WHERE {MANAGED} AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "AND NOT (n.nspname = 'public' AND c.relname = 'alembic_version') ORDER BY 1, a.attnum"
    ).fetchall()
    tables: dict[str, Table] = {}
    for rel, name, typ, not_null, has_default, automatic, labels, category, max_length, schema in cols:
        table = tables.setdefault(rel, Table(rel, [], schema=schema))
        table.columns.append(Column(name, typ, not_null, has_default, list(labels), category, max_length,
                                    len(table.columns), automatic))
    cons = conn.execute(
        f"SELECT {qualified('t.relname')}, c.contype::text, pg_get_constraintdef(c.oid), "
        "coalesce(array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i) "
        "  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i), '{}'), "
        "(SELECT CASE WHEN rn.nspname = 'public' THEN r.relname ELSE rn.nspname || '.' || r.relname END "
        "  FROM pg_class r JOIN pg_namespace rn ON rn.oid = r.relnamespace WHERE r.oid = c.confrelid), "
        "coalesce(array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i) "
        "  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i), '{}') "
        "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
        f"WHERE {MANAGED} AND c.contype IN ('c', 'f') ORDER BY 1, c.conname"
    ).fetchall()
    for rel, kind, definition, keys, ref, ref_keys in cons:
        table = tables.get(rel)
        if table is None:
            continue
        if kind == "c":
            table.checks.append(definition)
        else:
            table.fks.append(ForeignKey(list(keys), ref, list(ref_keys)))
    return list(tables.values())


def dependency_order(tables: list[Table]) -> list[Table]:
    """Referenced tables first; a cycle is broken at a key whose columns may be NULL."""
    by_name = {t.name: t for t in tables}
    order: list[Table] = []
    state: dict[str, int] = {}

    def visit(t: Table) -> None:
        if state.get(t.name) == 2:
            return
        if state.get(t.name) == 1:
            return  # a cycle: the key closing it is filled with NULL or found unfillable later
        state[t.name] = 1
        for fk in t.fks:
            if fk.ref_table in by_name and fk.ref_table != t.name:
                visit(by_name[fk.ref_table])
        state[t.name] = 2
        order.append(t)

    for t in sorted(tables, key=lambda t: t.name):
        visit(t)
    return order


# ------------------------------------------------------------------ simple CHECKs


@dataclass
class Bounds:
    choices: list[Any] | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    max_length: int | None = None
    pattern: str | None = None  # col ~ 'pattern': values are drawn from it (exrex)


def check_bounds(checks: list[str]) -> dict[str, Bounds]:
    """Per column, what the simple CHECKs allow (the others are left to the database)."""
    from pglast import ast, parse_sql
    from pglast.parser import ParseError

    out: dict[str, Bounds] = {}
    for definition in checks:
        text = definition.removeprefix("CHECK ").removesuffix(" NOT VALID")
        try:
            expr = parse_sql(f"SELECT {text}")[0].stmt.targetList[0].val
        except (ParseError, AttributeError, IndexError):
            continue
        for part in _conjuncts(expr, ast):
            _bound(part, out, ast)
    return out


def _conjuncts(expr: Any, ast: Any) -> list[Any]:
    from pglast.enums import BoolExprType

    if isinstance(expr, ast.BoolExpr) and expr.boolop == BoolExprType.AND_EXPR:
        return [p for arg in expr.args for p in _conjuncts(arg, ast)]
    return [expr]


def _column(node: Any, ast: Any) -> str | None:
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if isinstance(node, ast.ColumnRef) and len(node.fields) == 1 and isinstance(node.fields[0], ast.String):
        return node.fields[0].sval
    return None


def _const(node: Any, ast: Any) -> Any:
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if isinstance(node, ast.A_Const) and not node.isnull:
        val = node.val
        for attr in ("ival", "fval", "sval"):
            if hasattr(val, attr):
                v = getattr(val, attr)
                return float(v) if attr == "fval" else v
    if isinstance(node, ast.A_Expr) and node.name and node.name[0].sval == "-" and node.lexpr is None:
        inner = _const(node.rexpr, ast)
        return -inner if isinstance(inner, int | float) else None
    return None


def _bound(part: Any, out: dict[str, Bounds], ast: Any) -> None:
    from pglast.enums import A_Expr_Kind

    if not isinstance(part, ast.A_Expr):
        return
    op = part.name[0].sval if part.name else ""
    if part.kind == A_Expr_Kind.AEXPR_IN or (part.kind == A_Expr_Kind.AEXPR_OP_ANY and op == "="):
        col = _column(part.lexpr, ast)
        items = part.rexpr
        while isinstance(items, ast.TypeCast):
            items = items.arg
        elements = items.elements if isinstance(items, ast.A_ArrayExpr) else items if isinstance(items, tuple | list) else None
        if col and elements:
            values = [_const(e, ast) for e in elements]
            if all(v is not None for v in values):
                out.setdefault(col, Bounds()).choices = values
        return
    if part.kind == A_Expr_Kind.AEXPR_BETWEEN:
        col = _column(part.lexpr, ast)
        low, high = (_const(e, ast) for e in part.rexpr)
        if col and isinstance(low, int | float) and isinstance(high, int | float):
            b = out.setdefault(col, Bounds())
            b.low, b.high = low, high
        return
    if part.kind == A_Expr_Kind.AEXPR_OP and op == "~":
        col, pattern = _column(part.lexpr, ast), _const(part.rexpr, ast)
        if col and isinstance(pattern, str):
            out.setdefault(col, Bounds()).pattern = pattern
        return
    if part.kind != A_Expr_Kind.AEXPR_OP or op not in ("<", "<=", ">", ">="):
        return
    flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
    col, value = _column(part.lexpr, ast), _const(part.rexpr, ast)
    if col is None:
        col, value, op = _column(part.rexpr, ast), _const(part.lexpr, ast), flip[op]
        if col is None:
            length_of = _length_column(part.lexpr if _const(part.rexpr, ast) is not None else part.rexpr, ast)
            limit = _const(part.rexpr, ast)
            if length_of and isinstance(limit, int) and op in (">", ">="):  # flipped back: length(col) < / <= n
                out.setdefault(length_of, Bounds()).max_length = limit - (1 if op == ">" else 0)
            return
    if not isinstance(value, int | float):
        return
    b = out.setdefault(col, Bounds())
    if op in (">", ">="):
        b.low, b.low_open = value, op == ">"
    else:
        b.high, b.high_open = value, op == "<"


def _length_column(node: Any, ast: Any) -> str | None:
    if isinstance(node, ast.FuncCall) and node.funcname[-1].sval in ("length", "char_length", "character_length"):
        return _column(node.args[0], ast) if node.args else None
    return None


# ------------------------------------------------------------------ values


class Unmakeable(Exception):
    """No value of this column's type can be made."""


def value(col: Column, i: int, bounds: Bounds | None) -> Any:
    """A value (SQL text, cast to the column's type by the caller) for row ``i``; None is NULL."""
    if not col.not_null and i % NULL_EVERY == NULL_EVERY - 1:
        return None
    turn = i // 2 if col.has_default else i  # a defaulted column gets a value in odd rows only
    if bounds and bounds.choices:
        return str(bounds.choices[turn % len(bounds.choices)])
    if col.enum_labels:
        return col.enum_labels[turn % len(col.enum_labels)]
    typ = col.type
    if col.category == "N":
        if i == 2 and not bounds and typ in WIDE:  # beyond the next narrower type: a narrowing has something to refuse
            return str(WIDE[typ])
        return _number(i, bounds, integral=typ in ("smallint", "integer", "bigint"))
    if col.category == "S" and bounds and bounds.pattern:
        matching = pattern_values(bounds.pattern)
        if i < len(matching):
            return matching[i]
    if col.category == "S":
        limit = min(x for x in (col.max_length, bounds.max_length if bounds else None, 40) if x is not None)
        text = f"v{i}-" + "x" * (i % 7)  # lengths vary, and row 1 is as long as the type allows:
        if i == 1:                          # a narrowed length has something to refuse
            text = text.ljust(limit, "x")
        if len(text) > limit:
            text = f"{i}"
        if len(text) > limit:
            raise Unmakeable(f"no distinct {typ} value for row {i + 1}")
        return text
    if col.category == "B":
        return "true" if i % 2 else "false"
    if typ == "uuid":
        return str(uuid.UUID(int=i + 1))
    if typ == "date" or typ.startswith("timestamp"):
        # after now (a column defaulting to now() is earlier) and later for later columns, so
        # the usual `finished_at >= started_at`, `expires_at > created_at` hold
        when = FUTURE + datetime.timedelta(days=i, hours=col.position)
        return when.date().isoformat() if typ == "date" else when.isoformat()
    if typ.startswith("time"):
        return f"{i % 24:02d}:{i % 60:02d}:00"
    if typ in ("jsonb", "json"):
        return f'{{"row": {i}}}'
    if typ == "bytea":
        return f"\\x{i % 256:02x}"
    if typ in ("inet", "cidr"):
        return f"10.0.{i // 250}.{i % 250 + 1}"
    if typ == "interval":
        return f"{i} minutes"
    if typ.endswith("[]"):
        return "{}"
    raise Unmakeable(f"no synthetic value for type {typ}")


# PostgreSQL's bracket classes, in Python's re syntax (what exrex parses)
_CLASSES = {"[:space:]": r"\s", "[:alpha:]": "a-zA-Z", "[:digit:]": "0-9", "[:alnum:]": "a-zA-Z0-9",
            "[:upper:]": "A-Z", "[:lower:]": "a-z", "[:xdigit:]": "0-9a-fA-F", "[:punct:]": r"!-/:-@\[-`{-~"}


@functools.lru_cache(maxsize=256)
def pattern_values(pattern: str, n: int = ROWS_PER_TABLE) -> tuple[str, ...]:
    """Up to ``n`` distinct strings matching a CHECK's regular expression, in exrex's
    deterministic order (none when exrex cannot read it; the database has the last word)."""
    import itertools
    import re

    import exrex

    for pg_class, py in _CLASSES.items():
        pattern = pattern.replace(pg_class, py)
    try:
        re.compile(pattern)
        return tuple(itertools.islice(exrex.generate(pattern, limit=20), n))
    except Exception:  # noqa: BLE001 - any pattern exrex cannot expand: fall back to plain values
        return ()


def _number(i: int, b: Bounds | None, integral: bool) -> str:
    low = b.low if b and b.low is not None else None
    high = b.high if b and b.high is not None else None
    if low is not None and b and b.low_open:
        low = low + 1 if integral else low + 0.5
    if high is not None and b and b.high_open:
        high = high - 1 if integral else high - 0.5
    if low is None and high is None:
        n = i * 7 - 20  # negatives, zero and positives, all different
    elif low is not None and high is not None:
        spread = [low, high, (low + high) / 2]
        n = spread[i] if i < 3 else low + (high - low) * ((i * 37) % 101) / 100
    elif low is not None:
        n = low + i
    else:
        n = (high or 0) - i
    if integral:
        return str(int(n))
    return str(n)


# ------------------------------------------------------------------ filling


def fill(conn: Any, rows_per_table: int = ROWS_PER_TABLE) -> Filled:
    """Insert up to ``rows_per_table`` rows into every table of ``conn``'s database (psycopg,
    in a transaction the caller commits)."""
    tables = dependency_order(read_tables(conn))
    filled = Filled()
    keys: dict[tuple[str, str], list[Any]] = {}  # (table, column) -> values inserted, for FKs
    for table in tables:
        reason = _fill_table(conn, table, rows_per_table, keys, filled)
        if reason:
            filled.skipped[table.name] = reason
    return filled


def _fill_table(conn: Any, table: Table, n: int, keys: dict[tuple[str, str], list[Any]], filled: Filled) -> str | None:
    import psycopg

    bounds = check_bounds(table.checks)
    fk_of = {c: fk for fk in table.fks for c in fk.columns}
    wanted = [c for c in table.columns if not c.automatic]
    returning = ", ".join(f"{q(c.name)}::text" for c in table.columns)  # as text: a key handed on as a literal
    inserted, stop, first_error = 0, "", ""
    for i in range(n):
        row: dict[str, Any] = {}
        for col in list(wanted):
            fk = fk_of.get(col.name)
            if col.has_default and fk is None and i % 2 == 0:
                continue  # even rows take the column's default, odd rows a value of their own
            try:
                if fk is None:
                    row[col.name] = value(col, i, bounds.get(col.name))
                    continue
                parents = keys.get((fk.ref_table, fk.ref_columns[fk.columns.index(col.name)]), [])
                if parents and fk.ref_table != table.name:
                    row[col.name] = parents[i % len(parents)]
                elif col.not_null and not col.has_default:
                    raise Unmakeable(f"no row in {fk.ref_table} for the key ({', '.join(fk.columns)})")
            except Unmakeable as exc:
                if col.not_null and not col.has_default:
                    stop = str(exc)
                    break
                wanted.remove(col)  # nullable (or defaulted): left out of every row
        if stop:
            break
        got = None
        for attempt in (row, _nulled(table, row, fk_of)):
            if attempt is None:
                break
            try:
                with conn.transaction():  # a savepoint: a rejected row is rolled back alone
                    got = conn.execute(_insert(table, attempt, returning)).fetchone()
                break
            except psycopg.Error as exc:
                first_error = first_error or (str(exc).strip().splitlines() or [""])[0]
                if exc.sqlstate != "23514":  # only a CHECK may accept the row with its optional values NULL
                    break
        if got is None:
            continue
        inserted += 1
        for col, val in zip(table.columns, got, strict=True):
            keys.setdefault((table.name, col.name), []).append(val)
    if inserted:
        filled.rows[table.name] = inserted
        if first_error:
            filled.rejected[table.name] = first_error
        return None
    if stop:
        return stop
    return f"every synthetic row was rejected ({first_error})" if first_error else "no rows"


def _insert(table: Table, row: dict[str, Any], returning: str) -> str:
    """The INSERT of one row, values as literals (no parameters: a name holding "%" is not a
    placeholder)."""
    if not row:
        return f"INSERT INTO {table.sql} DEFAULT VALUES RETURNING {returning}"
    names = list(row)
    return (f"INSERT INTO {table.sql} ({', '.join(q(c) for c in names)}) "
            f"VALUES ({', '.join(_literal(row[c], _type_of(table, c)) for c in names)}) RETURNING {returning}")


def _nulled(table: Table, row: dict[str, Any], fk_of: dict[str, ForeignKey]) -> dict[str, Any] | None:
    """The row with its nullable, non-key values NULL (None when that changes nothing)."""
    optional = {c.name for c in table.columns if not c.not_null and c.name not in fk_of and row.get(c.name) is not None}
    return {k: (None if k in optional else v) for k, v in row.items()} if optional else None


def _literal(text: str | None, typ: str) -> str:
    if text is None:
        return "NULL"
    return "CAST('" + str(text).replace("'", "''") + f"' AS {typ})"


def _type_of(table: Table, column: str) -> str:
    return next(c.type for c in table.columns if c.name == column)
