"""Hazards of a revision on a live database (issue 18): what each step costs a table with rows.

Kinds (``KINDS``): ``table_rewrite`` (a type change that is not binary-compatible, a new
column with a volatile default, identity or stored generated expression: the whole table is
copied under ACCESS EXCLUSIVE), ``access_exclusive`` (a step that scans or builds while holding
a lock that blocks writes: a constraint or index that cannot be added online, e.g. on a
partitioned table, a new primary key), ``long_validation`` (a VALIDATE scan under SHARE UPDATE
EXCLUSIVE: writes go on), ``index_build`` (a concurrent build: writes go on, it takes time
and I/O), ``data_loss`` (the destructive steps) and ``enum_value_removal`` (the type is
rebuilt and every column using it rewritten).

``generate`` lists them in the revision's docstring and refuses the ``DANGEROUS`` ones unless
``--allow-hazard KIND`` names them (``--allow-destructive`` allows ``data_loss`` and
``enum_value_removal``, as before). Only tables that exist at the previous head count: a table
created in the same revision is empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from alembic.operations import ops as aops
from pglast import ast, parse_sql
from pglast.enums.parsenodes import ConstrType
from pglast.parser import ParseError
from pglast.visitors import Visitor

from generator.errors import SchemactlError
from generator.migrate import online_ops as online
from generator.migrate import ops as xops
from generator.migrate.qualified import key
from generator.pg.catalog import Snapshot

KINDS = ("table_rewrite", "access_exclusive", "long_validation", "index_build", "data_loss", "enum_value_removal")
DANGEROUS = frozenset({"table_rewrite", "access_exclusive", "data_loss", "enum_value_removal"})
DESTRUCTIVE_KINDS = frozenset({"data_loss", "enum_value_removal"})  # what --allow-destructive allows


@dataclass(frozen=True)
class Hazard:
    kind: str
    step: str
    why: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.step} ({self.why})"


class HazardRefused(SchemactlError):
    """``generate`` refused a revision with dangerous hazards not allowed by ``--allow-hazard``."""

    kind = "hazard"

    def __init__(self, hazards: list[Hazard]) -> None:
        kinds = sorted({h.kind for h in hazards})
        flags = " ".join(f"--allow-hazard {k}" for k in kinds)
        super().__init__(
            f"the revision has {len(hazards)} hazardous step{'s' if len(hazards) != 1 else ''} on tables with rows "
            f"({', '.join(kinds)})",
            f"review them (docs/online-migrations.md) and pass {flags} if they are intended",
            details=[str(h) for h in hazards],
        )
        self.hazards = hazards


def check_allowed(hazards: Iterable[Hazard], allowed: Iterable[str], allow_destructive: bool = False) -> None:
    ok = set(allowed) | (DESTRUCTIVE_KINDS if allow_destructive else set())
    refused = [h for h in hazards if h.kind in DANGEROUS and h.kind not in ok]
    if refused:
        raise HazardRefused(refused)


def unknown_kinds(allowed: Iterable[str]) -> list[str]:
    return [k for k in allowed if k not in KINDS]


def _flat(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for op in items:
        if isinstance(op, aops.ModifyTableOps):
            out.extend(op.ops)
        else:
            out.append(op)
    return out


def find_hazards(body: Iterable[Any], work: Snapshot, target: Snapshot, connection: Any) -> list[Hazard]:
    """The lock and rewrite hazards of the upgrade ops ``body`` (after ``online_ops.make_online``);
    ``connection`` reads pg_cast and pg_proc (the previous head's database)."""
    out: list[Hazard] = []
    existing = set(work.tables)
    for op in _flat(body):
        table = getattr(op, "table_name", None) or getattr(op, "source_table", None)
        if isinstance(table, str):  # Alembic's ops name a table outside public with schema= (qualified.key)
            schema = op.kw.get("source_schema") if isinstance(op, aops.CreateForeignKeyOp) else getattr(op, "schema", None)
            table = key(table, schema if isinstance(schema, str) else None)
        on_existing = table in existing
        match op:
            case online.CreateIndexOnlineOp() | online.AddUniqueOnlineOp():
                out.append(Hazard("index_build", op.summary, "built CONCURRENTLY: writes go on, the build takes time"))
            case online.AddConstraintOnlineOp() | online.SetNotNullOnlineOp():
                out.append(Hazard("long_validation", op.summary, "VALIDATE scans the table under SHARE UPDATE EXCLUSIVE: writes go on"))
            case xops.DropEnumValueOp():
                out.append(Hazard("enum_value_removal", f"remove value {op.value!r} from enum {op.name}",
                                  "the type is rebuilt and every column using it rewritten under ACCESS EXCLUSIVE"))
            case aops.AlterColumnOp() if on_existing and (table, op.column_name) in work.columns:
                column = work.columns[(table, op.column_name)]
                wanted = target.columns.get((table, op.column_name))
                if op.modify_type is not None and wanted is not None and rewrites(connection, column.type, wanted.type):
                    out.append(Hazard("table_rewrite", f"alter column {table}.{op.column_name} type {column.type} -> {wanted.type}",
                                      "not binary-compatible: the table is rewritten under ACCESS EXCLUSIVE"))
                if op.modify_nullable is False and not column.not_null:
                    out.append(Hazard("access_exclusive", f"alter column {table}.{op.column_name} set not null",
                                      "scans the table under ACCESS EXCLUSIVE"))
            case aops.AddColumnOp() if on_existing:
                wanted = target.columns.get((table, op.column.name))
                why = _add_column_rewrite(connection, wanted)
                if why:
                    out.append(Hazard("table_rewrite", f"add column {table}.{op.column.name}", why))
            case aops.CreateIndexOp() if on_existing:
                out.append(Hazard("access_exclusive", f"create index {op.index_name} on {table}",
                                  "built without CONCURRENTLY: writes wait for the whole build"))
            case aops.CreateUniqueConstraintOp() | aops.CreatePrimaryKeyOp() if on_existing:
                out.append(Hazard("access_exclusive", f"add constraint {op.constraint_name} on {table}",
                                  "its index is built under ACCESS EXCLUSIVE"))
            case aops.CreateCheckConstraintOp() | aops.CreateForeignKeyOp() if on_existing:
                out.append(Hazard("access_exclusive", f"add constraint {op.constraint_name} on {table}",
                                  "validated in the same step: the scan holds a lock that blocks writes"))
            case _ if hasattr(op, "sql") and isinstance(getattr(op, "sql", None), list):  # index_form_ops.DDLOp
                out += _ddl_hazards(op.sql, existing, getattr(op, "summary", "") or "DDL")
    return out


def _ddl_hazards(statements: list[str], existing: set[str], summary: str) -> list[Hazard]:
    out: list[Hazard] = []
    for sql in statements:
        try:
            stmts = parse_sql(sql)
        except ParseError:
            continue
        for raw in stmts:
            stmt = raw.stmt
            if isinstance(stmt, ast.IndexStmt) and not stmt.concurrent and stmt.relation.relname in existing:
                out.append(Hazard("access_exclusive", summary, "an index built without CONCURRENTLY: writes wait"))
            elif isinstance(stmt, ast.AlterTableStmt) and stmt.relation.relname in existing:
                for cmd in stmt.cmds or ():
                    constraint = getattr(cmd, "def_", None)
                    if isinstance(constraint, ast.Constraint) and not constraint.skip_validation and \
                            ConstrType(constraint.contype).name in _SCANNING:
                        out.append(Hazard("access_exclusive", summary, "a constraint checked or indexed under a lock that blocks writes"))
    return out


_SCANNING = ("CONSTR_CHECK", "CONSTR_FOREIGN", "CONSTR_UNIQUE", "CONSTR_PRIMARY", "CONSTR_EXCLUSION")
_BINARY = """
SELECT EXISTS (SELECT 1 FROM pg_cast WHERE castsource = to_regtype(%s) AND casttarget = to_regtype(%s)
               AND castmethod = 'b')
"""
_BOUNDED = ("character varying", "varchar", "bit varying", "varbit", "character", "bpchar", "bit")
_PRECISION = ("timestamp", "time", "interval", "timestamp with time zone", "timestamp without time zone",
              "time with time zone", "time without time zone")


def _base(type_: str) -> tuple[str, list[int]]:
    type_ = re.sub(r' collate "(?:[^"]|"")*"$', "", type_.strip(), flags=re.I)
    m = re.match(r"^(.*?)\(([\d,\s]+)\)(.*)$", type_)
    if not m:
        return type_.lower(), []
    return (m.group(1) + m.group(3)).strip().lower(), [int(x) for x in m.group(2).split(",")]


def rewrites(connection: Any, old: str, new: str) -> bool:
    """Whether ``ALTER COLUMN ... TYPE new`` of a column of type ``old`` (format_type forms)
    rewrites the table. Follows PostgreSQL's rule: no rewrite when the value needs no
    conversion (a binary-coercible cast) and the new length, precision or typmod is not
    smaller (``varchar(10) -> varchar(20)``, ``varchar -> text``, ``numeric(8,2) ->
    numeric(10,2)``); anything else is assumed to rewrite."""
    if old == new:
        return False
    (a, ma), (b, mb) = _base(old), _base(new)
    if a == b:
        if a in _BOUNDED or a in _PRECISION:
            return bool(mb) and (not ma or mb[0] < ma[0])
        if a == "numeric":
            if not mb:
                return False
            if not ma:
                return True
            return not (len(ma) == len(mb) and mb[0] >= ma[0] and ma[1:] == mb[1:])
        return True
    if mb:
        return True  # a length coercion runs on every value
    try:
        with connection.begin_nested():
            return not bool(connection.exec_driver_sql(_BINARY, (old, new)).scalar())
    except Exception:
        return True


def _add_column_rewrite(connection: Any, column: Any) -> str | None:
    if column is None:
        return None
    if column.identity:
        return "an identity column fills every row: the table is rewritten under ACCESS EXCLUSIVE"
    if column.generated == "s":
        return "a stored generated column is computed for every row: the table is rewritten under ACCESS EXCLUSIVE"
    if column.default and volatile(connection, column.default):
        return "a volatile default is evaluated for every row: the table is rewritten under ACCESS EXCLUSIVE"
    return None


def volatile(connection: Any, expression: str) -> bool:
    """Whether a default expression calls a volatile function (``gen_random_uuid()``,
    ``random()``, ``clock_timestamp()``, ``nextval(...)``): PostgreSQL 11+ stores a constant or
    stable default in the catalog without touching the rows, a volatile one rewrites."""
    try:
        tree = parse_sql(f"SELECT {expression}")
    except ParseError:
        return True
    names: set[str] = set()

    class Calls(Visitor):
        def visit_FuncCall(self, ancestors: Any, node: Any) -> None:
            names.add(node.funcname[-1].sval)

    Calls()(tree)
    if not names:
        return False
    try:
        with connection.begin_nested():
            return bool(connection.exec_driver_sql(
                "SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = ANY(%s) AND provolatile = 'v')",
                (sorted(names),)).scalar())
    except Exception:
        return True
