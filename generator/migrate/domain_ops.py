"""Revisions for domains and generated columns: one op, ``op.domain_sql``, and its comparator.

Alembic has no word for domains, and its autogenerate leaves a generated column's expression
alone (it warns that a Computed cannot be modified). ``domain_changes`` compares the head's
and the spec's catalog snapshots (the same comparison ``schemactl diff`` makes,
``generator.pg.catalog_domains``) and returns ``DomainSqlOp``s, each holding its statements
and the statements that undo it (the downgrade is ``reverse()``):

- a domain created (``CREATE DOMAIN`` with its CHECKs, and comment) / dropped (re-created
  by the downgrade from the head's catalog);
- ``ALTER DOMAIN ... SET/DROP NOT NULL``, ``SET/DROP DEFAULT``, a CHECK added, dropped or
  changed (drop and add), a comment;
- a base type or collation changed: the domain is dropped and created again (PostgreSQL has
  no ALTER for it; the proof refuses the revision while a column uses the domain);
- a generated column's expression changed (``SET EXPRESSION``), a generated column made plain
  or a plain one generated (``generator.pg.catalog_domains.regenerate_sql``).

Domain creations and changes run before the table ops (a new table may use a new domain),
after the enums are created (a domain may be over one); drops run last, before the enums'.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations

from generator.migrate.ops import _execute, _Op
from generator.pg.catalog import Snapshot, same_check_definition, show_value
from generator.pg.catalog_domains import (
    _q,
    _qualified,
    compare_domains,
    create_domain,
    regenerate_sql,
)


@Operations.register_operation("domain_sql")
class DomainSqlOp(_Op):
    """``statements`` (what ``summary`` says), and ``undo``: the statements that reverse them."""

    def __init__(self, summary: str, statements: list[str], undo: list[str], undo_summary: str = "") -> None:
        self.summary, self.statements, self.undo, self.undo_summary = summary, list(statements), list(undo), undo_summary
        self.loses_data = False  # set by generated_changes: a plain column's values replaced (the destructive gate)

    @classmethod
    def domain_sql(cls, operations: Operations, summary: str, statements: list[str], undo: list[str],
                   undo_summary: str = "") -> Any:
        return operations.invoke(cls(summary, statements, undo, undo_summary))

    def reverse(self) -> DomainSqlOp:
        return DomainSqlOp(self.undo_summary or f"undo: {self.summary}", self.undo, self.statements, self.summary)


@Operations.implementation_for(DomainSqlOp)
def _domain_sql(operations: Operations, op: DomainSqlOp) -> None:
    for sql in op.statements:
        _execute(operations, sql)


@renderers.dispatch_for(DomainSqlOp)
def _r_domain_sql(ctx: Any, op: DomainSqlOp) -> str:
    args = [repr(op.summary), repr(op.statements), repr(op.undo)]
    if op.undo_summary:
        args.append(f"undo_summary={op.undo_summary!r}")
    return f"op.domain_sql({', '.join(args)})"


def domain_changes(work: Snapshot, target: Snapshot) -> tuple[list[DomainSqlOp], list[DomainSqlOp]]:
    """(ops to run before the table ops, ops to run last) turning ``work``'s domains into
    ``target``'s."""
    first: list[DomainSqlOp] = []
    drops: list[DomainSqlOp] = []
    changes = compare_domains(work.domains, target.domains, show_value, same_check_definition)
    for kind, name, action, _detail in changes:
        if kind == "domain" and action == "added":
            first.append(DomainSqlOp(f"create domain {name}", create_domain(name, target.domains[name]),
                                     [f"DROP DOMAIN {_qualified(name)}"], f"drop domain {name}"))
        elif kind == "domain" and action == "removed":
            drops.append(DomainSqlOp(f"drop domain {name}", [f"DROP DOMAIN {_qualified(name)}"],
                                     create_domain(name, work.domains[name]), f"create domain {name}"))
        elif kind == "domain":
            first.append(_alter(name, work, target))
        elif kind == "domain check":
            domain, _, check = name.partition(".")
            a, b = dict(work.domains[domain].checks).get(check), dict(target.domains[domain].checks).get(check)
            target_sql = f"ALTER DOMAIN {_qualified(domain)}"
            first.append(DomainSqlOp(
                f"{'add' if a is None else 'drop' if b is None else 'change'} check {check} on domain {domain}",
                _check_sql(target_sql, check, a, b), _check_sql(target_sql, check, b, a),
            ))
        elif kind == "comment":
            domain = name[len("domain "):]
            first.append(DomainSqlOp(f"comment on domain {domain}", [_comment(domain, target.domains[domain].comment)],
                                     [_comment(domain, work.domains[domain].comment)]))
    return _created_in_order(first, target), drops


def _created_in_order(ops: list[DomainSqlOp], target: Snapshot) -> list[DomainSqlOp]:
    """Creations of domains over other new domains after them (by the base's name)."""
    created = {op.summary[len("create domain "):]: op for op in ops if op.summary.startswith("create domain ")}
    order: list[str] = []

    def visit(name: str, depth: int = 0) -> None:
        if name in order or depth > len(created):
            return
        base = target.domains[name].base.removeprefix("public.").strip('"').removesuffix("[]")
        if base in created and base != name:
            visit(base, depth + 1)
        order.append(name)

    for name in created:
        visit(name)
    rest = [op for op in ops if not op.summary.startswith("create domain ")]
    return [created[n] for n in order] + rest


def _check_sql(target: str, check: str, old: str | None, new: str | None) -> list[str]:
    out = [f"{target} DROP CONSTRAINT {_q(check)}"] if old is not None else []
    if new is not None:
        out.append(f"{target} ADD CONSTRAINT {_q(check)} {new}")
    return out


def _comment(domain: str, comment: str | None) -> str:
    from generator.pg.catalog_domains import _literal

    return f"COMMENT ON DOMAIN {_qualified(domain)} IS {'NULL' if comment is None else _literal(comment)}"


def _alter(name: str, work: Snapshot, target: Snapshot) -> DomainSqlOp:
    a, b = work.domains[name], target.domains[name]
    if a.base != b.base or a.collation != b.collation:
        return DomainSqlOp(f"recreate domain {name} (base type or collation)",
                           [f"DROP DOMAIN {_qualified(name)}", *create_domain(name, b)],
                           [f"DROP DOMAIN {_qualified(name)}", *create_domain(name, a)])
    return DomainSqlOp(f"alter domain {name}", _options(name, a, b), _options(name, b, a))


def _options(name: str, a: Any, b: Any) -> list[str]:
    target = f"ALTER DOMAIN {_qualified(name)}"
    out = []
    if a.default != b.default:
        out.append(f"{target} DROP DEFAULT" if b.default is None else f"{target} SET DEFAULT {b.default}")
    if a.not_null != b.not_null:
        out.append(f"{target} {'SET' if b.not_null else 'DROP'} NOT NULL")
    return out


def generated_changes(work: Snapshot, target: Snapshot) -> list[DomainSqlOp]:
    """Columns of tables on both sides whose generation differs (expression, kind, or
    generated at all): their statements each way."""
    out = []
    for key in sorted(set(work.columns) & set(target.columns)):
        a, b = work.columns[key], target.columns[key]
        if not (a.generated or b.generated) or (a.generated, a.default) == (b.generated, b.default):
            continue
        table, column = key
        op = DomainSqlOp(f"change generated column {table}.{column}", regenerate_sql(table, column, a, b),
                         regenerate_sql(table, column, b, a))
        op.loses_data = not a.generated  # a plain column becomes generated: its values are replaced
        out.append(op)
    return out


def drop_phantom_nullability(body: list[Any], work: Snapshot, target: Snapshot) -> None:
    """SQLAlchemy reflects a column whose domain is NOT NULL as NOT NULL, though the column's
    own ``attnotnull`` is false; Alembic then alters its nullability on every run. The catalog
    compares ``attnotnull`` itself: a nullability change it does not see is dropped (and an
    alter left with nothing to do, with it)."""
    from alembic.operations import ops

    for table_ops in body:
        if not isinstance(table_ops, ops.ModifyTableOps):
            continue
        kept = []
        for op in table_ops.ops:
            key = (table_ops.table_name, getattr(op, "column_name", ""))
            a, b = work.columns.get(key), target.columns.get(key)
            if isinstance(op, ops.AlterColumnOp) and op.modify_nullable is not None and a is not None and b is not None \
                    and a.not_null == b.not_null:
                op.modify_nullable = None
                op.kw.pop("modify_nullable", None)
                if (op.modify_type is None and op.modify_server_default is False and op.modify_comment is False
                        and op.modify_name is None):
                    continue
            kept.append(op)
        table_ops.ops[:] = kept
    body[:] = [op for op in body if not (isinstance(op, ops.ModifyTableOps) and not op.ops)]


def render_virtual(computed: Any, autogen_context: Any) -> str:
    """A VIRTUAL generated column's ``Computed`` in a revision (Alembic renders every Computed
    as ``sa.Computed(...)``, which SQLAlchemy compiles to STORED)."""
    autogen_context.imports.add("from generator.schema.domains_ddl import VirtualComputed")
    sql = str(computed.sqltext.text) if hasattr(computed.sqltext, "text") else str(computed.sqltext)
    return f"VirtualComputed(sa.text({sql!r}))"
