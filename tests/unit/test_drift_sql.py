"""generator.drift.fix_sql, pure: the statements schemactl writes instead of migra's."""

from __future__ import annotations

from generator.drift.fix_sql import (
    comment_statements,
    correct,
    create_index,
    enum_add_values,
    fallback_sql,
)
from generator.pg.catalog import Change, Column, Snapshot

MIGRA_ENUM_RECREATE = [
    'alter table "public"."jobs" alter column "status" drop default;',
    'alter type "public"."job_status" rename to "job_status__old_version_to_be_dropped";',
    "create type \"public\".\"job_status\" as enum ('queued', 'running', 'paused', 'done');",
    'alter table "public"."jobs" alter column status type "public"."job_status" using status::text::"public"."job_status";',
    "alter table \"public\".\"jobs\" alter column \"status\" set default 'queued'::job_status;",
    'drop type "public"."job_status__old_version_to_be_dropped";',
]


def test_add_values_keep_the_spec_order() -> None:
    assert enum_add_values("e", ("b", "d"), ("a", "b", "c", "d", "e")) == [
        "ALTER TYPE \"public\".\"e\" ADD VALUE 'a' BEFORE 'b'",
        "ALTER TYPE \"public\".\"e\" ADD VALUE 'c' AFTER 'b'",
        "ALTER TYPE \"public\".\"e\" ADD VALUE 'e' AFTER 'd'",
    ]
    assert enum_add_values("e", (), ("a", "b")) == [
        "ALTER TYPE \"public\".\"e\" ADD VALUE 'a'",
        "ALTER TYPE \"public\".\"e\" ADD VALUE 'b' AFTER 'a'",
    ]
    assert enum_add_values("e", ("it's",), ("it's", "x")) == ["ALTER TYPE \"public\".\"e\" ADD VALUE 'x' AFTER 'it''s'"]


def _jobs(values: tuple[str, ...], check: bool = True) -> Snapshot:
    constraints = {}
    if check:
        constraints[("jobs", "ck_jobs_done")] = ("c", "CHECK ((status <> 'done'::job_status))")
    return Snapshot(
        enums={"job_status": values},
        enum_comments={"job_status": "Lifecycle."},
        tables={"jobs": None},
        columns={("jobs", "status"): Column("job_status", True, "'queued'::job_status", "", None)},
        constraints=constraints,
        indexes={"ix_jobs_status": ("jobs", "CREATE INDEX ON public.jobs USING btree (status)")},
    )


def test_an_added_value_replaces_migras_recreation() -> None:
    live, spec = _jobs(("queued", "running", "done")), _jobs(("queued", "running", "paused", "done"))
    changes = [Change("enum", "job_status", "changed", "values added: paused")]
    statements, missing = correct(MIGRA_ENUM_RECREATE, changes, live, spec)
    assert [s.sql for s in statements] == ["ALTER TYPE \"public\".\"job_status\" ADD VALUE 'paused' AFTER 'running'"]
    assert statements[0].origin == "schemactl" and not statements[0].destructive
    assert missing == []


def test_a_removed_value_recreates_the_type_with_what_mentions_it() -> None:
    live, spec = _jobs(("queued", "running", "paused", "done")), _jobs(("queued", "running", "done"))
    changes = [Change("enum", "job_status", "changed", "values removed: paused")]
    statements, _ = correct(MIGRA_ENUM_RECREATE, changes, live, spec)
    assert [s.sql for s in statements] == [
        'ALTER TABLE "public"."jobs" DROP CONSTRAINT "ck_jobs_done"',
        'ALTER TABLE "public"."jobs" ALTER COLUMN "status" DROP DEFAULT',
        'ALTER TYPE "public"."job_status" RENAME TO "job_status__schemactl_old"',
        "CREATE TYPE \"public\".\"job_status\" AS ENUM ('queued', 'running', 'done')",
        'ALTER TABLE "public"."jobs" ALTER COLUMN "status" TYPE "public"."job_status" USING "status"::text::"public"."job_status"',
        "ALTER TABLE \"public\".\"jobs\" ALTER COLUMN \"status\" SET DEFAULT 'queued'::job_status",
        'DROP TYPE "public"."job_status__schemactl_old"',
        "ALTER TABLE \"public\".\"jobs\" ADD CONSTRAINT \"ck_jobs_done\" CHECK ((status <> 'done'::job_status))",
        "COMMENT ON TYPE \"public\".\"job_status\" IS 'Lifecycle.'",
    ]
    assert all(s.origin == "schemactl" for s in statements)
    assert [s.destructive for s in statements] == [True, False, True, False, True, False, True, False, False]


def test_using_an_index_the_script_dropped_becomes_a_plain_constraint() -> None:
    definition = "UNIQUE NULLS NOT DISTINCT (a, b)"
    live = Snapshot(tables={"t": None}, constraints={("t", "uq_t"): ("u", "UNIQUE (a, b)")},
                    indexes={"uq_t": ("t", "CREATE UNIQUE INDEX ON public.t USING btree (a, b)")})
    spec = Snapshot(tables={"t": None}, constraints={("t", "uq_t"): ("u", definition)},
                    indexes={"uq_t": ("t", "CREATE UNIQUE INDEX ON public.t USING btree (a, b) NULLS NOT DISTINCT")})
    migra = [
        'alter table "public"."t" drop constraint "uq_t";',
        'alter table "public"."t" add constraint "uq_t" UNIQUE using index "uq_t";',
    ]
    statements, _ = correct(migra, [Change("constraint", "uq_t", "changed")], live, spec)
    assert [s.sql for s in statements] == [migra[0], f'ALTER TABLE "public"."t" ADD CONSTRAINT "uq_t" {definition}']


def test_using_an_index_the_script_creates_is_left_alone() -> None:
    spec = Snapshot(tables={"m": None}, constraints={("m", "uq_m"): ("u", "UNIQUE (code)")})
    migra = [
        "CREATE UNIQUE INDEX uq_m ON public.m USING btree (code);",
        'alter table "public"."m" add constraint "uq_m" UNIQUE using index "uq_m";',
    ]
    statements, _ = correct(migra, [Change("constraint", "uq_m", "added")], Snapshot(tables={"m": None}), spec)
    assert [s.sql for s in statements] == migra


def test_comments_for_created_changed_and_removed() -> None:
    live = Snapshot(
        enums={"e": ("a",)}, enum_comments={"e": "same"}, tables={"t": "old"},
        columns={("t", "a"): Column("text", False, None, "", "gone")},
    )
    spec = Snapshot(
        enums={"e": ("a",), "f": ("x",)}, enum_comments={"e": "same", "f": "new enum"}, tables={"t": "old", "u": "new table"},
        columns={("t", "a"): Column("text", False, None, "", None), ("u", "id"): Column("int", True, None, "", "id")},
    )
    assert [s.sql for s in comment_statements(live, spec)] == [
        "COMMENT ON TYPE \"public\".\"f\" IS 'new enum'",
        "COMMENT ON TABLE \"public\".\"u\" IS 'new table'",
        'COMMENT ON COLUMN "public"."t"."a" IS NULL',
        "COMMENT ON COLUMN \"public\".\"u\".\"id\" IS 'id'",
    ]


def test_an_index_migra_does_not_see_is_recreated_from_the_spec() -> None:
    live = Snapshot(tables={"u": None}, indexes={"ix_u": ("u", "CREATE INDEX ON public.u USING btree (s) WITH (fillfactor='50')")})
    spec = Snapshot(tables={"u": None}, indexes={"ix_u": ("u", "CREATE INDEX ON public.u USING btree (s)")})
    statements, missing = correct([], [Change("index", "ix_u", "changed")], live, spec)
    assert [s.sql for s in statements] == ['DROP INDEX "public"."ix_u"', 'CREATE INDEX "ix_u" ON public.u USING btree (s)']
    assert statements[0].destructive and missing == []


def test_fallbacks_for_columns_constraints_triggers_extensions() -> None:
    live = Snapshot(tables={"t": None}, columns={("t", "c"): Column("text", False, "'a'::text", "", None)})
    spec = Snapshot(
        tables={"t": None}, columns={("t", "c"): Column("character varying(5)", True, None, "", None)},
        constraints={("t", "ck"): ("c", "CHECK ((c <> ''::text))")},
        triggers={("t", "tr"): "CREATE TRIGGER BEFORE DELETE ON public.t FOR EACH ROW EXECUTE FUNCTION f()"},
    )
    assert fallback_sql(Change("column", "t.c", "changed"), live, spec) == [
        'ALTER TABLE "public"."t" ALTER COLUMN "c" TYPE character varying(5) USING "c"::character varying(5)',
        'ALTER TABLE "public"."t" ALTER COLUMN "c" DROP DEFAULT',
        'ALTER TABLE "public"."t" ALTER COLUMN "c" SET NOT NULL',
    ]
    assert fallback_sql(Change("constraint", "ck", "added"), live, spec) == [
        "ALTER TABLE \"public\".\"t\" ADD CONSTRAINT \"ck\" CHECK ((c <> ''::text))"
    ]
    assert fallback_sql(Change("trigger", "t.tr", "added"), live, spec) == [
        'CREATE TRIGGER "tr" BEFORE DELETE ON public.t FOR EACH ROW EXECUTE FUNCTION f()'
    ]
    assert fallback_sql(Change("extension", "citext", "added"), live, spec) == ['CREATE EXTENSION IF NOT EXISTS "citext"']
    assert fallback_sql(Change("function", "f()", "changed"), live, spec) is None


def test_a_change_without_sql_is_reported_missing() -> None:
    live = Snapshot(functions={"f()": "a"})
    spec = Snapshot()  # a change schemactl has no definition for
    _, missing = correct([], [Change("function", "f()", "changed")], live, spec)
    assert missing == ["function f(): changed"]


def test_a_changed_function_migra_misses_is_replaced_and_an_aggregate_recreated() -> None:
    live = Snapshot(functions={"f()": "a", "agg(text)": "CREATE AGGREGATE public.agg(text) (SFUNC = textcat, STYPE = text)"})
    spec = Snapshot(functions={"f()": "CREATE OR REPLACE FUNCTION public.f() ...",
                               "agg(text)": "CREATE AGGREGATE public.agg(text) (SFUNC = textcat, STYPE = text, INITCOND = '')"})
    assert fallback_sql(Change("function", "f()", "changed"), live, spec) == ["CREATE OR REPLACE FUNCTION public.f() ..."]
    assert fallback_sql(Change("function", "agg(text)", "changed"), live, spec) == [
        'DROP AGGREGATE public."agg"(text)', spec.functions["agg(text)"]]


def test_create_index_puts_the_name_back() -> None:
    assert create_index("uq", "CREATE UNIQUE INDEX ON public.t USING btree (a)") == 'CREATE UNIQUE INDEX "uq" ON public.t USING btree (a)'
