"""What each pending revision will ask of the data: its offline SQL, read as statements.

Each pending revision is rendered as Alembic renders it for ``alembic upgrade --sql`` (in
process, no connection), and every statement is parsed with pglast. The statements, not
the spec, say what the revision does: a committed revision may have been edited by hand, or
written by plain Alembic, and a revision carries no snapshot of the spec it was made from.
Whatever renders SQL (``op.*``, schemactl's ops, ``op.execute``) is seen.

From the statements come ``Check``s: the constraint, column or type change whose success
depends on the rows already in the table. A table created by a pending revision holds no
rows; a table renamed by one is queried under its name in the target.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# kinds of check, in the order the report lists them
NOT_NULL = "not_null"  # SET NOT NULL, a primary key's columns
NEW_NOT_NULL_COLUMN = "not_null_column_without_default"  # ADD COLUMN ... NOT NULL, no default
CHECK = "check"
UNIQUE = "unique"
FOREIGN_KEY = "foreign_key"
TYPE_CHANGE = "type_change"  # ALTER COLUMN ... TYPE (narrowing, a USING cast)
ENUM_VALUE_REMOVED = "enum_value_removed"
KINDS = (NOT_NULL, NEW_NOT_NULL_COLUMN, CHECK, UNIQUE, FOREIGN_KEY, TYPE_CHANGE, ENUM_VALUE_REMOVED)

# what a statement costs on a table with rows
REWRITE = "rewrite"  # the whole table is written again (type change)
INDEX_BUILD = "index_build"
SCAN = "scan"  # a validation reads every row


@dataclass
class Check:
    revision: str
    kind: str
    table: str  # the table's name in the target database
    object: str  # the constraint, column or index name as the revision names it
    columns: list[str] = field(default_factory=list)
    expr: str | None = None  # CHECK expression / USING expression / index predicate
    exprs: list[str] = field(default_factory=list)  # UNIQUE / index key expressions
    nulls_not_distinct: bool = False
    ref_table: str | None = None  # FOREIGN KEY
    ref_columns: list[str] = field(default_factory=list)
    ref_is_new: bool = False  # the referenced table is created by a pending revision
    new_type: str | None = None  # TYPE_CHANGE
    enum_type: str | None = None  # ENUM_VALUE_REMOVED
    values: list[str] = field(default_factory=list)  # ENUM_VALUE_REMOVED: the values kept
    added_column: bool = False  # the column is added by a pending revision (no rows hold it yet)


@dataclass
class Cost:
    revision: str
    table: str
    what: str  # REWRITE, INDEX_BUILD, SCAN
    object: str


@dataclass
class RevisionPlan:
    revision: str
    message: str
    checks: list[Check] = field(default_factory=list)
    costs: list[Cost] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)  # statements pglast could not read


def offline_sql(root: Path, down_revision: str | None, revision: str) -> str:
    """The SQL ``alembic upgrade down:rev --sql`` prints for one revision, without a connection."""
    from alembic import command

    from generator.migrate.api import _translated, alembic_config

    cfg = alembic_config(root)
    buffer = io.StringIO()
    cfg.output_buffer = buffer
    with _translated(revision):
        command.upgrade(cfg, f"{down_revision or 'base'}:{revision}", sql=True)
    return buffer.getvalue()


class _Names:
    """Names across the pending revisions: renames map back to the target's names; tables
    and columns created by a pending revision hold no rows in the target (yet)."""

    def __init__(self) -> None:
        self.table_origin: dict[str, str] = {}  # current name -> name in the target
        self.new_tables: set[str] = set()  # current names
        self.added: dict[tuple[str, str], bool] = {}  # (target table, column) -> has a default

    def target(self, name: str) -> str:
        return self.table_origin.get(name, name)

    def is_new(self, name: str) -> bool:
        return name in self.new_tables


def plan_revisions(root: Path, pending: list[tuple[str, str | None, str]]) -> list[RevisionPlan]:
    """``pending``: (revision, down_revision, message), oldest first."""
    names = _Names()
    plans = []
    for revision, down, message in pending:
        plans.append(plan_sql(revision, message, offline_sql(root, down, revision), names))
    return plans


def plan_sql(revision: str, message: str, sql: str, names: _Names | None = None) -> RevisionPlan:
    from pglast import parse_sql
    from pglast.parser import ParseError

    names = names or _Names()
    plan = RevisionPlan(revision, message)
    try:
        statements = parse_sql(sql)
    except ParseError:
        statements = _statements_one_by_one(sql, plan)
    pending_checks: dict[tuple[str, str], Check] = {}  # NOT VALID constraints, by (table, name)
    for raw in statements:
        _statement(raw.stmt, plan, names, pending_checks)
    return plan


def _statements_one_by_one(sql: str, plan: RevisionPlan) -> list[Any]:
    from pglast import parse_sql, split
    from pglast.parser import ParseError

    out = []
    for text in split(sql, with_parser=False):
        try:
            out.extend(parse_sql(text))
        except ParseError:
            plan.unparsed.append(text.strip().splitlines()[0][:120])
    return out


def _deparse(node: Any) -> str:
    from pglast.stream import RawStream

    return RawStream()(node)


def _strings(values: Any) -> list[str]:
    return [v.sval for v in values or ()]


def _statement(stmt: Any, plan: RevisionPlan, names: _Names, pending: dict[tuple[str, str], Check]) -> None:
    from pglast import ast
    from pglast.enums import ObjectType

    if isinstance(stmt, ast.CreateStmt):
        names.new_tables.add(stmt.relation.relname)
    elif isinstance(stmt, ast.RenameStmt) and stmt.relation is not None:
        old, new = stmt.relation.relname, stmt.newname
        if stmt.renameType == ObjectType.OBJECT_TABLE:
            if old in names.new_tables:
                names.new_tables.discard(old)
                names.new_tables.add(new)
            names.table_origin[new] = names.target(old)
    elif isinstance(stmt, ast.AlterTableStmt) and stmt.relation is not None:
        table = stmt.relation.relname
        if names.is_new(table):
            return
        for cmd in stmt.cmds or ():
            _alter(cmd, table, plan, names, pending)
    elif isinstance(stmt, ast.IndexStmt) and stmt.relation is not None:
        table = stmt.relation.relname
        if names.is_new(table):
            return
        target = names.target(table)
        plan.costs.append(Cost(plan.revision, target, INDEX_BUILD, stmt.idxname or "index"))
        if stmt.unique:
            plan.checks.append(Check(
                plan.revision, UNIQUE, target, stmt.idxname or "unique index",
                exprs=[_deparse(e.expr) if e.expr is not None else _quote(e.name) for e in stmt.indexParams],
                expr=_deparse(stmt.whereClause) if stmt.whereClause is not None else None,
                nulls_not_distinct=bool(stmt.nulls_not_distinct),
            ))
    elif isinstance(stmt, ast.DoStmt):
        _do_block(stmt, plan)


def _alter(cmd: Any, table: str, plan: RevisionPlan, names: _Names, pending: dict[tuple[str, str], Check]) -> None:
    from pglast import ast
    from pglast.enums import AlterTableType, ConstrType

    target = names.target(table)
    sub = cmd.subtype
    if sub == AlterTableType.AT_SetNotNull:
        if _checked_not_null(plan, target, cmd.name):  # the online pattern: CHECK (col IS NOT NULL) validated first
            return
        plan.checks.append(Check(plan.revision, NOT_NULL, target, cmd.name, [cmd.name],
                                 added_column=(target, cmd.name) in names.added))
        plan.costs.append(Cost(plan.revision, target, SCAN, cmd.name))
    elif sub == AlterTableType.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
        col = cmd.def_
        cons = list(col.constraints or ())
        has_default = col.raw_default is not None or any(
            c.contype in (ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_IDENTITY, ConstrType.CONSTR_GENERATED)
            for c in cons
        )
        names.added[(target, col.colname)] = has_default
        if not has_default and any(c.contype in (ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY) for c in cons):
            plan.checks.append(Check(plan.revision, NEW_NOT_NULL_COLUMN, target, col.colname, [col.colname]))
        for c in cons:
            if c.contype in (ConstrType.CONSTR_CHECK, ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_FOREIGN):
                _constraint(c, target, plan, names, pending, column=col.colname)
    elif sub == AlterTableType.AT_AlterColumnType and isinstance(cmd.def_, ast.ColumnDef):
        col = cmd.def_
        using = _deparse(col.raw_default) if col.raw_default is not None else None
        plan.checks.append(Check(plan.revision, TYPE_CHANGE, target, cmd.name, [cmd.name], expr=using,
                                 new_type=_deparse(col.typeName), added_column=(target, cmd.name) in names.added))
        plan.costs.append(Cost(plan.revision, target, REWRITE, cmd.name))
    elif sub == AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
        _constraint(cmd.def_, target, plan, names, pending)
    elif sub == AlterTableType.AT_ValidateConstraint:
        check = pending.pop((target, cmd.name), None)
        if check is not None:
            plan.checks.append(check)
            plan.costs.append(Cost(plan.revision, target, SCAN, cmd.name))


def _checked_not_null(plan: RevisionPlan, table: str, column: str) -> bool:
    """A validated ``CHECK (col IS NOT NULL)`` on the column earlier in the revision: its rows
    are already counted (and that step fails first), so SET NOT NULL adds no probe."""
    from pglast import parse_sql

    for check in plan.checks:
        if check.kind == CHECK and check.table == table and check.expr:
            text = _deparse(parse_sql(f"SELECT {_quote(column)} IS NOT NULL")[0].stmt.targetList[0].val)
            if check.expr in (text, f"{column} IS NOT NULL"):
                return True
    return False


def _constraint(con: Any, target: str, plan: RevisionPlan, names: _Names, pending: dict[tuple[str, str], Check],
                column: str | None = None) -> None:
    from pglast.enums import ConstrType

    name = con.conname or f"{target} constraint"
    check: Check | None = None
    if con.contype == ConstrType.CONSTR_CHECK:
        check = Check(plan.revision, CHECK, target, name, expr=_deparse(con.raw_expr))
    elif con.contype in (ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY):
        if con.indexname:  # ADD CONSTRAINT ... USING INDEX: the index was built (and checked) already
            return
        keys = _strings(con.keys) or ([column] if column else [])
        plan.costs.append(Cost(plan.revision, target, INDEX_BUILD, name))
        plan.checks.append(Check(plan.revision, UNIQUE, target, name, keys, exprs=[_quote(k) for k in keys],
                                 nulls_not_distinct=bool(con.nulls_not_distinct)))
        if con.contype == ConstrType.CONSTR_PRIMARY:
            for key in keys:
                plan.checks.append(Check(plan.revision, NOT_NULL, target, key, [key]))
        return
    elif con.contype == ConstrType.CONSTR_FOREIGN:
        ref = con.pktable.relname
        check = Check(plan.revision, FOREIGN_KEY, target, name, _strings(con.fk_attrs) or ([column] if column else []),
                      ref_table=names.target(ref), ref_columns=_strings(con.pk_attrs), ref_is_new=names.is_new(ref))
    if check is None:
        return
    if con.skip_validation:  # NOT VALID: the rows are checked by a later VALIDATE CONSTRAINT, if any
        pending[(target, name)] = check
        return
    plan.checks.append(check)
    plan.costs.append(Cost(plan.revision, target, SCAN, name))


def _do_block(stmt: Any, plan: RevisionPlan) -> None:
    """schemactl's enum value removal (``generator.migrate.ops.rebuild_enum_sql``) is one DO
    block; the ``CREATE TYPE ... AS ENUM`` inside it names the values kept."""
    from pglast import ast, parse_sql
    from pglast.parser import ParseError

    body = next((a.arg.sval for a in stmt.args or () if a.defname == "as"), "")
    for line in body.splitlines():
        text = line.strip()
        if not text.upper().startswith("CREATE TYPE") or " AS ENUM " not in text.upper():
            continue
        try:
            parsed = parse_sql(text)
        except ParseError:
            continue
        for raw in parsed:
            if isinstance(raw.stmt, ast.CreateEnumStmt):
                type_name = _strings(raw.stmt.typeName)[-1]
                kept = _strings(raw.stmt.vals)
                plan.checks.append(Check(plan.revision, ENUM_VALUE_REMOVED, "", type_name, enum_type=type_name, values=kept))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
