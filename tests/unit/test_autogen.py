"""generator.migrate.autogen without a database: the fix-ups planned from two catalog snapshots.

``AutogenSupport`` is given the snapshot of the database being migrated ("work"), the
snapshot of the spec built in a scratch database ("target") and the spec; the connection
is a dummy that fails when used, so each test shows the plan needs none.
"""

from __future__ import annotations

import textwrap

import pytest
import sqlalchemy as sa
from alembic.operations import ops

from generator.migrate import ops as x
from generator.migrate.autogen import (
    AutogenSupport,
    _condition,
    _key_columns,
    _unique_from_def,
    escape_bind_params,
)
from generator.pg.catalog import Column, Snapshot
from generator.schema.metadata import build_metadata
from generator.spec import parse_spec


class NoConnection:
    def exec_driver_sql(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("the plan must not query the database")


def spec_of(enums: str = "", tables: str = "") -> object:
    text = "version: 1\n"
    if enums:
        text += "enums:\n" + textwrap.indent(textwrap.dedent(enums), "  ")
    text += "tables:\n" + textwrap.indent(textwrap.dedent(tables or DEFAULT_TABLES), "  ")
    return parse_spec(text)


DEFAULT_TABLES = """\
jobs:
  comment: Units of work.
  columns:
    id: {type: bigint, primary_key: true, identity: always, comment: Identifier.}
"""


def plan(work: Snapshot, target: Snapshot, spec: object, *, body: list | None = None, prepend: list | None = None) -> list:
    """The upgrade ops AutogenSupport produces (flattened) for Alembic's own ``body``."""
    support = AutogenSupport(spec, build_metadata(spec), NoConnection(), lambda: target, prepend=prepend or [])  # type: ignore[arg-type]
    support.work = work  # normally read through the connection
    upgrade = ops.UpgradeOps(ops=list(body or []))
    support.fixups(upgrade)
    from generator.migrate.online_ops import SetTimeoutsOp  # issue 18: first in every revision

    return [op for op in upgrade.ops if not isinstance(op, SetTimeoutsOp)]


def enums(values: dict[str, tuple[str, ...]], comments: dict[str, str] | None = None) -> Snapshot:
    return Snapshot(enums=dict(values), enum_comments=dict(comments or {name: "Lifecycle of a job." for name in values}))


def job_status(*values: str, renames: str = "") -> object:
    rendered = ", ".join(values)
    if renames:
        rendered = renames
    return spec_of(f"job_status:\n  comment: Lifecycle of a job.\n  values: [{rendered}]\n")


def calls(ops_: list) -> list[tuple]:
    """Enum ops as comparable tuples."""
    out = []
    for op in ops_:
        match op:
            case x.AddEnumValueOp():
                out.append(("add", op.name, op.value, op.after, tuple(op.values_after)))
            case x.DropEnumValueOp():
                out.append(("drop", op.name, op.value, tuple(op.values_after), op.previous))
            case x.RenameEnumValueOp():
                out.append(("rename", op.name, op.old_value, op.new_value))
            case _:
                out.append((type(op).__name__,))
    return out


# ------------------------------------------------------------------------------- enum values


def test_values_added_first_middle_last() -> None:
    work = enums({"job_status": ("queued", "running", "done")})
    target = enums({"job_status": ("draft", "queued", "running", "paused", "done", "archived")})
    spec = job_status("draft", "queued", "running", "paused", "done", "archived")
    assert calls(plan(work, target, spec)) == [
        ("add", "job_status", "draft", None, ("draft", "queued", "running", "done")),
        ("add", "job_status", "paused", "running", ("draft", "queued", "running", "paused", "done")),
        ("add", "job_status", "archived", "done", ("draft", "queued", "running", "paused", "done", "archived")),
    ]


def test_two_values_added_next_to_each_other() -> None:
    work = enums({"job_status": ("queued", "done")})
    target = enums({"job_status": ("queued", "a", "b", "done")})
    assert calls(plan(work, target, job_status("queued", "a", "b", "done"))) == [
        ("add", "job_status", "a", "queued", ("queued", "a", "done")),
        ("add", "job_status", "b", "a", ("queued", "a", "b", "done")),
    ]


def test_value_removed_remembers_its_place() -> None:
    work = enums({"job_status": ("queued", "running", "failed", "done")})
    target = enums({"job_status": ("queued", "running", "done")})
    ops_ = plan(work, target, job_status("queued", "running", "done"))
    assert calls(ops_) == [("drop", "job_status", "failed", ("queued", "running", "done"), "running")]
    back = ops_[0].reverse()  # the downgrade puts it back where it was
    assert (back.value, back.after, back.values_after) == ("failed", "running", ["queued", "running", "failed", "done"])


def test_first_value_removed() -> None:
    work = enums({"job_status": ("draft", "queued")})
    target = enums({"job_status": ("queued",)})
    ops_ = plan(work, target, job_status("queued"))
    assert calls(ops_) == [("drop", "job_status", "draft", ("queued",), None)]
    back = ops_[0].reverse()
    assert (back.after, back.values_after) == (None, ["draft", "queued"])


def test_value_renamed_from_the_spec_hint() -> None:
    work = enums({"job_status": ("queued", "running", "done")})
    target = enums({"job_status": ("queued", "in_progress", "done")})
    spec = job_status(renames="queued, {value: in_progress, renamed_from: running}, done")
    assert calls(plan(work, target, spec)) == [("rename", "job_status", "running", "in_progress")]


def test_rename_already_applied_by_the_pre_pass_is_not_planned_again() -> None:
    """generate() renames values before autogenerate; work then already has the new label."""
    work = enums({"job_status": ("queued", "in_progress", "done")})
    target = enums({"job_status": ("queued", "in_progress", "done")})
    spec = job_status(renames="queued, {value: in_progress, renamed_from: running}, done")
    assert plan(work, target, spec) == []


def test_rename_add_and_remove_together() -> None:
    work = enums({"job_status": ("queued", "running", "failed", "done")})
    target = enums({"job_status": ("queued", "in_progress", "done", "archived")})
    spec = job_status(renames="queued, {value: in_progress, renamed_from: running}, done, archived")
    assert calls(plan(work, target, spec)) == [
        ("rename", "job_status", "running", "in_progress"),
        ("add", "job_status", "archived", "done", ("queued", "in_progress", "failed", "done", "archived")),
        # the rebuild runs last: it keeps the value added above, and its reverse puts "failed"
        # back after the renamed value
        ("drop", "job_status", "failed", ("queued", "in_progress", "done", "archived"), "in_progress"),
    ]


def test_enum_created_dropped_and_recommented() -> None:
    work = enums({"old_kind": ("a",), "job_status": ("queued",)}, {"old_kind": "Old.", "job_status": "Before."})
    target = enums({"job_status": ("queued",), "new_kind": ("x", "y")}, {"job_status": "After.", "new_kind": "New."})
    spec = spec_of("job_status:\n  comment: After.\n  values: [queued]\nnew_kind:\n  comment: New.\n  values: [x, y]\n")
    # these snapshots hold no ACLs, so the access ops would revoke PUBLIC's USAGE a catalog
    # always shows (acldefault): they are not what this test is about
    ops_ = [op for op in plan(work, target, spec) if type(op).__name__ != "DDLOp"]
    assert [type(op) for op in ops_] == [x.SetEnumCommentOp, x.CreateEnumOp, x.DropEnumOp]  # in spec order
    comment, create, drop = ops_
    assert (create.name, create.values, create.comment) == ("new_kind", ["x", "y"], "New.")
    assert (comment.name, comment.comment, comment.existing_comment) == ("job_status", "After.", "Before.")
    assert (drop.name, drop.values, drop.comment) == ("old_kind", ["a"], "Old.")  # enough to recreate it


def test_order_of_the_upgrade() -> None:
    """Renames from the pre-pass, value additions (autocommit), CHECK drops, extensions and new
    enums, Alembic's ops, CHECK creations, value removals, then enum and extension drops."""
    table = Snapshot(tables={"jobs": "Units of work."}, constraints={("jobs", "ck_jobs_a"): ("c", "CHECK ((id > 0))")})
    work = Snapshot(
        extensions={"old_ext"}, enums={"job_status": ("queued", "gone"), "dead": ("x",)},
        enum_comments={"job_status": "Lifecycle of a job.", "dead": "D."}, tables=table.tables,
        constraints=dict(table.constraints),
    )
    target = Snapshot(
        extensions={"citext"}, enums={"job_status": ("queued", "new"), "fresh": ("y",)},
        enum_comments={"job_status": "Lifecycle of a job.", "fresh": "F."}, tables=table.tables,
        constraints={("jobs", "ck_jobs_a"): ("c", "CHECK ((id > 1))")},
    )
    spec = spec_of(
        "job_status:\n  comment: Lifecycle of a job.\n  values: [queued, new]\nfresh:\n  comment: F.\n  values: [y]\n",
        DEFAULT_TABLES + "  checks:\n    - {name: a, sql: id > 1}\n",
    )
    marker = ops.AddColumnOp("jobs", sa.Column("note", sa.Text))
    renamed = x.RenameColumnOp("jobs", "n", "m")
    ops_ = [op for op in plan(work, target, spec, body=[marker], prepend=[renamed])
            if type(op).__name__ != "DDLOp"]  # these snapshots hold no ACLs (see test_enum_created_dropped_and_recommented)
    assert [type(op).__name__ for op in ops_] == [
        "RenameColumnOp", "AddEnumValueOp", "DropConstraintOp", "CreateExtensionOp", "CreateEnumOp",
        # issue 18: a CHECK on an existing table is added NOT VALID, then validated
        "AddColumnOp", "AddConstraintOnlineOp", "DropEnumValueOp", "DropExtensionOp", "DropEnumOp",
    ]


# ------------------------------------------------------------------ CHECKs, keys, identity


def with_table(**kw: object) -> Snapshot:
    return Snapshot(tables={"jobs": "Units of work."}, **kw)  # type: ignore[arg-type]


def test_check_changed_under_the_same_name_is_dropped_and_recreated() -> None:
    work = with_table(constraints={("jobs", "ck_jobs_positive"): ("c", "CHECK ((id > 0))"),
                                   ("jobs", "ck_jobs_gone"): ("c", "CHECK ((id <> 7))")})
    target = with_table(constraints={("jobs", "ck_jobs_positive"): ("c", "CHECK ((id > 10))"),
                                     ("jobs", "ck_jobs_new"): ("c", "CHECK ((id < 99))")})
    spec = spec_of(tables=DEFAULT_TABLES + "  checks:\n    - {name: positive, sql: id > 10}\n    - {name: new, sql: id < 99}\n")
    ops_ = plan(work, target, spec)
    assert [(type(op).__name__, str(op.constraint_name)) for op in ops_] == [
        ("DropConstraintOp", "ck_jobs_gone"),
        ("DropConstraintOp", "ck_jobs_positive"),
        # issue 18: on an existing table, added NOT VALID and validated (generator.migrate.online_ops)
        ("AddConstraintOnlineOp", "ck_jobs_new"),
        ("AddConstraintOnlineOp", "ck_jobs_positive"),
    ]
    assert ops_[3].definition == "CHECK ((id > 10))"  # the spec's database's rendering
    assert str(ops_[1].reverse().to_constraint().sqltext) == "((id > 0))"  # the catalog's, for the downgrade


def test_check_with_a_colon_keeps_it_as_text() -> None:
    work = with_table()
    target = with_table(constraints={("jobs", "ck_jobs_code"): ("c", "CHECK ((code <> ':x'::text))")})
    spec = spec_of(tables=DEFAULT_TABLES + "  checks:\n    - {name: code, sql: \"code <> ':x'\"}\n")
    (create,) = plan(work, target, spec)
    assert create.definition == "CHECK ((code <> ':x'::text))"  # issue 18: the online form, NOT VALID + VALIDATE
    from generator.schema.metadata import sql_text

    statement = sql_text(f"ALTER TABLE jobs ADD CONSTRAINT ck_jobs_code {create.definition} NOT VALID")
    assert statement.compile().params == {}, "':x' stays text, not a bind parameter"


def test_primary_key_over_other_columns() -> None:
    work = with_table(constraints={("jobs", "pk_jobs"): ("p", "PRIMARY KEY (id)")})
    target = with_table(constraints={("jobs", "pk_jobs"): ("p", 'PRIMARY KEY (id, "part no")')})
    drop, create = plan(work, target, spec_of())
    assert isinstance(drop, ops.DropConstraintOp) and drop.constraint_type == "primary"
    assert isinstance(create, ops.CreatePrimaryKeyOp) and create.columns == ["id", "part no"]
    assert drop.reverse().columns == ["id"]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (("", "7"), ("d", None), ("by default", None, None, "7")),  # the plain default goes first
        (("a", None), ("d", None), ("by default", "always", None, None)),
        (("d", None), ("", "0"), (None, "by default", "0", None)),  # the plain default comes after
    ],
)
def test_identity_added_changed_dropped(before: tuple, after: tuple, expected: tuple) -> None:
    def column(identity: str, default: str | None) -> Column:
        return Column("bigint", True, default, identity, "Identifier.")

    work = with_table(columns={("jobs", "seq"): column(*before)})
    target = with_table(columns={("jobs", "seq"): column(*after)})
    (op,) = plan(work, target, spec_of())
    assert isinstance(op, x.AlterIdentityOp)
    assert (op.identity, op.existing_identity, op.default, op.existing_default) == expected
    back = op.reverse()
    assert (back.identity, back.existing_identity, back.default, back.existing_default) == (
        op.existing_identity, op.identity, op.existing_default, op.default,
    )


def test_unchanged_snapshots_plan_nothing() -> None:
    snapshot = with_table(
        columns={("jobs", "id"): Column("bigint", True, None, "a", "Identifier.")},
        constraints={("jobs", "pk_jobs"): ("p", "PRIMARY KEY (id)")},
        indexes={"pk_jobs": ("jobs", "CREATE UNIQUE INDEX ON public.jobs USING btree (id)")},
    )
    assert plan(snapshot, snapshot, spec_of()) == []


# ------------------------------------------------------------------------------ helpers


@pytest.mark.parametrize(
    ("sql", "escaped"),
    [
        ("note <> ':x'", "note <> '\\:x'"),
        ("'a:b'", "'a:b'"),  # a letter before the colon: not a bind parameter
        ("'{}'::jsonb", "'{}'::jsonb"),  # a cast
        ("x ~ '^[a-z:]+$'", "x ~ '^[a-z:]+$'"),
        ("':x::text'", "':x::text'"),  # followed by a colon: not a bind parameter
        ("a = :p AND b = :q", "a = \\:p AND b = \\:q"),
    ],
)
def test_escape_bind_params(sql: str, escaped: str) -> None:
    assert escape_bind_params(sql) == escaped
    assert str(sa.text(escaped).compile()) == sql  # text() gives the SQL back


def test_condition_and_key_parsers() -> None:
    assert _condition("CHECK ((a > 0)) NOT VALID") == "((a > 0))"
    assert _condition("CHECK ((a > 0))") == "((a > 0))"
    assert _key_columns("PRIMARY KEY (a, b)") == ["a", "b"]
    unique = _unique_from_def("jobs", "uq_jobs_a_b", "UNIQUE NULLS NOT DISTINCT (a, b)")
    assert [c.name for c in unique.columns] == ["a", "b"]
    assert unique.dialect_options["postgresql"]["nulls_not_distinct"] is True
    plain = _unique_from_def("jobs", "uq_jobs_a", "UNIQUE (a)")
    assert plain.dialect_options["postgresql"]["nulls_not_distinct"] is None


# ------------------------------------------------------------------------------- rendering


def render(*items: object) -> str:
    """Ops as revision-file code, as revision.generate renders them (offline, no database)."""
    from alembic.autogenerate.api import render_python_code
    from alembic.runtime.migration import MigrationContext

    from generator.migrate.autogen import escape_rendered_sql

    context = MigrationContext.configure(dialect_name="postgresql", opts={"alembic_module_prefix": "op.",
                                                                          "sqlalchemy_module_prefix": "sa."})
    escape_rendered_sql(context.impl)
    code = render_python_code(ops.UpgradeOps(ops=list(items)), migration_context=context)
    return "\n".join(ln.strip() for ln in code.splitlines() if "###" not in ln)


def test_sql_with_a_colon_is_rendered_so_text_keeps_it() -> None:
    from generator.schema.metadata import sql_text

    column = sa.Column("code", sa.Text, server_default=sql_text("':x'"))
    code = render(
        ops.AddColumnOp("notes", column),
        ops.CreateCheckConstraintOp("ck_notes_code", "notes", sql_text("code <> ':y' AND code <> 'a:b'")),
        ops.CreateIndexOp("ix_notes_code", "notes", ["code"], postgresql_where=sql_text("code <> ':z'")),
    )
    assert """server_default=sa.text("'\\\\:x'")""" in code
    assert """op.create_check_constraint('ck_notes_code', 'notes', "code <> '\\\\:y' AND code <> 'a:b'")""" in code
    assert """postgresql_where=sa.text("code <> '\\\\:z'")""" in code
    # and text() reads each back as the literal it was
    assert str(sa.text("'\\:x'").compile()) == "':x'"


def test_custom_ops_render_as_readable_calls() -> None:
    from sqlalchemy.sql.elements import conv

    code = render(
        x.RenameTableOp("machines", "cnc_machines"),
        x.MoveAppendOnlyGuardOp("events", "security_events"),
        x.AddEnumValueOp("job_status", "paused", "running", ["queued", "running", "paused"]),
        x.AlterIdentityOp("lots", "seq", "by default", None, existing_default="0"),
        ops.CreatePrimaryKeyOp(conv("pk_stock"), "stock", ["machine", "slot"]),
    )
    assert code.splitlines() == [
        "op.rename_table('machines', 'cnc_machines')",
        "op.move_append_only_guard('events', 'security_events', on_table='security_events')",
        "op.add_enum_value('job_status', 'paused', after='running', values_after=['queued', 'running', 'paused'])",
        "op.alter_identity('lots', 'seq', 'by default', existing_identity=None, default=None, existing_default='0')",
        "op.create_primary_key(op.f('pk_stock'), 'stock', ['machine', 'slot'])",
    ]


def test_type_change_with_using_renders_and_reverses_its_cast() -> None:
    op = x.AlterColumnTypeOp(
        "jobs", "status", existing_type=sa.Text(), modify_type=sa.Integer(), existing_nullable=False,
        using='"status"::integer', reverse_using=None,
    )
    assert op.kw["postgresql_using"] == '"status"::integer'
    assert "postgresql_using='\"status\"::integer')" in render(ops.ModifyTableOps("jobs", [op]))
    back = op.reverse()
    assert isinstance(back, x.AlterColumnTypeOp)
    assert (back.using, back.reverse_using, "postgresql_using" in back.kw) == (None, '"status"::integer', False)
    assert back.reverse().kw["postgresql_using"] == '"status"::integer'


def test_custom_ops_have_diff_tuples_for_alembic_check() -> None:
    assert x.AddEnumValueOp("s", "v", None, ["v"]).to_diff_tuple() == ("add_enum_value", "s", "v", None, ["v"])
    assert x.CreateAppendOnlyGuardOp("t").to_diff_tuple() == ("create_append_only_guard", "t")
    assert x.RenameTableOp("a", "b").to_diff_tuple() == ("rename_table", "a", "b")
