"""The catalog comparison of domains and generated columns (generator.pg.catalog_domains), pure:
what ``diff`` and the revision proof report (issue 16: a database with two extra domains was
"in sync"; a generated column's expression was reported as a default)."""

from __future__ import annotations

from generator.pg.catalog import Column, Snapshot, compare
from generator.pg.catalog_domains import Domain, create_domain, regenerate_sql

CODE = Domain("text", True, "'P-000'::text", "C", (("code_format", "CHECK ((VALUE ~ '^P'::text))"),), "A code.")


def _changes(a: Snapshot, b: Snapshot) -> list[str]:
    return [str(c) for c in compare(a, b)]


def test_extra_and_missing_domains_are_differences() -> None:
    live = Snapshot(domains={"year": Domain("integer", False, None, None, (), None), "code": CODE})
    assert _changes(live, Snapshot(domains={"code": CODE})) == ["domain year: removed"]
    assert _changes(Snapshot(), live) == ["domain code: added", "domain year: added"]


def test_each_part_of_a_domain_is_compared() -> None:
    other = Domain("character varying(10)", False, None, "POSIX",
                   (("code_format", "CHECK ((VALUE ~ '^Q'::text))"), ("code_len", "CHECK ((length(VALUE) < 9))")), "Other.")
    assert _changes(Snapshot(domains={"code": CODE}), Snapshot(domains={"code": other})) == [
        "domain code: changed (base type: text -> character varying(10); not null: true -> false; "
        "default: 'P-000'::text -> none; collation: C -> POSIX)",
        "domain check code.code_format: changed (CHECK ((VALUE ~ '^P'::text)) -> CHECK ((VALUE ~ '^Q'::text)))",
        "domain check code.code_len: added (CHECK ((length(VALUE) < 9)))",
        "comment domain code: changed",
    ]


def test_a_generated_expression_is_not_a_default() -> None:
    table = {"t": None}
    a = Snapshot(tables=table, columns={("t", "c"): Column("integer", False, "(a * 2)", "", None, "s")})
    b = Snapshot(tables=table, columns={("t", "c"): Column("integer", False, "(a * 3)", "", None, "s")})
    plain = Snapshot(tables=table, columns={("t", "c"): Column("integer", False, None, "", None)})
    virtual = Snapshot(tables=table, columns={("t", "c"): Column("integer", False, "(a * 2)", "", None, "v")})
    assert _changes(a, b) == ["column t.c: changed (generated: (a * 2) stored -> (a * 3) stored)"]
    assert _changes(plain, a) == ["column t.c: changed (generated: none -> (a * 2) stored)"]
    assert _changes(a, virtual) == ["column t.c: changed (generated: (a * 2) stored -> (a * 2) virtual)"]


def test_the_sql_from_snapshot_values() -> None:
    assert create_domain("code", CODE) == [
        "CREATE DOMAIN \"public\".\"code\" AS text COLLATE \"C\" DEFAULT 'P-000'::text NOT NULL "
        "CONSTRAINT \"code_format\" CHECK ((VALUE ~ '^P'::text))",
        "COMMENT ON DOMAIN \"public\".\"code\" IS 'A code.'",
    ]
    stored, plain = Column("integer", False, "(a * 2)", "", None, "s"), Column("integer", False, "5", "", None)
    virtual = Column("integer", False, "(a * 2)", "", None, "v")
    t = 'ALTER TABLE "public"."t"'
    assert regenerate_sql("t", "c", stored, Column("integer", False, "(a * 3)", "", None, "s")) == [
        f'{t} ALTER COLUMN "c" SET EXPRESSION AS ((a * 3))']
    assert regenerate_sql("t", "c", stored, plain) == [f'{t} ALTER COLUMN "c" DROP EXPRESSION', f'{t} ALTER COLUMN "c" SET DEFAULT 5']
    assert regenerate_sql("t", "c", virtual, plain) == [  # 18 refuses DROP EXPRESSION on a virtual column
        f'{t} ADD COLUMN "c__schemactl_new" integer', 'UPDATE "public"."t" SET "c__schemactl_new" = "c"',
        f'{t} DROP COLUMN "c"', f'{t} RENAME COLUMN "c__schemactl_new" TO "c"', f'{t} ALTER COLUMN "c" SET DEFAULT 5']
    assert regenerate_sql("t", "c", plain, virtual) == [
        f'{t} DROP COLUMN "c"', f'{t} ADD COLUMN "c" integer GENERATED ALWAYS AS ((a * 2)) VIRTUAL']
