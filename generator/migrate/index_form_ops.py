"""Revisions for the index and constraint forms Alembic cannot compare or render (issue 16).

Alembic's autogenerate skips expression indexes in reflection, cannot render a unique
constraint's INCLUDE on an existing table, and knows nothing of exclusion constraints, NOT
VALID or NO INHERIT. For every index or constraint of a table that both the database and the
spec have, whose definition (as PostgreSQL prints it in either snapshot) uses such a form and
differs, the revision drops it and creates it again from the printed definitions; on a new
table, exclusion constraints and NOT VALID / NO INHERIT checks (which the CREATE TABLE leaves
out) are added. Each step is a ``DDLOp``: SQL and the SQL that undoes it, so the downgrade is
exact. Alembic's own ops on the same names are left out (``handled``).
"""

from __future__ import annotations

import re
from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations
from pglast import ast, parse_sql
from pglast.parser import ParseError

from generator.migrate.ops import _execute, _Op
from generator.pg.catalog import Snapshot
from generator.spec import naming

q = naming.quote_ident



@Operations.register_operation("execute_ddl")
class DDLOp(_Op):
    """Statements and the statements that undo them (rendered as ``op.execute_ddl``)."""

    def __init__(self, sql: list[str], reverse_sql: list[str], summary: str, reverse_summary: str,
                 name: str = "") -> None:
        self.sql = sql
        self.reverse_sql = reverse_sql
        self.summary = summary
        self.reverse_summary = reverse_summary
        self.name = name

    @classmethod
    def execute_ddl(cls, operations: Operations, sql: list[str], reverse_sql: list[str], summary: str = "",
                    reverse_summary: str = "", name: str = "") -> Any:
        return operations.invoke(cls(sql, reverse_sql, summary, reverse_summary, name))

    def reverse(self) -> DDLOp:
        return DDLOp(self.reverse_sql, self.sql, self.reverse_summary, self.summary, self.name)


@Operations.implementation_for(DDLOp)
def _execute_ddl(operations: Operations, op: DDLOp) -> None:
    for sql in op.sql:
        _execute(operations, sql)


@renderers.dispatch_for(DDLOp)
def _r_execute_ddl(ctx: Any, op: DDLOp) -> str:
    return (f"op.execute_ddl({op.sql!r}, reverse_sql={op.reverse_sql!r}, summary={op.summary!r}, "
            f"reverse_summary={op.reverse_summary!r}, name={op.name!r})")


def special_index(definition: str | None) -> bool:
    """Whether an index (as pg_get_indexdef prints it) uses an expression, an operator class,
    a collation, INCLUDE, NULLS NOT DISTINCT or storage parameters."""
    if definition is None:
        return False
    try:
        stmt = parse_sql(definition)[0].stmt
    except ParseError:
        return True
    if not isinstance(stmt, ast.IndexStmt):
        return True
    items = stmt.indexParams or ()
    return bool(stmt.indexIncludingParams or stmt.options or stmt.nulls_not_distinct or any(
        e.expr is not None or e.opclass or e.collation for e in items))


def special_constraint(entry: tuple[str, str] | None) -> bool:
    """Whether a constraint is an exclusion, NOT VALID, NO INHERIT, or a deferrable key or one
    with INCLUDE."""
    if entry is None:
        return False
    kind, definition = entry
    if kind == "x" or definition.endswith(" NOT VALID") or (kind == "c" and " NO INHERIT" in definition):
        return True
    if kind in ("u", "p"):
        try:
            c = parse_sql(f"ALTER TABLE t ADD {definition}")[0].stmt.cmds[0].def_
        except (ParseError, AttributeError, IndexError):
            return True
        return bool(c.deferrable or c.including)
    return False


def _key_columns(definition: str) -> list[str]:
    c = parse_sql(f"ALTER TABLE t ADD {definition}")[0].stmt.cmds[0].def_
    return [k.sval for k in c.keys]


def _create_index(name: str, definition: str) -> str:
    return re.sub(r"^CREATE (UNIQUE )?INDEX ON ", lambda m: f"CREATE {m.group(1) or ''}INDEX {q(name)} ON ", definition, count=1)


def index_form_ops(work: Snapshot, target: Snapshot) -> tuple[list[DDLOp], list[DDLOp], set[str]]:
    """(drops, creates, names handled) for the special forms; see the module docstring."""
    drops: list[DDLOp] = []
    creates: list[DDLOp] = []
    handled: set[str] = set()
    common = set(work.tables) & set(target.tables)
    new = set(target.tables) - set(work.tables)
    backing = {k[1] for k in list(work.constraints) + list(target.constraints)}
    for name in sorted(set(work.indexes) | set(target.indexes)):
        w, t = work.indexes.get(name), target.indexes.get(name)
        table = (t or w)[0]  # type: ignore[index]
        if name in backing or table not in common:
            continue
        if not (special_index(w[1] if w else None) or special_index(t[1] if t else None)):
            continue
        handled.add(name)  # in sync too: Alembic's reflection skips expression indexes, and would add them again
        if w == t:
            continue
        if w is not None:
            drops.append(DDLOp([f"DROP INDEX {q(name)}"], [_create_index(name, w[1])],
                               f"drop index {name}", f"create index {name} on {table}", name))
        if t is not None:
            creates.append(DDLOp([_create_index(name, t[1])], [f"DROP INDEX {q(name)}"],
                                 f"create index {name} on {table}", f"drop index {name}", name))
    for key in sorted(set(work.constraints) | set(target.constraints)):
        table, name = key
        w, t = work.constraints.get(key), target.constraints.get(key)
        on_new = table in new and t is not None and (t[0] == "x" or (t[0] == "c" and special_constraint(t)))
        alter = f"ALTER TABLE {q(table)}"
        if table in new and t is not None and t[0] == "f" and t[1].endswith(" NOT VALID"):
            # CREATE TABLE made it valid (PostgreSQL ignores NOT VALID there): add it again, NOT VALID
            valid = t[1].removesuffix(" NOT VALID")
            creates.append(DDLOp([f"{alter} DROP CONSTRAINT {q(name)}", f"{alter} ADD CONSTRAINT {q(name)} {t[1]}"],
                                 [f"{alter} DROP CONSTRAINT {q(name)}", f"{alter} ADD CONSTRAINT {q(name)} {valid}"],
                                 f"make foreign key {name} on {table} NOT VALID", f"validate foreign key {name} on {table}", name))
            continue
        if table in new and t is not None and t[0] == "p" and special_constraint(t):
            # Alembic's create_table writes a primary key without DEFERRABLE / INCLUDE
            plain = f"PRIMARY KEY ({', '.join(map(q, _key_columns(t[1])))})"
            creates.append(DDLOp([f"{alter} DROP CONSTRAINT {q(name)}", f"{alter} ADD CONSTRAINT {q(name)} {t[1]}"],
                                 [f"{alter} DROP CONSTRAINT {q(name)}", f"{alter} ADD CONSTRAINT {q(name)} {plain}"],
                                 f"add primary key options of {name} on {table}",
                                 f"drop primary key options of {name} on {table}", name))
            continue
        if not on_new and (table not in common or not (special_constraint(w) or special_constraint(t))):
            continue
        handled.add(name)
        if w == t and not on_new:
            continue
        if w is not None and not on_new:
            drops.append(DDLOp([f"{alter} DROP CONSTRAINT {q(name)}"], [f"{alter} ADD CONSTRAINT {q(name)} {w[1]}"],
                               f"drop constraint {name} on {table}", f"add constraint {name} on {table}", name))
        if t is not None:
            creates.append(DDLOp([f"{alter} ADD CONSTRAINT {q(name)} {t[1]}"], [f"{alter} DROP CONSTRAINT {q(name)}"],
                                 f"add constraint {name} on {table}", f"drop constraint {name} on {table}", name))
    return drops, creates, handled


def without_handled(items: list[Any], handled: set[str]) -> list[Any]:
    """``items`` minus Alembic's (and the other fix-ups') ops on a handled index or constraint."""
    from alembic.operations import ops

    out = []
    for op in items:
        if isinstance(op, ops.ModifyTableOps):
            op.ops[:] = without_handled(op.ops, handled)
            if op.ops:
                out.append(op)
            continue
        names = {str(getattr(op, a)) for a in ("index_name", "constraint_name") if getattr(op, a, None)}
        if isinstance(op, DDLOp) or not names & handled:
            out.append(op)
    return out
