"""Autogenerate support: what Alembic's comparison misses, filled in from catalog snapshots.

Alembic 1.20 autogenerate (compare_type and compare_server_default on) does not see enum
types or values, CHECK constraints on existing tables, an index, unique constraint or primary
key whose definition changed under the same name (WHERE, USING, NULLS NOT DISTINCT, column
order), identity changes, extensions, type comments, or triggers; and it writes a type change
that needs a cast (text -> enum) without ``USING``. ``AutogenSupport`` answers those from two
snapshots rendered by PostgreSQL itself: the database being migrated ("work") and a scratch
database created straight from the spec ("target"). Types and server defaults are compared
the same way (format_type and pg_get_expr), which removes Alembic's false positives on
defaults.

The extra operations are added by an Alembic plugin (``schemactl.fixups``, run last), so plain
``alembic check`` and ``alembic revision --autogenerate`` see them too. The plugin also makes
the renderer escape ``:word`` in SQL it wraps in ``sa.text()`` (see ``escape_rendered_sql``).

Op order in an upgrade: enum value additions (autocommit, so first), extensions, new enums,
enum comments; Alembic's table ops (append-only guards right after their create_table and
before their drop_table; dropped tables after the others, referring tables first: see
``_order_table_ops``); CHECK/index/unique/primary key redefinitions, identity changes,
guards on existing tables; enum value removals (after the default and CHECK changes that stop
using the value); then enum and extension drops. Downgrades are the exact reverse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from graphlib import CycleError, TopologicalSorter
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.sql.elements import conv

from generator.migrate import (
    access_ops,
    domain_ops,
    function_ops,
    partition_ops,
    schema_ops,
    sequence_ops,
    view_ops,
)
from generator.migrate import online_hazards as online_hazards
from generator.migrate import online_ops as online_ops
from generator.migrate import ops as xops
from generator.migrate.index_form_ops import index_form_ops, without_handled
from generator.migrate.qualified import key as _key
from generator.migrate.qualified import known_schemas, qualify_ops, table_args
from generator.migrate.type_ops import user_type_ops
from generator.pg.catalog import Snapshot, read_snapshot, same_check_definition
from generator.schema import guards
from generator.schema.domains_ddl import VirtualComputed
from generator.schema.metadata import sql_text
from generator.schema.opaque_sa import OpaqueType
from generator.spec import naming
from generator.spec.model import Spec


@dataclass
class AutogenSupport:
    spec: Spec
    metadata: sa.MetaData
    connection: Any
    target_factory: Callable[[], Snapshot]
    prepend: list[Any] = field(default_factory=list)  # rename ops from the pre-pass
    hazards: list[Any] = field(default_factory=list)  # generator.migrate.online_hazards, set by fixups

    @cached_property
    def work(self) -> Snapshot:
        return read_snapshot(self.connection)

    @cached_property
    def target(self) -> Snapshot:
        return self.target_factory()

    # --- hooks for context.configure ------------------------------------------------------

    def compare_type(self, context, inspected_column, metadata_column, inspected_type, metadata_type) -> bool | None:
        key = (_key(metadata_column.table.name, metadata_column.table.schema), metadata_column.name)
        a, b = self.work.columns.get(key), self.target.columns.get(key)
        if a is None or b is None:
            return None
        return a.type != b.type

    def render_item(self, type_: str, obj: Any, autogen_context: Any) -> str | bool:
        if type_ == "type" and isinstance(obj, pg.ENUM):
            autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
            schema = f", schema={obj.schema!r}" if obj.schema not in (None, "public") else ""
            return f"postgresql.ENUM(name={obj.name!r}{schema}, create_type=False)"
        if type_ == "server_default" and isinstance(obj, VirtualComputed):  # Alembic would render it STORED
            return domain_ops.render_virtual(obj, autogen_context)
        if type_ == "type" and isinstance(obj, pg.DOMAIN):  # created by op.domain_sql (generator.migrate.domain_ops)
            autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
            return f"postgresql.DOMAIN(name={obj.name!r}, data_type=sa.types.NullType(), create_type=False)"
        if type_ == "type" and isinstance(obj, OpaqueType):
            autogen_context.imports.add("from generator.schema.opaque_sa import OpaqueType")
            return repr(obj)
        return False

    def include_name(self, name: str | None, type_: str, parent_names: Any) -> bool:
        """With ``include_schemas``: compare public, the spec's schemas and those at head
        (the migrations made them), never PostgreSQL's own or another schema of the server."""
        if type_ != "schema":
            return True
        return name is None or name in {"public", *self.spec.schemas, *self.work.schemas}

    # --- the fix-ups -----------------------------------------------------------------------

    def fixups(self, upgrade_ops: ops.UpgradeOps) -> None:
        # names outside public (generator.migrate.qualified): split with the schemas both sides know
        with known_schemas({*self.spec.schemas, *self.work.schemas, *self.target.schemas}):
            self._fixups(upgrade_ops)
            qualify_ops(upgrade_ops.ops)

    def _fixups(self, upgrade_ops: ops.UpgradeOps) -> None:
        work, target = self.work, self.target
        body = list(upgrade_ops.ops)
        first: list[Any] = []
        drops: list[Any] = []  # CHECK/index drops run before table ops: a dropped column takes them along
        pre: list[Any] = []
        post: list[Any] = []
        removals: list[Any] = []  # enum value removals: after every default/CHECK change that stops using the value
        last: list[Any] = []

        pre += [xops.CreateExtensionOp(e) for e in sorted(target.extensions - work.extensions)]
        last += [xops.DropExtensionOp(e) for e in sorted(work.extensions - target.extensions)]
        self._enums(first, pre, removals, last)
        types_early, types_late = user_type_ops(work, target)  # types: after enums, before tables
        pre += types_early
        last[:0] = types_late
        domains_first, domains_last = domain_ops.domain_changes(work, target)  # after new enums, before tables
        pre += domains_first
        last[:0] = domains_last  # before the enum drops: a domain may be over one
        body = partition_ops.fixups(body, post, work, target)  # partitions: not in the MetaData
        body = _order_table_ops(self._guards_on_table_ops(body))
        domain_ops.drop_phantom_nullability(body, work, target)
        self._tidy_alters(body)
        self._defaults(body, post)
        self._casts(body)
        self._checks(drops, post)
        self._redefined_indexes(body, drops, post)
        self._redefined_uniques(body, drops, post)
        self._redefined_primary_keys(drops, post)
        self._identities(post)
        sequence_ops.no_implicit_serial(body, work)
        sequence_ops.sequence_fixups(work, target, pre, post, last)
        self._guards_on_existing(post)
        post += domain_ops.generated_changes(work, target)
        function_ops.function_fixups(work, target, drops, post, last, pre)  # functions and triggers
        form_drops, form_creates, handled = index_form_ops(work, target)  # generator.migrate.index_form_ops
        drops, body, post = (without_handled(drops, handled) + form_drops, without_handled(body, handled),
                             without_handled(post, handled) + form_creates)
        views_first, views_last = view_ops.view_fixups(work, target)  # around everything else (pg_depend order)
        access_first, access_last = access_ops.access_fixups(work, target)  # generator.migrate.access_ops
        schemas_first, schemas_last = schema_ops.schema_fixups(work, target)  # created first, dropped last
        upgrade_ops.ops[:] = [*schemas_first, *self.prepend, *access_first, *views_first, *first, *drops, *pre, *body,
                              *post, *removals, *views_last, *access_last, *last, *schemas_last]
        # issue 18: online forms for tables that exist at head, timeouts first, and the hazards
        upgrade_ops.ops[:] = online_ops.make_online(upgrade_ops.ops, work, target, online_ops.spec_timeouts(self.spec.raw))
        self.hazards = online_hazards.find_hazards(upgrade_ops.ops, work, target, self.connection)

    def _enums(self, first: list, pre: list, removals: list, last: list) -> None:
        """Enum types and their values. Per type: renames (from the spec's hints), then
        additions (they run first, in autocommit), then removals (they run last, and rebuild
        the type with every value it has by then, the added ones included). Each op records
        the values the type has right after it, so its reverse puts a value back in place."""
        work, target = self.work, self.target
        names = [n for n in self.spec.enums if n in target.enums] + sorted(set(target.enums) - set(self.spec.enums))
        for name in names:
            values = target.enums[name]
            spec_enum = self.spec.enums.get(name)
            comment = spec_enum.comment if spec_enum else target.enum_comments.get(name)
            if name not in work.enums:
                pre.append(xops.CreateEnumOp(name, list(values), comment))
                continue
            if work.enum_comments.get(name) != target.enum_comments.get(name):
                pre.append(xops.SetEnumCommentOp(name, target.enum_comments.get(name), work.enum_comments.get(name)))
            renames = dict(spec_enum.value_renames) if spec_enum else {}
            current = list(work.enums[name])
            for new, old in renames.items():
                if old in current and new not in current:
                    first.append(xops.RenameEnumValueOp(name, old, new))
                    current[current.index(old)] = new
            for i, value in enumerate(values):
                if value in current:
                    continue
                after = next((v for v in reversed(values[:i]) if v in current), None)
                current.insert(current.index(after) + 1 if after else 0, value)
                first.append(xops.AddEnumValueOp(name, value, after, list(current)))
            for value in [v for v in current if v not in values]:
                index = current.index(value)
                previous = current[index - 1] if index > 0 else None
                current.remove(value)
                removals.append(xops.DropEnumValueOp(name, value, list(current), previous))
        for name in sorted(set(work.enums) - set(target.enums)):
            last.append(xops.DropEnumOp(name, list(work.enums[name]), work.enum_comments.get(name)))

    def _tidy_alters(self, body: list) -> None:
        """Alembic's alter_column ops as they should be rendered on PostgreSQL.

        - ``autoincrement=`` (from the metadata column) means nothing here and makes every
          upgrade warn "only make sense for MySQL": dropped.
        - ``existing_server_default`` is Alembic's reflection, a text() that reads ``':x'`` as
          a bind parameter: replaced by the catalog's default.
        """
        for op in _walk(body):
            if not isinstance(op, ops.AlterColumnOp):
                continue
            op.kw.pop("autoincrement", None)
            op.kw.pop("existing_autoincrement", None)
            column = self.work.columns.get((_key(op.table_name, op.schema), op.column_name))
            if column is not None and not column.identity:
                op.existing_server_default = _default_clause(column.default)

    def _guards_on_table_ops(self, body: list) -> list:
        out = []
        for op in body:
            name = _key(op.table_name, op.schema) if isinstance(op, ops.DropTableOp | ops.CreateTableOp) else ""
            if isinstance(op, ops.DropTableOp) and (name, naming.chain_guard(op.table_name)) in self.work.triggers:
                out.append(self._drop_chain_guard_op(op.table_name))
            out.append(op)
            if isinstance(op, ops.CreateTableOp):  # append_only: ordinary function and triggers (function_ops)
                table = self.spec.tables.get(name)
                if table is not None and table.hash_chain is not None:
                    out.append(self._chain_guard_op(op.table_name))
        return out

    def _guards_on_existing(self, post: list) -> None:
        for name in sorted(set(self.work.tables) & set(self.target.tables)):
            if name not in self.spec.tables:
                continue  # a partition: its guards are its parent's (cloned triggers)
            has = (name, naming.chain_guard(name)) in self.work.triggers
            if self.spec.tables[name].hash_chain is not None and not has:
                post.append(self._chain_guard_op(name))
            elif has and self.spec.tables[name].hash_chain is None:
                post.append(self._drop_chain_guard_op(name))

    def _drop_chain_guard_op(self, name: str) -> xops.DropChainGuardOp:
        """The drop of the guard in the database at head, with the columns its function names
        (so the downgrade can re-create it)."""
        body = self.work.functions.get(f"{naming.chain_guard(name)}()", "")
        scope, prev, hash_, id_column = guards.chain_guard_args(body) or ([], "", "", "id")
        return xops.DropChainGuardOp(name, scope, prev, hash_, id_column)

    def _chain_guard_op(self, name: str) -> xops.CreateChainGuardOp:
        table = self.spec.tables[name]
        chain = table.hash_chain
        assert chain is not None
        return xops.CreateChainGuardOp(name, list(chain.scope), chain.prev, chain.hash, table.primary_key[0])

    def _defaults(self, body: list, post: list) -> None:
        """Server defaults, compared as PostgreSQL renders them (pg_get_expr) on both sides.

        Alembic's own comparison is off (compare_server_default=False): its text comparison
        gives false positives (casts, quoting), and with a callable it crashes on identity
        columns (Alembic 1.20 reads ``.arg`` of an Identity).
        """
        work, target = self.work, self.target
        for key in sorted(set(work.columns) & set(target.columns)):
            a, b = work.columns[key], target.columns[key]
            table, column = key
            if a.default == b.default or a.identity or b.identity or a.generated or b.generated or table not in self.metadata.tables:
                continue
            meta_col = self.metadata.tables[table].c[column]
            alter = _find_alter(body, table, column)
            if alter is None:
                where = table_args(table)
                alter = ops.AlterColumnOp(
                    where["table_name"], column, schema=where["schema"], existing_type=meta_col.type,
                    existing_nullable=a.not_null is False, existing_comment=a.comment,
                )
                post.append(ops.ModifyTableOps(where["table_name"], [alter], schema=where["schema"]))
            alter.modify_server_default = meta_col.server_default if meta_col.server_default is not None else None
            if meta_col.server_default is None:
                alter.modify_server_default = None
                alter.kw["modify_server_default"] = None
            # a DefaultClause, as Alembic's own comparison gives: a bare TextClause would render as
            # raw SQL (server_default='x'::t, a syntax error) in the downgrade
            alter.existing_server_default = _default_clause(a.default)

    def _casts(self, body: list) -> None:
        """Type changes PostgreSQL only makes with ``USING``: an ``AlterColumnTypeOp`` carrying
        the cast each way. A default that cannot follow the cast is dropped first and set again
        after (PostgreSQL casts the default too, and refuses)."""
        for table_ops in body:
            if not isinstance(table_ops, ops.ModifyTableOps):
                continue
            out: list[Any] = []
            for op in table_ops.ops:
                name = _key(table_ops.table_name, table_ops.schema)
                out.extend(self._cast(name, op) if isinstance(op, ops.AlterColumnOp) else [op])
            table_ops.ops[:] = out

    def _cast(self, table: str, op: ops.AlterColumnOp) -> list[Any]:
        a, b = self.work.columns.get((table, op.column_name)), self.target.columns.get((table, op.column_name))
        if op.modify_type is None or a is None or b is None or a.type == b.type:
            return [op]
        up, down = not self._assignable(a.type, b.type), not self._assignable(b.type, a.type)
        if not (up or down):
            return [op]
        column = xops._q(op.column_name)
        common = dict(existing_type=op.existing_type, existing_nullable=op.existing_nullable,
                      existing_comment=op.existing_comment, schema=op.schema)
        bare = op.table_name
        old_default = _default_clause(a.default)
        new_default = self.metadata.tables[table].c[op.column_name].server_default
        kw = {k: v for k, v in op.kw.items() if k not in ("modify_server_default", "existing_server_default")}
        cast = xops.AlterColumnTypeOp(
            bare, op.column_name, using=f"{column}::{b.type}" if up else None,
            reverse_using=f"{column}::{a.type}" if down else None, modify_type=op.modify_type,
            modify_nullable=op.modify_nullable, modify_comment=op.modify_comment, **common, **kw,
        )
        if old_default is None and new_default is None:
            return [cast]
        drop = ops.AlterColumnOp(bare, op.column_name, modify_server_default=None,
                                 existing_server_default=old_default, **common)
        cast.existing_server_default = None
        restore = ops.AlterColumnOp(bare, op.column_name, modify_server_default=new_default,
                                    existing_server_default=None, **{**common, "existing_type": op.modify_type})
        return [drop, cast, restore]

    def _assignable(self, source: str, target: str) -> bool:
        """Whether PostgreSQL casts ``source`` to ``target`` in ALTER COLUMN TYPE without USING:
        the same type, an implicit or assignment cast, or I/O conversion to a string type. A
        type the database does not have yet (an enum created in this revision) is not."""
        source, target = source.split(" COLLATE ")[0], target.split(" COLLATE ")[0]  # to_regtype reads a type name
        return bool(self.connection.exec_driver_sql(_ASSIGNABLE, {"a": source, "b": target}).scalar())

    def _checks(self, drops: list, post: list) -> None:
        work, target = self.work, self.target
        work_checks, target_checks = _checks_by_table(work), _checks_by_table(target)
        for table in sorted(set(work.tables) & set(target.tables)):
            have = work_checks.get(table, {})
            want = target_checks.get(table, {})
            spec_table = self.spec.tables.get(table)
            spec_sql = {c.name: c.sql for c in spec_table.checks} if spec_table else {}
            for name in sorted(set(have) | set(want)):
                if have.get(name) == want.get(name) or (
                    name in have and name in want and same_check_definition(have[name], want[name])
                ):
                    continue
                final = conv(name)  # a catalog name is final: no naming convention on top
                where = table_args(table)
                bare, schema = where["table_name"], where["schema"]
                if name in have:
                    drops.append(
                        ops.DropConstraintOp(
                            final, bare, type_="check", schema=schema,
                            _reverse=ops.CreateCheckConstraintOp(final, bare, sql_text(_condition(have[name])),
                                                                 schema=schema),
                        )
                    )
                if name in want:
                    condition = sql_text(spec_sql.get(name) or _condition(want[name]))
                    post.append(ops.CreateCheckConstraintOp(final, bare, condition, schema=schema))

    def _touched(self, body: list) -> set[str]:
        names: set[str] = set()
        for op in _walk(body):
            for attr in ("index_name", "constraint_name"):
                value = getattr(op, attr, None)
                if value:
                    names.add(str(value))
        return names

    def _redefined_indexes(self, body: list, drops: list, post: list) -> None:
        work, target = self.work, self.target
        touched = self._touched(body)
        constraint_names = {k[1] for k in list(work.constraints) + list(target.constraints)}
        for name in sorted(set(work.indexes) & set(target.indexes)):
            if name in touched or name in constraint_names:
                continue
            (t1, d1), (t2, d2) = work.indexes[name], target.indexes[name]
            if t1 != t2 or d1 == d2 or t2 not in self.metadata.tables:
                continue
            wanted = next((ix for ix in self.metadata.tables[t2].indexes if ix.name == name), None)
            existing = self._reflected_index(t1, name)
            if wanted is None or existing is None:
                continue
            drops.append(ops.DropIndexOp.from_index(existing))
            post.append(ops.CreateIndexOp.from_index(wanted))

    def _redefined_uniques(self, body: list, drops: list, post: list) -> None:
        work, target = self.work, self.target
        touched = self._touched(body)
        for key in sorted(set(work.constraints) & set(target.constraints)):
            (k1, d1), (k2, d2) = work.constraints[key], target.constraints[key]
            table, name = key
            if k1 != "u" or k2 != "u" or d1 == d2 or name in touched or table not in self.metadata.tables:
                continue
            wanted = next(
                (c for c in self.metadata.tables[table].constraints if isinstance(c, sa.UniqueConstraint) and c.name == name),
                None,
            )
            if wanted is None:
                continue
            old = _unique_from_def(table, name, d1)
            where = table_args(table)
            drops.append(ops.DropConstraintOp(conv(name), where["table_name"], type_="unique", schema=where["schema"],
                                              _reverse=ops.AddConstraintOp.from_constraint(old)))
            post.append(ops.AddConstraintOp.from_constraint(wanted))

    def _redefined_primary_keys(self, drops: list, post: list) -> None:
        """A primary key over other columns under the same name (Alembic does not compare
        primary keys). A foreign key referring to the old key makes the drop fail: the proof
        then refuses the revision."""
        for key in sorted(set(self.work.constraints) & set(self.target.constraints)):
            (k1, d1), (k2, d2) = self.work.constraints[key], self.target.constraints[key]
            table, name = key
            if k1 != "p" or k2 != "p" or d1 == d2:
                continue
            old, new = _key_columns(d1), _key_columns(d2)
            bare, schema = table_args(table).values()
            drops.append(ops.DropConstraintOp(conv(name), bare, type_="primary", schema=schema,
                                              _reverse=ops.CreatePrimaryKeyOp(conv(name), bare, old, schema=schema)))
            post.append(ops.CreatePrimaryKeyOp(conv(name), bare, new, schema=schema))

    def _identities(self, post: list) -> None:
        """Identity added, changed (always <-> by default) or dropped on an existing column."""
        kinds = {"": None, "a": "always", "d": "by default"}
        for key in sorted(set(self.work.columns) & set(self.target.columns)):
            a, b = self.work.columns[key], self.target.columns[key]
            if a.identity == b.identity:
                continue
            post.append(xops.AlterIdentityOp(
                *key, kinds[b.identity], kinds[a.identity],
                default=None if b.identity else b.default, existing_default=None if a.identity else a.default,
            ))

    def _reflected_index(self, table: str, name: str) -> sa.Index | None:
        reflected = sa.Table(table, sa.MetaData(), autoload_with=self.connection)
        return next((ix for ix in reflected.indexes if ix.name == name), None)


def _order_table_ops(body: list) -> list:
    """Alembic's table ops in an order PostgreSQL accepts, both ways.

    Alembic 1.20 creates new tables in dependency order (``MetaData.sorted_tables``) but drops
    removed ones in set order, before the changes to the tables that stay: a table went before
    the tables whose foreign keys refer to it ("cannot drop table users because other objects
    depend on it"), and the downgrade, the exact reverse, re-created a table before the ones
    it refers to. Here every dropped table's ops (its ModifyTableOps, guard drops and
    DropTableOp) move after all other table ops, referring tables first, so the downgrade
    re-creates them referred-to first and after them re-adds the foreign keys of the tables
    that stay. A foreign key cycle among the dropped tables is broken: the key is dropped
    before the tables (and added back after them), not re-created inside create_table; one
    among new tables likewise (``_break_create_cycles``).
    """
    body = _break_create_cycles(body)
    drops = {_key(op.table_name, op.schema): op for op in body if isinstance(op, ops.DropTableOp)}
    groups: dict[str, list[Any]] = {name: [] for name in drops}
    rest: list[Any] = []
    for op in body:
        name = _op_key(op)
        if name in groups and not isinstance(op, ops.CreateTableOp):
            groups[name].append(op)
        else:
            rest.append(op)
    if not drops:
        return rest
    # DropTableOp._reverse is private Alembic API: pinned by tests/unit/test_alembic_private_api.py
    order, cut = _dependency_order({n: op._reverse.columns if op._reverse else [] for n, op in drops.items()})
    out = rest + [ops.DropConstraintOp.from_constraint(fkc) for fkc in cut]
    for fkc in cut:
        reverse = drops[_key(fkc.table.name, fkc.table.schema)]._reverse
        assert reverse is not None
        reverse.columns = [c for c in reverse.columns if c is not fkc]
    for name in reversed(order):  # referring tables first
        out += groups[name]
    return out


def _break_create_cycles(body: list) -> list:
    """New tables whose foreign keys form a cycle: ``sorted_tables`` cannot order them and
    Alembic writes every key inside create_table, so the first one refers to a table that does
    not exist yet. The keys that close a cycle are added after all the new tables instead
    (``use_alter``, as SQLAlchemy's own create_all does), and the new tables' ops are put in
    the order the remaining keys give."""
    creates = {_key(op.table_name, op.schema): op for op in body if isinstance(op, ops.CreateTableOp)}
    order, cut = _dependency_order({n: op.columns for n, op in creates.items()})
    if not cut:
        return body
    for fkc in cut:
        fkc.use_alter = True  # a copy of its columns no longer carries the key (Column._copy)
        op = creates[_key(fkc.table.name, fkc.table.schema)]
        op.columns = [c for c in op.columns if c is not fkc]
    new = [op for op in body if _op_key(op) in creates]
    new.sort(key=lambda op: order.index(_op_key(op)))  # stable: a table's own ops keep their order
    rest = [op for op in body if _op_key(op) not in creates]
    return [*new, *(ops.CreateForeignKeyOp.from_constraint(fkc) for fkc in cut), *rest]


def _op_key(op: Any) -> str | None:
    """The canonical name of the table an op is about (None: not a table's op)."""
    name = getattr(op, "table_name", None)
    return _key(name, getattr(op, "schema", None)) if isinstance(name, str) else None


def _dependency_order(tables: dict[str, Iterable[Any]]) -> tuple[list[str], list[sa.ForeignKeyConstraint]]:
    """The table names, each after the tables its foreign keys refer to (among these tables,
    else by name), and the foreign keys cut to break cycles."""
    refs: dict[str, dict[str, list[sa.ForeignKeyConstraint]]] = {name: {} for name in tables}
    for name, items in tables.items():
        for item in items:
            if isinstance(item, sa.ForeignKeyConstraint):
                # the referred table's name as written (a dropped table's key may refer to a
                # table that stays, which is not in the reflected metadata)
                target = item.elements[0].target_fullname.rsplit(".", 1)[0]
                if target != name and target in refs:
                    refs[name].setdefault(target, []).append(item)
    cut: list[sa.ForeignKeyConstraint] = []
    while True:
        sorter: TopologicalSorter[str] = TopologicalSorter()
        for name in sorted(refs):
            sorter.add(name, *sorted(refs[name]))
        try:
            return list(sorter.static_order()), cut
        except CycleError as exc:
            a, b = exc.args[1][:2]  # [a, b, ..., a]: a is referred to by b (graphlib's order)
            cut += refs[b].pop(a) if a in refs[b] else refs[a].pop(b)


_ASSIGNABLE = """
SELECT a.oid = b.oid OR b.typcategory = 'S'
    OR EXISTS (SELECT 1 FROM pg_cast c WHERE c.castsource = a.oid AND c.casttarget = b.oid AND c.castcontext IN ('a', 'i'))
FROM pg_type a, pg_type b WHERE a.oid = to_regtype(%(a)s) AND b.oid = to_regtype(%(b)s)
"""


def _default_clause(sql: str | None) -> sa.schema.DefaultClause | None:
    """A catalog default (pg_get_expr) as a server default whose ``:x`` stays text."""
    return sa.schema.DefaultClause(sql_text(sql)) if sql is not None else None


def _find_alter(body: list, table: str, column: str) -> ops.AlterColumnOp | None:
    for op in body:
        if isinstance(op, ops.ModifyTableOps) and _key(op.table_name, op.schema) == table:
            for sub in op.ops:
                if isinstance(sub, ops.AlterColumnOp) and sub.column_name == column:
                    return sub
    return None


def _walk(items: list) -> list:
    out = []
    for op in items:
        out.append(op)
        if isinstance(op, ops.ModifyTableOps):
            out.extend(op.ops)
    return out


def _checks_by_table(snapshot: Snapshot) -> dict[str, dict[str, str]]:
    """{table: {check name: definition}}, in one pass over the snapshot's constraints."""
    out: dict[str, dict[str, str]] = {}
    for (table, name), (kind, definition) in snapshot.constraints.items():
        if kind == "c":
            out.setdefault(table, {})[name] = definition
    return out


def _condition(definition: str) -> str:
    """``CHECK ((a > 0)) NOT VALID`` -> ``(a > 0)``: the expression PostgreSQL stored."""
    text = re.sub(r"\s+NOT VALID$", "", definition.strip())
    return text[len("CHECK ") :].strip() if text.startswith("CHECK ") else text


def _key_columns(definition: str) -> list[str]:
    """``PRIMARY KEY (a, "b c")`` -> ``["a", "b c"]``."""
    m = re.match(r"PRIMARY KEY \((.*)\)", definition)
    return [c.strip().strip('"') for c in m.group(1).split(",")] if m else []


def _unique_from_def(table: str, name: str, definition: str) -> sa.UniqueConstraint:
    m = re.match(r"UNIQUE( NULLS NOT DISTINCT)? \((.*)\)", definition)
    cols = [c.strip().strip('"') for c in m.group(2).split(",")] if m else []
    t = sa.Table(table, sa.MetaData(), *(sa.Column(c) for c in cols))
    kw = {"postgresql_nulls_not_distinct": True} if m and m.group(1) else {}
    uc = sa.UniqueConstraint(*cols, name=conv(name), **kw)
    t.append_constraint(uc)
    return uc


# SQLAlchemy's text() reads ``:name`` as a bind parameter (its own pattern, copied here).
_BIND_PARAM = re.compile(r"(?<![:\w\x5c]):(\w+)(?![:\w])", re.UNICODE)


def escape_bind_params(sql: str) -> str:
    """``'a :x'`` -> ``'a \\:x'``: what text() needs to keep a literal colon; casts (``::``) stay."""
    return _BIND_PARAM.sub(r"\\:\1", sql)


def escape_rendered_sql(impl: Any) -> None:
    """Make the renderer write SQL that survives text() in the revision file.

    The SQL is compiled with ``metadata.ddl_dialect`` (no ``%`` or backslash doubling).
    Alembic renders a server default, CHECK or index WHERE as the compiled SQL wrapped in
    ``sa.text(...)`` (or a plain string that becomes text()), so ``DEFAULT ':x'`` or
    ``CHECK (a <> ':x')`` would come back as a bind parameter and be emitted as NULL. Index
    expressions are rendered as ``literal_column`` (no bind parsing) and are left alone.
    """
    if getattr(impl, "_schemactl_escapes", False):
        return
    from sqlalchemy.sql.elements import ColumnClause

    from generator.schema.metadata import ddl_dialect

    dialect = ddl_dialect()

    def render(expr: Any, is_server_default: bool = False, is_index: bool = False, **kw: Any) -> str:
        # Alembic's own render_ddl_sql_expr compiles with the connection's dialect, whose
        # pyformat paramstyle doubles every "%": the revision would then say 'b%%' where the
        # spec says 'b%' (issue 12). The text goes into the file as written; the dialect that
        # runs the revision escapes it for its driver itself.
        if is_index and not isinstance(expr, ColumnClause):
            expr = expr.self_group()  # as Alembic's PostgreSQL impl does
        compiled = expr.compile(dialect=dialect, compile_kwargs={"literal_binds": True, "include_table": False})
        text = str(compiled)
        return text if is_index else escape_bind_params(text)

    impl.render_ddl_sql_expr = render
    impl._schemactl_escapes = True


def _plugin_comparator(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> PriorityDispatchResult:
    escape_rendered_sql(autogen_context.migration_context.impl)
    support: AutogenSupport | None = autogen_context.opts.get("schemactl")
    if support is not None:
        support.fixups(upgrade_ops)
    return PriorityDispatchResult.CONTINUE


PLUGIN_NAME = "schemactl.fixups"
try:
    _plugin = Plugin(PLUGIN_NAME)
    _plugin.add_autogenerate_comparator(_plugin_comparator, "autogenerate", priority=DispatchPriority.LAST)
except ValueError:  # already registered (module reloaded)
    pass
