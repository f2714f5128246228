"""Drift of domains and generated columns through `schemactl diff`, on every server of
SCHEMACTL_TEST_PG (issue 16: diff did not report domains at all; a generated column was
reported as a default whose fix SQL fails).

The cases live in tests/drift/cases/domains/: a spec of their own (schema.yaml, with domains
and generated columns, which the repository's spec does not use) and one SQL file per case
in the corpus's header format (tests/drift/drift_corpus.py). The database "at head" is an
empty database brought to the spec by `diff --format sql` itself (so the fix SQL creates
domains, tables of domain columns and generated columns); each case drifts a copy of it,
must be reported as exactly the expected changes, and applying the `--format sql` script
statement by statement (as psql -f with ON_ERROR_STOP does) must converge (a second diff: 0).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from drift_corpus import CASES_DIR, Case, clone, execute, parse_case
from psqlrun import built_by_fix_sql, converge, drift_report

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

DOMAIN_CASES = CASES_DIR / "domains"
CASES = [parse_case(p.stem, p.read_text()) for p in sorted(DOMAIN_CASES.glob("*.sql"))]


def expected(case: Case) -> set[tuple[str, str, str]]:
    """The case's expectations; ``domain check d.c`` is kind "domain check" (the corpus's
    header parser splits the kind at its first space)."""
    return {("domain check", name[len("check "):], action) if kind == "domain" and name.startswith("check ") else (kind, name, action)
            for kind, name, action in case.expected}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(DOMAIN_CASES / "schema.yaml", tmp_path / "schema.yaml")
    return tmp_path


@pytest.fixture
def built(project: Path, pg: LocalServer, run_cli) -> Iterator[str]:
    with built_by_fix_sql(run_cli, pg.url(), project, "drift_domains") as url:
        yield url


def test_the_cases_cover_add_remove_and_change() -> None:
    actions = {(kind, action) for case in CASES for kind, _name, action in expected(case)}
    assert {("domain", "added"), ("domain", "removed"), ("domain check", "changed"), ("column", "changed")} <= actions
    assert len(CASES) >= 7


def test_an_empty_database_is_built_by_the_fix_sql(built: str, pg: LocalServer, run_cli) -> None:
    with psycopg.connect(libpq_url(built)) as conn:
        domains = conn.execute("SELECT typname FROM pg_type WHERE typtype = 'd' AND typnamespace = 'public'::regnamespace ORDER BY 1").fetchall()
        generated = conn.execute("SELECT attname, attgenerated FROM pg_attribute WHERE attrelid = 'parts'::regclass AND attgenerated <> '' ORDER BY 1").fetchall()
    assert [d for (d,) in domains] == ["length_mm", "metric_unit", "part_code", "tag_text"]
    assert generated == [("area", "s"), ("code_key", "s")]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_domain_case_is_detected_and_fixed(built: str, pg: LocalServer, run_cli, case: Case) -> None:
    with clone(pg.url(), built) as url:
        execute(url, case.sql)
        report = drift_report(run_cli, url, pg.url(), expected(case))
        assert report["complete"] is case.complete
        for change in report["changes"]:
            if change["kind"] == "column" and change["name"] in ("parts.area", "parts.label", "parts.code_key"):
                assert "default:" not in change["detail"], change  # a generation expression is not a default
        converge(run_cli, url, pg.url())


def test_a_database_with_two_extra_domains_is_not_in_sync(built: str, pg: LocalServer, run_cli) -> None:
    """The issue's finding: migra does not compare domains, and diff said "in sync"."""
    with clone(pg.url(), built) as url:
        execute(url, "CREATE DOMAIN year AS integer CHECK (VALUE >= 1901); CREATE DOMAIN short_text AS text;")
        result = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "json")
        assert result.code == 2, result.output
        report = json.loads(result.stdout)
        assert [(c["kind"], c["name"], c["action"]) for c in report["changes"]] == [
            ("domain", "short_text", "removed"), ("domain", "year", "removed")]
        converge(run_cli, url, pg.url())


VIRTUAL_CASES = {
    # case: (SQL drifting the database, the changes diff must report)
    "virtual_expression_changed": ("ALTER TABLE parts ALTER COLUMN volume SET EXPRESSION AS (id * 3)",
                                   {("column", "parts.volume", "changed")}),
    "virtual_is_plain_in_the_database": ("ALTER TABLE parts DROP COLUMN volume; ALTER TABLE parts ADD COLUMN volume bigint",
                                         {("column", "parts.volume", "changed")}),
    "plain_is_virtual_in_the_database": ("ALTER TABLE parts DROP COLUMN label; "
                                         "ALTER TABLE parts ADD COLUMN label text GENERATED ALWAYS AS (id::text) VIRTUAL",
                                         {("column", "parts.label", "changed")}),
    "virtual_is_stored_in_the_database": ("ALTER TABLE parts DROP COLUMN volume; "
                                          "ALTER TABLE parts ADD COLUMN volume bigint GENERATED ALWAYS AS (id * 2) STORED",
                                          {("column", "parts.volume", "changed")}),
    "virtual_column_missing": ("ALTER TABLE parts DROP COLUMN volume", {("column", "parts.volume", "added")}),
}


@pytest.fixture
def virtual_project(project: Path) -> Path:
    spec = project / "schema.yaml"
    # a virtual column's expression may not use a user-defined type (a domain): over id
    spec.write_text(spec.read_text() + '      volume: {type: bigint, generated: {sql: "id * 2", stored: false}}\n')
    return project


@pytest.mark.parametrize("case", sorted(VIRTUAL_CASES))
def test_virtual_generated_columns_on_18(virtual_project: Path, pg18: LocalServer, run_cli, case: str) -> None:
    """PostgreSQL 18's VIRTUAL columns: created as such by the fix SQL (migra writes STORED),
    their expression changed with SET EXPRESSION, and a virtual column that must become a
    plain one keeps its values without DROP EXPRESSION (which 18 refuses for virtual columns)."""
    sql, changes = VIRTUAL_CASES[case]
    with scratch_database(pg18.url(), prefix="drift_domains") as base:
        run_cli("diff", "--db", base, "--dev-db", pg18.url(), cwd=virtual_project)
        converge(run_cli, base, pg18.url())
        with psycopg.connect(libpq_url(base)) as conn:
            kind = conn.execute("SELECT attgenerated FROM pg_attribute WHERE attrelid = 'parts'::regclass AND attname = 'volume'").fetchone()
        assert kind == ("v",)
        with clone(pg18.url(), base) as url:
            execute(url, sql)
            result = run_cli("diff", "--db", url, "--dev-db", pg18.url(), "--format", "json")
            assert result.code == 2, result.output
            report = json.loads(result.stdout)
            assert {(c["kind"], c["name"], c["action"]) for c in report["changes"]} == changes, report["changes"]
            assert all("default:" not in c["detail"] for c in report["changes"])
            converge(run_cli, url, pg18.url())


def test_a_virtual_column_is_refused_on_17_at_its_line(virtual_project: Path, pg17: LocalServer, run_cli) -> None:
    with scratch_database(pg17.url(), prefix="drift_domains") as url:
        result = run_cli("diff", "--db", url, "--dev-db", pg17.url(), cwd=virtual_project)
    assert result.code == 1
    assert "Traceback" not in result.output
    lines = [ln for ln in (result.stdout + result.stderr).splitlines() if "virtual generated column" in ln]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("schema.yaml:")
    assert "parts.volume: a virtual generated column (stored: false) needs PostgreSQL 18 or later, and the dev server is PostgreSQL 17.6" in lines[0]
