"""Online-safe operations for tables that exist before the revision (issue 18).

A revision that changes a table with rows must not hold a lock that blocks writers for as long
as a scan or an index build takes. For a table that already exists at the previous head (a
table created in the same revision is empty and needs none of this), ``make_online`` rewrites
autogenerate's ops:

- ``create_index`` -> ``op.create_index_online``: ``CREATE INDEX CONCURRENTLY IF NOT EXISTS``
  in an autocommit block; an INVALID index of that name (left by a failed or cancelled build)
  is dropped first, and a lock timeout or deadlock is retried a bounded number of times.
  ``drop_index`` -> ``op.drop_index_online`` (``DROP INDEX CONCURRENTLY IF EXISTS``).
- foreign keys and CHECKs -> ``op.add_constraint_online``: ``ADD CONSTRAINT ... NOT VALID``
  (a brief lock, no scan), then ``VALIDATE CONSTRAINT`` in its own transaction (the scan
  holds SHARE UPDATE EXCLUSIVE: reads and writes go on).
- ``SET NOT NULL`` -> ``op.set_not_null_online``: ``CHECK (col IS NOT NULL) NOT VALID``,
  validated, then ``SET NOT NULL`` (PostgreSQL 12+ skips its scan when such a CHECK is
  valid), then the CHECK is dropped.
- a new UNIQUE -> ``op.add_unique_online``: a unique index built concurrently, then
  ``ADD CONSTRAINT ... UNIQUE USING INDEX``.

Every revision starts with ``op.set_timeouts(...)`` (``lock_timeout``, ``statement_timeout``,
``lock_retries``; defaults from the spec's ``settings: {migration: ...}``, overridden at run
time by ``-x``, the environment or alembic.ini, see ``timeouts``). From then on every
statement of the run retries a lock timeout (SQLSTATE 55P03) with backoff: inside a
transaction behind a SAVEPOINT (the locks taken before it stay held while it waits), in an
autocommit block as a new transaction. Each op's reverse restores the previous schema
exactly; the SQL comes from the target's catalog (``pg_get_indexdef``,
``pg_get_constraintdef``), so it is PostgreSQL's own rendering.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations
from alembic.operations import ops as aops

from generator.migrate.ops import _bare, _execute, _lit, _Op, _q
from generator.migrate.qualified import key as _key
from generator.pg.catalog import Snapshot

DEFAULTS = {"lock_timeout": "5s", "statement_timeout": "15min", "lock_retries": 3}
RETRYABLE = {"55P03", "40P01"}  # lock_not_available (lock_timeout), deadlock_detected
_DURATION = re.compile(r"[0-9]+ ?(us|ms|s|min|h|d)?")  # as the spec's JSON Schema: 5s, 500ms, 15min


@dataclass(frozen=True)
class Timeouts:
    lock_timeout: str
    statement_timeout: str
    lock_retries: int


def spec_timeouts(raw: Any) -> Timeouts:
    """The spec's ``settings: {migration: {lock_timeout, statement_timeout, lock_retries}}``."""
    settings = raw.get("settings") if isinstance(raw, dict) else None
    body = settings.get("migration") if isinstance(settings, dict) else None
    body = body if isinstance(body, dict) else {}
    lock = body.get("lock_timeout", DEFAULTS["lock_timeout"])
    statement = body.get("statement_timeout", DEFAULTS["statement_timeout"])
    retries = body.get("lock_retries", DEFAULTS["lock_retries"])
    return Timeouts(
        str(lock) if _valid_duration(lock) else str(DEFAULTS["lock_timeout"]),
        str(statement) if _valid_duration(statement) else str(DEFAULTS["statement_timeout"]),
        retries if isinstance(retries, int) and not isinstance(retries, bool) and 0 <= retries <= 10 else 3,
    )


def _valid_duration(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool) and bool(_DURATION.fullmatch(str(value).strip()))


def run_time_timeouts(context: Any, lock_timeout: str, statement_timeout: str, lock_retries: int) -> Timeouts:
    """The revision's values, each overridden by (first wins) ``-x lock_timeout=...``, the
    environment (``SCHEMACTL_LOCK_TIMEOUT``, ``SCHEMACTL_STATEMENT_TIMEOUT``,
    ``SCHEMACTL_LOCK_RETRIES``) or alembic.ini's ``[alembic]`` section (same names in lower case)."""
    config = getattr(context, "config", None)
    x_args: dict[str, str] = {}
    if config is not None and getattr(config, "cmd_opts", None) is not None:
        for item in getattr(config.cmd_opts, "x", None) or []:
            key, _, value = item.partition("=")
            x_args[key] = value

    def pick(name: str, value: Any) -> Any:
        for found in (x_args.get(name), os.environ.get(f"SCHEMACTL_{name.upper()}"),
                      config.get_main_option(name) if config is not None else None):
            if found not in (None, ""):
                return found
        return value

    lock, statement, retries = pick("lock_timeout", lock_timeout), pick("statement_timeout", statement_timeout), pick(
        "lock_retries", lock_retries)
    from generator.errors import MigrationError

    for name, value in (("lock_timeout", lock), ("statement_timeout", statement)):
        if not _valid_duration(value):
            raise MigrationError(f"{name} {value!r} is not a duration", "write it as PostgreSQL does: 5s, 500ms, 15min")
    if not str(retries).isdigit():
        raise MigrationError(f"lock_retries {retries!r} is not a whole number", "write e.g. lock_retries = 3")
    return Timeouts(str(lock).strip(), str(statement).strip(), int(retries))


# ------------------------------------------------------------------------- timeouts and retry


@Operations.register_operation("set_timeouts")
class SetTimeoutsOp(_Op):
    """``SET lock_timeout`` and ``SET statement_timeout`` for the session, and the number of
    retries of a lock timeout for every later statement of the run."""

    summary = ""  # not a change: left out of the summary (see revision.summarize)

    def __init__(self, lock_timeout: str, statement_timeout: str, lock_retries: int) -> None:
        self.lock_timeout, self.statement_timeout, self.lock_retries = lock_timeout, statement_timeout, lock_retries

    @classmethod
    def set_timeouts(cls, operations: Operations, lock_timeout: str = "5s", statement_timeout: str = "15min",
                     lock_retries: int = 3) -> Any:
        return operations.invoke(cls(lock_timeout, statement_timeout, lock_retries))

    def reverse(self) -> SetTimeoutsOp:
        return SetTimeoutsOp(self.lock_timeout, self.statement_timeout, self.lock_retries)


@Operations.implementation_for(SetTimeoutsOp)
def _set_timeouts(operations: Operations, op: SetTimeoutsOp) -> None:
    from alembic import context as env_context

    ctx = operations.get_context()
    env = getattr(env_context, "_proxy", None)
    t = run_time_timeouts(env, op.lock_timeout, op.statement_timeout, op.lock_retries)
    _execute(operations, f"SET lock_timeout = {_lit(t.lock_timeout)}")
    _execute(operations, f"SET statement_timeout = {_lit(t.statement_timeout)}")
    ctx.schemactl_lock_retries = t.lock_retries  # type: ignore[attr-defined]
    if not ctx.as_sql:
        install_retry(ctx)


def backoff(attempt: int) -> float:
    """Seconds to wait before retry ``attempt`` (1, 2, ...): 0.5, 1, 2, 4, ... capped at 10."""
    return min(0.5 * 2 ** (attempt - 1), 10.0)


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None) or exc
    return getattr(orig, "sqlstate", None)


def _autocommit(connection: Any) -> bool:
    return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


def install_retry(ctx: Any, sleep: Callable[[float], None] = time.sleep) -> None:
    """Wrap the migration context's statement runner (Alembic's ``impl._exec``, private API
    pinned by tests/migrations/test_online_retry.py): a statement that fails with a lock
    timeout or a deadlock is retried up to ``ctx.schemactl_lock_retries`` times with backoff,
    behind a SAVEPOINT inside a transaction."""
    impl = ctx.impl
    if getattr(impl, "_schemactl_retry", False):
        return
    original = impl._exec

    def run(construct: Any, *args: Any, **kw: Any) -> Any:
        retries = getattr(ctx, "schemactl_lock_retries", 0)
        connection = impl.connection
        if not retries or getattr(ctx, "schemactl_no_retry", False) or connection is None:
            return original(construct, *args, **kw)
        attempt = 0
        while True:
            nested = None if _autocommit(connection) or not connection.in_transaction() else connection.begin_nested()
            try:
                result = original(construct, *args, **kw)
            except Exception as exc:
                if nested is not None:
                    nested.rollback()
                attempt += 1
                if _sqlstate(exc) not in RETRYABLE or attempt > retries:
                    raise
                sleep(backoff(attempt))
                continue
            if nested is not None:
                nested.commit()
            return result

    impl._exec = run
    impl._schemactl_retry = True


# ------------------------------------------------------------------------------ indexes


def _create_index_sql(name: str, definition: str) -> str:
    """``CREATE [UNIQUE] INDEX ON t ...`` (the snapshot's form, without the name) ->
    ``CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS name ON t ...``."""
    return re.sub(r"^CREATE (UNIQUE )?INDEX ON ", lambda m: f"CREATE {m.group(1) or ''}INDEX CONCURRENTLY IF NOT EXISTS "
                  f"{_bare(name)} ON ", definition, count=1)


@Operations.register_operation("create_index_online")
class CreateIndexOnlineOp(_Op):
    def __init__(self, index_name: str, table_name: str, definition: str) -> None:
        self.index_name, self.table_name, self.definition = index_name, table_name, definition

    @classmethod
    def create_index_online(cls, operations: Operations, index_name: str, table_name: str, definition: str) -> Any:
        return operations.invoke(cls(index_name, table_name, definition))

    def reverse(self) -> DropIndexOnlineOp:
        return DropIndexOnlineOp(self.index_name, self.table_name, self.definition)

    @property
    def summary(self) -> str:
        return f"create index {self.index_name} on {self.table_name}"


@Operations.register_operation("drop_index_online")
class DropIndexOnlineOp(_Op):
    def __init__(self, index_name: str, table_name: str, definition: str) -> None:
        self.index_name, self.table_name, self.definition = index_name, table_name, definition

    @classmethod
    def drop_index_online(cls, operations: Operations, index_name: str, table_name: str, definition: str) -> Any:
        return operations.invoke(cls(index_name, table_name, definition))

    def reverse(self) -> CreateIndexOnlineOp:
        return CreateIndexOnlineOp(self.index_name, self.table_name, self.definition)

    @property
    def summary(self) -> str:
        return f"drop index {self.index_name}"


_INVALID = "SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)"


def build_index_concurrently(operations: Operations, name: str, create_sql: str) -> None:
    """Run ``create_sql`` (a CONCURRENTLY build) in an autocommit block. Online: an INVALID
    index of that name is dropped first (a failed build leaves one behind and IF NOT EXISTS
    would keep it), and a lock timeout or deadlock is retried with backoff, cleaning up
    between tries. Offline (``--sql``): DROP INDEX CONCURRENTLY IF EXISTS, then the build."""
    ctx = operations.get_context()
    drop = f"DROP INDEX CONCURRENTLY IF EXISTS {_q(name)}"
    with ctx.autocommit_block():
        if ctx.as_sql:
            _execute(operations, drop)
            _execute(operations, create_sql)
            return
        retries = getattr(ctx, "schemactl_lock_retries", DEFAULTS["lock_retries"])
        ctx.schemactl_no_retry = True  # type: ignore[attr-defined]
        try:
            attempt = 0
            while True:
                _drop_if_invalid(operations, name, drop)
                try:
                    _execute(operations, create_sql)
                    return
                except Exception as exc:
                    attempt += 1
                    if _sqlstate(exc) not in RETRYABLE or attempt > retries:
                        _drop_if_invalid(operations, name, drop)
                        raise
                    time.sleep(backoff(attempt))
        finally:
            ctx.schemactl_no_retry = False  # type: ignore[attr-defined]


def _drop_if_invalid(operations: Operations, name: str, drop: str) -> None:
    bind = operations.get_bind()
    invalid = bind.exec_driver_sql(_INVALID, (_q(name),)).scalar()
    if invalid:
        _execute(operations, drop)


@Operations.implementation_for(CreateIndexOnlineOp)
def _create_index_online(operations: Operations, op: CreateIndexOnlineOp) -> None:
    build_index_concurrently(operations, op.index_name, _create_index_sql(op.index_name, op.definition))


@Operations.implementation_for(DropIndexOnlineOp)
def _drop_index_online(operations: Operations, op: DropIndexOnlineOp) -> None:
    with operations.get_context().autocommit_block():
        _execute(operations, f"DROP INDEX CONCURRENTLY IF EXISTS {_q(op.index_name)}")


# ------------------------------------------------------------------------- constraints


def _strip_not_valid(definition: str) -> str:
    return re.sub(r"\s+NOT VALID$", "", definition.strip())


@Operations.register_operation("add_constraint_online")
class AddConstraintOnlineOp(_Op):
    """A CHECK or FOREIGN KEY added NOT VALID, then validated in a transaction of its own."""

    def __init__(self, table_name: str, constraint_name: str, definition: str, kind: str = "check") -> None:
        self.table_name, self.constraint_name, self.definition, self.kind = table_name, constraint_name, definition, kind

    @classmethod
    def add_constraint_online(cls, operations: Operations, table_name: str, constraint_name: str, definition: str,
                              kind: str = "check") -> Any:
        return operations.invoke(cls(table_name, constraint_name, definition, kind))

    def reverse(self) -> DropConstraintOnlineOp:
        return DropConstraintOnlineOp(self.table_name, self.constraint_name, self.definition, self.kind)

    @property
    def summary(self) -> str:
        what = "foreign key" if self.kind == "foreignkey" else "check"
        table = self.table_name
        return f"add {what} {self.constraint_name} on {table}"


@Operations.register_operation("drop_constraint_online")
class DropConstraintOnlineOp(_Op):
    """The reverse of ``add_constraint_online``: a plain DROP CONSTRAINT (a brief lock, no scan)."""

    def __init__(self, table_name: str, constraint_name: str, definition: str, kind: str = "check") -> None:
        self.table_name, self.constraint_name, self.definition, self.kind = table_name, constraint_name, definition, kind

    @classmethod
    def drop_constraint_online(cls, operations: Operations, table_name: str, constraint_name: str, definition: str,
                               kind: str = "check") -> Any:
        return operations.invoke(cls(table_name, constraint_name, definition, kind))

    def reverse(self) -> AddConstraintOnlineOp:
        return AddConstraintOnlineOp(self.table_name, self.constraint_name, self.definition, self.kind)

    @property
    def summary(self) -> str:
        return f"drop constraint {self.constraint_name} on {self.table_name}"


def validate_in_own_transaction(operations: Operations, table: str, name: str) -> None:
    """VALIDATE CONSTRAINT in an autocommit block: the ADD before it commits first, so its
    stronger lock is released before the scan starts."""
    with operations.get_context().autocommit_block():
        _execute(operations, f"ALTER TABLE {_q(table)} VALIDATE CONSTRAINT {_q(name)}")


def constraint_exists(operations: Operations, table: str, name: str) -> bool:
    """Online only (offline: False): whether ``table`` has constraint ``name`` already, as it
    does when a run failed after the step committed (a VALIDATE found violating rows) and is
    run again: the step is then skipped, so the revision resumes."""
    if operations.get_context().as_sql:
        return False
    return bool(operations.get_bind().exec_driver_sql(
        "SELECT 1 FROM pg_constraint WHERE conname = %s AND conrelid = to_regclass(%s)", (name, _q(table))).scalar())


@Operations.implementation_for(AddConstraintOnlineOp)
def _add_constraint_online(operations: Operations, op: AddConstraintOnlineOp) -> None:
    table, name = _q(op.table_name), _q(op.constraint_name)
    if not constraint_exists(operations, op.table_name, op.constraint_name):
        _execute(operations, f"ALTER TABLE {table} ADD CONSTRAINT {name} {_strip_not_valid(op.definition)} NOT VALID")
    validate_in_own_transaction(operations, op.table_name, op.constraint_name)


@Operations.implementation_for(DropConstraintOnlineOp)
def _drop_constraint_online(operations: Operations, op: DropConstraintOnlineOp) -> None:
    _execute(operations, f"ALTER TABLE {_q(op.table_name)} DROP CONSTRAINT IF EXISTS {_q(op.constraint_name)}")


@Operations.register_operation("add_unique_online")
class AddUniqueOnlineOp(_Op):
    """A UNIQUE constraint from a unique index built concurrently (``index_definition``:
    ``CREATE UNIQUE INDEX ON t ...``), attached with ADD CONSTRAINT ... UNIQUE USING INDEX."""

    def __init__(self, table_name: str, constraint_name: str, index_definition: str) -> None:
        self.table_name, self.constraint_name, self.index_definition = table_name, constraint_name, index_definition

    @classmethod
    def add_unique_online(cls, operations: Operations, table_name: str, constraint_name: str,
                          index_definition: str) -> Any:
        return operations.invoke(cls(table_name, constraint_name, index_definition))

    def reverse(self) -> DropUniqueOnlineOp:
        return DropUniqueOnlineOp(self.table_name, self.constraint_name, self.index_definition)

    @property
    def summary(self) -> str:
        return f"add constraint {self.constraint_name} on {self.table_name}"


@Operations.register_operation("drop_unique_online")
class DropUniqueOnlineOp(_Op):
    def __init__(self, table_name: str, constraint_name: str, index_definition: str) -> None:
        self.table_name, self.constraint_name, self.index_definition = table_name, constraint_name, index_definition

    @classmethod
    def drop_unique_online(cls, operations: Operations, table_name: str, constraint_name: str,
                           index_definition: str) -> Any:
        return operations.invoke(cls(table_name, constraint_name, index_definition))

    def reverse(self) -> AddUniqueOnlineOp:
        return AddUniqueOnlineOp(self.table_name, self.constraint_name, self.index_definition)

    @property
    def summary(self) -> str:
        return f"drop constraint {self.constraint_name} on {self.table_name}"


@Operations.implementation_for(AddUniqueOnlineOp)
def _add_unique_online(operations: Operations, op: AddUniqueOnlineOp) -> None:
    name = op.constraint_name
    if constraint_exists(operations, op.table_name, name):
        return  # a rerun: the constraint was attached before the run failed
    build_index_concurrently(operations, name, _create_index_sql(name, op.index_definition))
    _execute(operations, f"ALTER TABLE {_q(op.table_name)} ADD CONSTRAINT {_q(name)} UNIQUE USING INDEX {_q(name)}")


@Operations.implementation_for(DropUniqueOnlineOp)
def _drop_unique_online(operations: Operations, op: DropUniqueOnlineOp) -> None:
    _execute(operations, f"ALTER TABLE {_q(op.table_name)} DROP CONSTRAINT {_q(op.constraint_name)}")


def not_null_check_name(table: str, column: str) -> str:
    """The temporary CHECK's name: short, fixed for a column, within 63 bytes."""
    digest = hashlib.sha256(f"{table}\0{column}".encode()).hexdigest()[:12]
    return f"schemactl_nn_{digest}"


@Operations.register_operation("set_not_null_online")
class SetNotNullOnlineOp(_Op):
    def __init__(self, table_name: str, column_name: str) -> None:
        self.table_name, self.column_name = table_name, column_name

    @classmethod
    def set_not_null_online(cls, operations: Operations, table_name: str, column_name: str) -> Any:
        return operations.invoke(cls(table_name, column_name))

    def reverse(self) -> DropNotNullOp:
        return DropNotNullOp(self.table_name, self.column_name)

    @property
    def summary(self) -> str:
        return f"alter column {self.table_name}.{self.column_name} (nullable)"


@Operations.register_operation("drop_not_null")
class DropNotNullOp(_Op):
    def __init__(self, table_name: str, column_name: str) -> None:
        self.table_name, self.column_name = table_name, column_name

    @classmethod
    def drop_not_null(cls, operations: Operations, table_name: str, column_name: str) -> Any:
        return operations.invoke(cls(table_name, column_name))

    def reverse(self) -> SetNotNullOnlineOp:
        return SetNotNullOnlineOp(self.table_name, self.column_name)

    @property
    def summary(self) -> str:
        return f"alter column {self.table_name}.{self.column_name} (nullable)"


@Operations.implementation_for(SetNotNullOnlineOp)
def _set_not_null_online(operations: Operations, op: SetNotNullOnlineOp) -> None:
    table, column = _q(op.table_name), _q(op.column_name)
    check = not_null_check_name(op.table_name, op.column_name)
    if not constraint_exists(operations, op.table_name, check):  # a rerun: the CHECK may be there
        _execute(operations, f"ALTER TABLE {table} ADD CONSTRAINT {_q(check)} CHECK ({column} IS NOT NULL) NOT VALID")
    validate_in_own_transaction(operations, op.table_name, check)
    _execute(operations, f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL")
    _execute(operations, f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {_q(check)}")


@Operations.implementation_for(DropNotNullOp)
def _drop_not_null(operations: Operations, op: DropNotNullOp) -> None:
    _execute(operations, f"ALTER TABLE {_q(op.table_name)} ALTER COLUMN {_q(op.column_name)} DROP NOT NULL")


# ------------------------------------------------------------------------------- rendering


def _call(name: str, *args: Any, **kwargs: Any) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"op.{name}({', '.join(parts)})"


@renderers.dispatch_for(SetTimeoutsOp)
def _r_set_timeouts(ctx: Any, op: SetTimeoutsOp) -> str:
    return _call("set_timeouts", lock_timeout=op.lock_timeout, statement_timeout=op.statement_timeout,
                 lock_retries=op.lock_retries)


@renderers.dispatch_for(CreateIndexOnlineOp)
def _r_create_index_online(ctx: Any, op: CreateIndexOnlineOp) -> str:
    return _call("create_index_online", op.index_name, op.table_name, op.definition)


@renderers.dispatch_for(DropIndexOnlineOp)
def _r_drop_index_online(ctx: Any, op: DropIndexOnlineOp) -> str:
    return _call("drop_index_online", op.index_name, op.table_name, op.definition)


@renderers.dispatch_for(AddConstraintOnlineOp)
def _r_add_constraint_online(ctx: Any, op: AddConstraintOnlineOp) -> str:
    return _call("add_constraint_online", op.table_name, op.constraint_name, op.definition, kind=op.kind)


@renderers.dispatch_for(DropConstraintOnlineOp)
def _r_drop_constraint_online(ctx: Any, op: DropConstraintOnlineOp) -> str:
    return _call("drop_constraint_online", op.table_name, op.constraint_name, op.definition, kind=op.kind)


@renderers.dispatch_for(AddUniqueOnlineOp)
def _r_add_unique_online(ctx: Any, op: AddUniqueOnlineOp) -> str:
    return _call("add_unique_online", op.table_name, op.constraint_name, op.index_definition)


@renderers.dispatch_for(DropUniqueOnlineOp)
def _r_drop_unique_online(ctx: Any, op: DropUniqueOnlineOp) -> str:
    return _call("drop_unique_online", op.table_name, op.constraint_name, op.index_definition)


@renderers.dispatch_for(SetNotNullOnlineOp)
def _r_set_not_null_online(ctx: Any, op: SetNotNullOnlineOp) -> str:
    return _call("set_not_null_online", op.table_name, op.column_name)


@renderers.dispatch_for(DropNotNullOp)
def _r_drop_not_null(ctx: Any, op: DropNotNullOp) -> str:
    return _call("drop_not_null", op.table_name, op.column_name)


# ---------------------------------------------------------------------------- the rewrite


def make_online(body: list[Any], work: Snapshot, target: Snapshot, timeouts: Timeouts) -> list[Any]:
    """``body`` (the revision's upgrade ops, in order) with the online forms for tables that
    exist in ``work`` (the previous head), and ``op.set_timeouts`` first."""
    if not body:
        return body  # no change: no revision (generate --check, "no changes")
    out: list[Any] = [SetTimeoutsOp(timeouts.lock_timeout, timeouts.statement_timeout, timeouts.lock_retries)]
    for op in body:
        if isinstance(op, aops.ModifyTableOps):
            op.ops[:] = [new for sub in op.ops for new in _online(sub, work, target)]
            if op.ops:
                out.append(op)
        else:
            out.extend(_online(op, work, target))
    return out


def _existing(work: Snapshot, table: str | None) -> bool:
    """A plain table of the previous head (CONCURRENTLY and NOT VALID foreign keys are not
    for partitioned tables: those keep the ordinary forms, listed as hazards)."""
    return bool(table) and table in work.tables and table not in work.partition_keys and table not in work.partitions


def _online(op: Any, work: Snapshot, target: Snapshot) -> list[Any]:
    # tables and indexes by their canonical names (``billing.invoices`` outside public, as the
    # snapshots key them; generator.migrate.qualified turns them into QNames afterwards)
    schema = getattr(op, "schema", None) if not isinstance(op, aops.CreateForeignKeyOp) else op.kw.get("source_schema")
    table = _key(op.source_table if isinstance(op, aops.CreateForeignKeyOp) else getattr(op, "table_name", "") or "", schema)
    if isinstance(op, aops.CreateIndexOp) and _existing(work, table):
        index = _key(str(op.index_name), schema)
        found = target.indexes.get(index)
        if found and found[0] == table:
            return [CreateIndexOnlineOp(index, table, found[1])]
    if isinstance(op, aops.DropIndexOp) and _existing(work, table):
        index = _key(str(op.index_name), schema)
        found = work.indexes.get(index)
        if found and found[0] == table:
            return [DropIndexOnlineOp(index, table, found[1])]
    if isinstance(op, aops.CreateForeignKeyOp) and _existing(work, table):
        found = target.constraints.get((table, str(op.constraint_name)))
        if found and found[0] == "f":
            return [AddConstraintOnlineOp(table, str(op.constraint_name), found[1], "foreignkey")]
    if isinstance(op, aops.CreateCheckConstraintOp) and _existing(work, table):
        found = target.constraints.get((table, str(op.constraint_name)))
        if found and found[0] == "c" and "NO INHERIT" not in found[1]:
            return [AddConstraintOnlineOp(table, str(op.constraint_name), found[1], "check")]
    if isinstance(op, aops.CreateUniqueConstraintOp) and _existing(work, table):
        name = str(op.constraint_name)
        found, index = target.constraints.get((table, name)), target.indexes.get(_key(name, schema))
        if found and found[0] == "u" and index and index[0] == table:
            return [AddUniqueOnlineOp(table, name, index[1])]
    if (isinstance(op, aops.AlterColumnOp) and op.modify_nullable is False and _existing(work, table)
            and (table, op.column_name) in work.columns
            and not work.columns[(table, op.column_name)].not_null):
        op.modify_nullable = None
        online = SetNotNullOnlineOp(table, op.column_name)
        others = (op.modify_type is not None or op.modify_server_default is not False
                  or op.modify_comment is not False or op.modify_name is not None)
        return [op, online] if others else [online]
    return [op]


ROBUST_NOTE = ("the online steps commit one by one (autocommit blocks); each skips what is already there "
               "(IF [NOT] EXISTS, or the catalog is read first), so a rerun resumes: docs/online-migrations.md")
DROP_NOTE = "drops only the temporary CHECK (col IS NOT NULL) that let SET NOT NULL skip its scan"


def squawk_explanations(upgrade_ops: Any) -> list[str]:
    """The ``# squawk: ignore RULE -- reason`` lines a generated revision carries for what the
    online forms themselves emit (``schemactl lint`` honours them)."""
    flat = [sub for op in upgrade_ops.ops for sub in (op.ops if isinstance(op, aops.ModifyTableOps) else [op])]
    online = (CreateIndexOnlineOp, DropIndexOnlineOp, AddConstraintOnlineOp, AddUniqueOnlineOp, SetNotNullOnlineOp)
    lines = []
    if any(isinstance(op, online) for op in flat):
        lines.append(f"# squawk: ignore prefer-robust-stmts -- {ROBUST_NOTE}")
    if any(isinstance(op, SetNotNullOnlineOp) for op in flat):
        lines.append(f"# squawk: ignore ban-drop-constraint -- {DROP_NOTE}")
    return lines


def timeouts_first(downgrade_ops: Any) -> None:
    """The reversed ops put ``set_timeouts`` last: move it back to the front of the downgrade."""
    first = [op for op in downgrade_ops.ops if isinstance(op, SetTimeoutsOp)]
    rest = [op for op in downgrade_ops.ops if not isinstance(op, SetTimeoutsOp)]
    downgrade_ops.ops[:] = first + rest
