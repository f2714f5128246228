"""generator.migrate.revision without a database: op summaries, the destructive gate, narrowing types,
rollback notes, revision ids."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy.dialects import postgresql as pg

from generator.migrate import ops as x
from generator.migrate.revision import (
    _is_narrowing,
    describe_op,
    destructive_steps,
    next_revision_id,
    rollback_note,
    summarize,
)


def upgrade(*items: object) -> ops.UpgradeOps:
    return ops.UpgradeOps(ops=list(items))


def in_table(table: str, *items: object) -> ops.ModifyTableOps:
    return ops.ModifyTableOps(table, list(items))


def alter(**kw: object) -> ops.AlterColumnOp:
    return ops.AlterColumnOp("jobs", "priority", **kw)  # type: ignore[arg-type]


def retype(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> ops.AlterColumnOp:
    return alter(existing_type=old, modify_type=new)


# ------------------------------------------------------------------------------ describe_op

JOB_STATUS = ["queued", "running", "done"]


@pytest.mark.parametrize(
    ("op", "summary"),
    [
        (ops.CreateTableOp("jobs", [sa.Column("id", sa.Integer)]), "create table jobs"),
        (ops.DropTableOp("jobs"), "drop table jobs"),
        (ops.RenameTableOp("jobs", "tasks"), "rename table jobs to tasks"),
        (x.RenameTableOp("jobs", "tasks"), "rename table jobs to tasks"),
        (ops.AddColumnOp("jobs", sa.Column("priority", sa.Integer)), "add column jobs.priority"),
        (ops.DropColumnOp("jobs", "priority"), "drop column jobs.priority"),
        (alter(modify_type=sa.BigInteger(), existing_type=sa.Integer()), "alter column jobs.priority (type)"),
        (alter(modify_nullable=False), "alter column jobs.priority (nullable)"),
        (alter(modify_server_default=None), "alter column jobs.priority (server_default)"),
        (alter(modify_server_default=sa.text("0"), modify_comment="Priority."),
         "alter column jobs.priority (server_default, comment)"),
        (alter(modify_comment=None), "alter column jobs.priority (comment)"),
        (alter(modify_name="urgency"), "alter column jobs.priority (name)"),
        (alter(existing_type=sa.Integer(), existing_nullable=False, existing_comment="x"), "alter column jobs.priority (change)"),
        (x.AlterColumnTypeOp("jobs", "priority", modify_type=sa.Integer(), using='"priority"::integer'),
         "alter column jobs.priority (type)"),
        (ops.CreateIndexOp("ix_jobs_priority", "jobs", ["priority"]), "create index ix_jobs_priority on jobs"),
        (ops.DropIndexOp("ix_jobs_priority", table_name="jobs"), "drop index ix_jobs_priority"),
        (ops.CreateCheckConstraintOp("ck_jobs_priority", "jobs", "priority > 0"), "add check ck_jobs_priority on jobs"),
        (ops.CreateUniqueConstraintOp("uq_jobs_key", "jobs", ["key"]), "add constraint uq_jobs_key on jobs"),
        (ops.CreateForeignKeyOp("fk_jobs_user_id_users", "jobs", "users", ["user_id"], ["id"]),
         "add foreign key fk_jobs_user_id_users on jobs"),
        (ops.CreatePrimaryKeyOp("pk_jobs", "jobs", ["id", "part"]), "add primary key pk_jobs on jobs"),
        (ops.DropConstraintOp("ck_jobs_priority", "jobs", type_="check"), "drop constraint ck_jobs_priority on jobs"),
        (ops.CreateTableCommentOp("jobs", "Units of work."), "comment on table jobs"),
        (ops.DropTableCommentOp("jobs"), "comment on table jobs"),
        (x.CreateEnumOp("job_status", JOB_STATUS), "create enum job_status"),
        (x.DropEnumOp("job_status", JOB_STATUS), "drop enum job_status"),
        (x.AddEnumValueOp("job_status", "paused", "running", JOB_STATUS), "add value 'paused' to enum job_status"),
        (x.DropEnumValueOp("job_status", "done", JOB_STATUS[:2]), "remove value 'done' from enum job_status"),
        (x.RenameEnumValueOp("job_status", "running", "busy"), "rename value 'running' of enum job_status to 'busy'"),
        (x.RenameEnumOp("job_status", "job_state"), "rename enum job_status to job_state"),
        (x.SetEnumCommentOp("job_status", "Lifecycle."), "comment on enum job_status"),
        (x.CreateExtensionOp("citext"), "create extension citext"),
        (x.DropExtensionOp("citext"), "drop extension citext"),
        (x.CreateAppendOnlyGuardOp("audit_logs"), "make audit_logs append-only"),
        (x.DropAppendOnlyGuardOp("audit_logs"), "remove the append-only guard of audit_logs"),
        (x.MoveAppendOnlyGuardOp("events", "security_events"),
         "rename the append-only guard of events after security_events"),
        (x.RenameColumnOp("jobs", "priority", "urgency"), "rename column jobs.priority to urgency"),
        (x.RenameIndexOp("ix_a", "ix_b"), "rename index ix_a to ix_b"),
        (x.RenameConstraintOp("jobs", "ck_a", "ck_b"), "rename constraint ck_a to ck_b"),
        (x.AlterIdentityOp("jobs", "seq", "always", None), "add identity (always) to jobs.seq"),
        (x.AlterIdentityOp("jobs", "seq", None, "always", default="0"), "drop identity of jobs.seq"),
        (x.AlterIdentityOp("jobs", "seq", "by default", "always"), "change identity of jobs.seq to by default"),
    ],
)
def test_describe_op(op: object, summary: str) -> None:
    assert describe_op(op) == summary


def test_describe_op_names_an_unknown_op_by_its_class() -> None:
    assert describe_op(ops.ExecuteSQLOp("SELECT 1")) == "ExecuteSQLOp"


def test_summarize_flattens_table_ops_in_order() -> None:
    plan = upgrade(
        x.CreateEnumOp("job_status", JOB_STATUS),
        in_table("jobs", ops.AddColumnOp("jobs", sa.Column("status", sa.Text)), ops.DropColumnOp("jobs", "old")),
        ops.DropTableOp("legacy"),
    )
    assert summarize(plan) == ["create enum job_status", "add column jobs.status", "drop column jobs.old", "drop table legacy"]


# -------------------------------------------------------------------------- _is_narrowing

ENUM = pg.ENUM("queued", "done", name="job_status")


@pytest.mark.parametrize(
    ("old", "new", "narrows"),
    [
        (sa.SmallInteger(), sa.Integer(), False),
        (sa.SmallInteger(), sa.BigInteger(), False),
        (sa.Integer(), sa.BigInteger(), False),
        (sa.BigInteger(), sa.Integer(), True),
        (sa.Integer(), sa.SmallInteger(), True),
        (sa.String(10), sa.String(20), False),
        (sa.String(20), sa.String(10), True),
        (sa.String(10), sa.String(10), False),
        (sa.String(10), sa.Text(), False),
        (sa.Text(), sa.String(30), True),
        (sa.Numeric(6, 2), sa.Numeric(8, 2), False),
        (sa.Numeric(8, 2), sa.Numeric(6, 2), True),
        (sa.Numeric(6, 2), sa.Numeric(8, 3), True),  # the scale changes: values are rounded
        (sa.Numeric(6, 2), sa.Numeric(), False),
        (sa.Numeric(), sa.Numeric(6, 2), True),
        (sa.Text(), ENUM, True),
        (ENUM, sa.Text(), False),
        (sa.Integer(), sa.Text(), False),
        (sa.Integer(), sa.String(), False),
        (sa.Integer(), sa.String(5), True),
        (sa.Text(), sa.Integer(), True),
        (sa.Text(), sa.Text(), False),
    ],
)
def test_is_narrowing(old: sa.types.TypeEngine, new: sa.types.TypeEngine, narrows: bool) -> None:
    assert _is_narrowing(retype(old, new)) is narrows


def test_no_type_change_is_not_narrowing() -> None:
    assert _is_narrowing(alter(modify_nullable=False, existing_type=sa.Integer())) is False
    assert _is_narrowing(alter(modify_type=sa.Integer())) is False  # the old type is unknown


# ------------------------------------------------------------------------ destructive_steps


def test_destructive_steps_lists_each_lossy_step() -> None:
    plan = upgrade(
        in_table("jobs", ops.DropColumnOp("jobs", "status"), retype(sa.BigInteger(), sa.Integer())),
        in_table("tools", retype(sa.String(10), sa.String(20)), ops.AddColumnOp("tools", sa.Column("x", sa.Text))),
        ops.DropTableOp("legacy"),
        x.DropEnumValueOp("job_status", "done", ["queued"]),
        x.DropEnumOp("job_kind", ["a"]),
        x.DropAppendOnlyGuardOp("audit_logs"),
        ops.DropConstraintOp("ck_jobs_x", "jobs", type_="check"),
        ops.DropIndexOp("ix_jobs_x"),
    )
    assert destructive_steps(plan) == [
        "drop column jobs.status (its data is lost)",
        "alter column jobs.priority (type) (the type narrows: values may not fit)",
        "drop table legacy (its data is lost)",
        "remove value 'done' from enum job_status (its data is lost)",
        "drop enum job_kind (its data is lost)",
    ]


def test_additions_are_not_destructive() -> None:
    plan = upgrade(
        x.CreateEnumOp("job_status", JOB_STATUS),
        x.AddEnumValueOp("job_status", "paused", "running", JOB_STATUS),
        ops.CreateTableOp("jobs", [sa.Column("id", sa.Integer)]),
        in_table("jobs", retype(sa.Integer(), sa.BigInteger()), alter(modify_nullable=True)),
    )
    assert destructive_steps(plan) == []


# ----------------------------------------------------------------------------- rollback_note

ADVICE = "In production, take a backup (pg_dump) first, or roll forward with a new revision instead."


def test_rollback_note_without_loss() -> None:
    assert rollback_note(upgrade()) == "the downgrade restores the previous schema and loses no rows."
    assert rollback_note(upgrade(in_table("jobs", alter(modify_nullable=True)))) == (
        "the downgrade restores the previous schema and loses no rows."
    )


def test_rollback_note_names_what_the_downgrade_drops() -> None:
    plan = upgrade(
        x.AddEnumValueOp("job_status", "paused", "running", JOB_STATUS),
        ops.CreateTableOp("jobs", [sa.Column("id", sa.Integer)]),
        ops.CreateTableOp("runs", [sa.Column("id", sa.Integer)]),
        in_table("users", ops.AddColumnOp("users", sa.Column("handle", sa.Text))),
    )
    assert rollback_note(plan) == (
        "the downgrade drops table(s) jobs, runs with every row in them; it drops column(s) users.handle "
        "and their values; it rebuilds enum type(s) without job_status.paused and fails while rows still use "
        "them. " + ADVICE
    )


def test_rollback_note_names_what_the_upgrade_loses() -> None:
    plan = upgrade(
        ops.DropTableOp("legacy"),
        in_table("jobs", ops.DropColumnOp("jobs", "status")),
        x.DropEnumValueOp("job_status", "done", ["queued"]),
    )
    assert rollback_note(plan) == (
        "the upgrade itself loses legacy, jobs.status, job_status.done; the downgrade brings the structure "
        "back empty (column defaults or NULL), not the data. " + ADVICE
    )


# -------------------------------------------------------------------------- next_revision_id


def versions(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "migrations" / "versions"
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_text("")
    return tmp_path


def test_next_revision_id_starts_at_0001(tmp_path: Path) -> None:
    assert next_revision_id(tmp_path) == "0001"  # no versions/ folder yet
    assert next_revision_id(versions(tmp_path)) == "0001"


def test_next_revision_id_follows_the_highest_number(tmp_path: Path) -> None:
    root = versions(tmp_path, "0001_base.py", "0003_core_tables.py", "0002_x.py", "__init__.py",
                    "abcd_other.py", "0009_notes.txt", "12_short.py")
    assert next_revision_id(root) == "0004"


def test_next_revision_id_beyond_9999(tmp_path: Path) -> None:
    assert next_revision_id(versions(tmp_path, "9999_last.py")) == "10000"
