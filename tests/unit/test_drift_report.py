"""generator.drift.report and generator.drift.assemble, pure: naming the object of a statement, destructive statements,
folding constraint indexes, changes only migra sees, the script and the JSON document."""

from __future__ import annotations

import pytest

from generator.drift.assemble import build_report
from generator.drift.report import (
    FORMAT_VERSION,
    UNCHECKED,
    Described,
    DiffReport,
    Statement,
    describe_statement,
    engine_only_changes,
    fold_changes,
    is_destructive,
)
from generator.pg.catalog import Change, Column, Snapshot


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            'alter table "public"."users" drop column "nickname";',
            Described("column", "users.nickname", "removed", "users"),
        ),
        (
            'alter table "public"."users" add column "email" citext not null;',
            Described("column", "users.email", "added", "users"),
        ),
        (
            'alter table "public"."users" alter column "locale" set default \'x\'::text;',
            Described("column", "users.locale", "changed", "users"),
        ),
        (
            'alter table "public"."jobs" drop constraint "fk_jobs_model_id_models";',
            Described("constraint", "fk_jobs_model_id_models", "removed", "jobs"),
        ),
        (
            'alter table "public"."m" add constraint "uq_m_code" UNIQUE using index "uq_m_code";',
            Described("constraint", "uq_m_code", "added", "m"),
        ),
        (
            'alter table "public"."m" validate constraint "fk_x";',
            Described("constraint", "fk_x", "changed", "m"),
        ),
        (
            'alter table "public"."users" enable row level security;',
            Described("table", "users", "changed", "users"),
        ),
        (
            "CREATE INDEX ix_users_status ON public.users USING btree (status);",
            Described("index", "ix_users_status", "added", "users"),
        ),
        (
            "CREATE UNIQUE INDEX pk_t ON public.t USING btree (id);",
            Described("index", "pk_t", "added", "t"),
        ),
        ('drop index if exists "public"."ix_a";', Described("index", "ix_a", "removed", None)),
        (
            'create table "public"."notes" (\n "id" integer\n);',
            Described("table", "notes", "added", "notes"),
        ),
        ('drop table "public"."notes";', Described("table", "notes", "removed", "notes")),
        (
            'drop trigger if exists "tr" on "public"."audit_logs";',
            Described("trigger", "audit_logs.tr", "removed", "audit_logs"),
        ),
        (
            "CREATE TRIGGER tr BEFORE DELETE ON public.audit_logs FOR EACH ROW EXECUTE FUNCTION f();",
            Described("trigger", "audit_logs.tr", "added", "audit_logs"),
        ),
        (
            "CREATE OR REPLACE FUNCTION public.f()\n RETURNS trigger",
            Described("function", "f", "added", None),
        ),
        (
            'create type "public"."job_status" as enum (\'a\');',
            Described("type", "job_status", "added", None),
        ),
        (
            'create extension if not exists "citext" with schema "public";',
            Described("extension", "citext", "added", None),
        ),
        ('drop view if exists "public"."v";', Described("view", "v", "removed", None)),
        (
            'drop policy "p" on "public"."users";',
            Described("policy", "users.p", "removed", "users"),
        ),
        ("set check_function_bodies = off;", None),
    ],
)
def test_describe_statement(sql: str, expected: Described | None) -> None:
    assert describe_statement(sql) == expected


def test_describe_drop_index_finds_its_table_from_the_snapshots() -> None:
    assert describe_statement('drop index if exists "public"."ix_a";', {"ix_a": "t"}).table == "t"


@pytest.mark.parametrize(
    "sql",
    [
        'drop table "public"."t";',
        'alter table "public"."t" drop column "c";',
        'alter table "public"."t" drop constraint "ck";',
        'drop index if exists "public"."ix";',
        'drop type "public"."e";',
        'drop extension if exists "citext";',
        'alter table "public"."t" alter column "c" set data type text using "c"::text;',
        'ALTER TABLE "public"."t" ALTER COLUMN "c" TYPE "public"."e" USING "c"::text::"public"."e"',
        'ALTER TYPE "public"."e" RENAME TO "e__old"',
    ],
)
def test_destructive(sql: str) -> None:
    assert is_destructive(sql)


@pytest.mark.parametrize(
    "sql",
    [
        'alter table "public"."t" alter column "c" drop default;',
        'alter table "public"."t" alter column "c" drop not null;',
        'alter table "public"."t" add column "c" text;',
        "CREATE INDEX ix ON public.t USING btree (c);",
        "ALTER TYPE \"public\".\"e\" ADD VALUE 'x' AFTER 'w'",
        'COMMENT ON TABLE "public"."t" IS \'drop table t\'',
    ],
)
def test_not_destructive(sql: str) -> None:
    assert not is_destructive(sql)


def _snap(**kw) -> Snapshot:
    return Snapshot(**kw)


def test_an_index_behind_a_unique_constraint_is_reported_once() -> None:
    spec = _snap(tables={"m": None}, constraints={("m", "uq_m_code"): ("u", "UNIQUE (code)")},
                 indexes={"uq_m_code": ("m", "CREATE UNIQUE INDEX ON public.m USING btree (code)")})
    live = _snap(tables={"m": None})
    changes = [
        Change("constraint", "uq_m_code", "added", "UNIQUE (code)"),
        Change("index", "uq_m_code", "added"),
    ]
    assert fold_changes(changes, live, spec) == changes[:1]


def test_a_plain_index_change_is_kept() -> None:
    changes = [Change("index", "ix_a", "removed")]
    assert fold_changes(changes, _snap(), _snap()) == changes


def test_statements_no_catalog_change_explains_become_changes() -> None:
    statements = [
        'alter table "public"."users" enable row level security;',
        'drop trigger if exists "tr" on "public"."audit_logs";',
        "CREATE TRIGGER tr BEFORE DELETE ON public.audit_logs FOR EACH ROW EXECUTE FUNCTION f();",
        'drop view if exists "public"."v";',
        'alter table "public"."users" drop column "nickname";',  # explained by the change below
        "set check_function_bodies = off;",
    ]
    changes = [Change("column", "users.nickname", "removed")]
    found = {(c.kind, c.name, c.action) for c in engine_only_changes(statements, changes)}
    assert found == {
        ("table", "users", "changed"),
        ("trigger", "audit_logs.tr", "changed"),
        ("view", "v", "removed"),
    }


def test_statements_of_an_added_table_are_explained_by_it() -> None:
    statements = [
        'create table "public"."n" ("id" uuid);',
        "CREATE UNIQUE INDEX pk_n ON public.n USING btree (id);",
        'alter table "public"."n" add constraint "pk_n" PRIMARY KEY using index "pk_n";',
    ]
    assert engine_only_changes(statements, [Change("table", "n", "added")]) == []


def test_the_script_marks_destructive_statements_and_notes_once() -> None:
    report = DiffReport(
        changes=[Change("column", "t.c", "removed")],
        statements=[
            Statement('alter table "public"."t" drop column "c"', True),
            Statement("A", False, "schemactl", "why"),
            Statement("B;", True, "schemactl", "why"),
        ],
        database="postgresql+psycopg://u:***@h/db",
    )
    body = report.sql_script(header=False)
    assert body == (
        '-- DESTRUCTIVE\nalter table "public"."t" drop column "c";\n-- why\nA;\n-- DESTRUCTIVE\nB;\n'
    )
    assert report.sql_script().startswith(
        "-- schemactl diff: SQL that brings postgresql+psycopg://u:***@h/db to the spec\n"
    )


def test_json_document_is_stable() -> None:
    report = DiffReport(
        changes=[Change("index", "ix", "added", "d")],
        statements=[Statement("CREATE INDEX ix ON t (c)")],
    )
    doc = report.as_dict()
    assert list(doc) == [
        "format_version", "status", "database", "dev_database", "server_versions", "engine", "changes",
        "statements", "destructive", "complete", "missing_sql", "unchecked", "timings", "spec_cache", "preamble",
        "pending_revisions", "unmanaged",
    ]
    assert doc["format_version"] == FORMAT_VERSION == 1
    assert doc["status"] == "drift"
    assert doc["changes"] == [{"kind": "index", "name": "ix", "action": "added", "detail": "d"}]
    assert doc["statements"] == [
        {"sql": "CREATE INDEX ix ON t (c);", "destructive": False, "origin": "migra", "note": ""}
    ]
    assert doc["unchecked"] == list(UNCHECKED)
    assert DiffReport().as_dict()["status"] == "in_sync"


def test_build_report_adds_comments_migra_does_not_write() -> None:
    live = _snap(tables={"t": "old"}, columns={("t", "c"): Column("text", False, None, "", None)})
    spec = _snap(
        tables={"t": "new"}, columns={("t", "c"): Column("text", False, None, "", "it's c")}
    )
    changes = [Change("comment", "table t", "changed"), Change("comment", "column t.c", "changed")]
    report = build_report(changes, [], live, spec)
    assert [s.sql for s in report.statements] == [
        'COMMENT ON TABLE "public"."t" IS \'new\'',
        'COMMENT ON COLUMN "public"."t"."c" IS \'it\'\'s c\'',
    ]
    assert report.complete and report.status == "drift"


def test_functions_migra_could_not_read_are_left_to_the_catalog() -> None:
    from generator.drift.assemble import without_hidden_functions

    statements = [
        "set check_function_bodies = off;",
        "CREATE OR REPLACE FUNCTION public.f()\n RETURNS trigger AS $$ x $$;",
    ]
    assert without_hidden_functions(statements, [], {"f"}) == []
    assert (
        without_hidden_functions(statements, [Change("function", "f()", "changed")], {"f"})
        == statements
    )
    assert without_hidden_functions(statements, [], set()) == statements
    assert without_hidden_functions(statements + ['drop view "public"."v";'], [], {"f"}) == [
        statements[0],
        'drop view "public"."v";',
    ]


def test_comment_changes_show_both_comments() -> None:
    from generator.drift.assemble import with_comment_detail

    live = _snap(
        tables={"t": "old"},
        columns={("t", "c"): Column("text", False, None, "", None)},
        enum_comments={"e": "x"},
    )
    spec = _snap(
        tables={"t": "new " * 30},
        columns={("t", "c"): Column("text", False, None, "", "c!")},
        enum_comments={"e": "y"},
    )
    assert with_comment_detail(Change("comment", "table t", "changed"), live, spec).detail == (
        "'old' -> 'new new new new new new new new new new new new new new n...'"
    )
    assert (
        with_comment_detail(Change("comment", "column t.c", "changed"), live, spec).detail
        == "none -> 'c!'"
    )
    assert (
        with_comment_detail(Change("comment", "type e", "changed"), live, spec).detail
        == "'x' -> 'y'"
    )
    quoted = _snap(tables={"t": "it's"})
    assert with_comment_detail(Change("comment", "table t", "changed"), quoted, spec).detail.startswith(
        "'it''s' -> "
    )  # SQL quoting, never Python's repr (issue 13.11)
    kept = Change("column", "t.c", "changed", "d")
    assert with_comment_detail(kept, live, spec) is kept


def test_one_statement_is_singular(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13.11: the text said "(1 statements"."""
    import io

    from rich.console import Console

    import cli.output
    from cli.text import diff_body
    from generator.drift.report import DiffReport, Statement

    report = DiffReport(changes=[Change("column", "t.c", "added")], statements=[Statement('ALTER TABLE "t" ADD COLUMN "c" text')])
    assert "-- 1 statement, 0 destructive." in report.sql_script()
    out = io.StringIO()
    monkeypatch.setattr(cli.output.OUT, "stdout", Console(file=out, width=200))
    diff_body(report)
    text = out.getvalue()
    assert "1 difference between" in text and "(1 statement, 0 destructive)" in text
    assert "statements" not in text and "differences" not in text


def test_session_settings_are_not_statements_of_the_fix() -> None:
    """Issue 13.8: migra's `set check_function_bodies = off` was a statement of its own (3
    statements for 2 changes). It is dropped, or kept as the script's uncounted preamble when
    the script creates a function."""
    from generator.drift.assemble import build_report
    from generator.drift.report import split_session

    comment = 'COMMENT ON TABLE "public"."t" IS \'x\''
    assert split_session(["set check_function_bodies = off;", 'alter table "public"."t" drop column "c";']) == (
        ['alter table "public"."t" drop column "c";'], []
    )
    function = "CREATE OR REPLACE FUNCTION public.f() RETURNS trigger AS $$ x $$"
    assert split_session(["set check_function_bodies = off;", function]) == ([function], ["set check_function_bodies = off"])
    live = _snap(tables={"t": None}, columns={("t", "c"): Column("text", False, None, "", None)})
    spec = _snap(tables={"t": "x"})
    report = build_report(
        [Change("column", "t.c", "removed"), Change("comment", "table t", "changed")],
        ["set check_function_bodies = off;", 'alter table "public"."t" drop column "c";'], live, spec,
    )
    assert [s.sql for s in report.statements] == ['alter table "public"."t" drop column "c";', comment]
    assert "check_function_bodies" not in report.sql_script() and report.as_dict()["preamble"] == []
