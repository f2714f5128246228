"""Schema grants (`schemas: {public: {grants: [...]}}`), USAGE grants on enums, domains and
composite types, a partition's own grants, and RLS, policies and grants of a table in
another schema (issue 17 item 4, the rest) through
`schemactl diff`, on every server of SCHEMACTL_TEST_PG.

The database "at head" is an empty database brought to the spec by `diff --format sql`
itself (so the fix SQL's path for a freshly created type, and for the public schema that
every database has, is what builds it). Each case drifts a copy: `diff -f json` must report
exactly the expected changes, and the `--format sql` script applied with psql ON_ERROR_STOP
must converge (tests/psqlrun.py). One case runs on a database whose search_path is ''.
A NOLOGIN role really is refused a schema and a type it holds no USAGE on (SET ROLE).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from checkout import copy_project
from drift_corpus import clone, execute
from psqlrun import converge

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

SPEC = """\
version: 1
settings: {require_comments: false}
roles: [sg_app, sg_reporting]
schemas:
  public:
    grants:
      - {role: public, privileges: [usage]}
      - {role: sg_app, privileges: [usage, create]}
  billing:
    comment: "Invoices."
    grants: [{role: sg_reporting, privileges: [usage]}]
enums:
  status:
    values: [open, closed]
    grants: [{role: sg_app, privileges: [usage]}]
  billing.currency:
    values: [eur, usd]
    grants: [{role: sg_app, privileges: [usage]}, {role: sg_reporting, privileges: [usage], with_grant_option: true}]
domains:
  amount:
    type: numeric(12,2)
    checks: [{name: amount_positive, sql: "VALUE >= 0"}]
    grants: [{role: public, privileges: [usage]}, {role: sg_reporting, privileges: [usage]}]
types:
  pair:
    composite: {a: {type: integer}, b: {type: text}}
    grants: [{role: sg_reporting, privileges: [all]}]
  quiet:
    composite: {x: {type: integer}}
    grants: []
tables:
  jobs:
    columns:
      id: {type: bigint, primary_key: true}
      status: {type: status}
      price: {type: amount}
  billing.invoices:
    columns:
      id: {type: bigint, primary_key: true}
      currency: {type: billing.currency}
    rls: {enabled: true, forced: true}
    policies:
      - {name: euro_only, roles: [sg_reporting], using: "currency = 'eur'", comment: "Euro rows."}
    grants:
      - {role: sg_reporting, privileges: [select]}
      - {role: sg_app, privileges: [update], columns: [currency]}
  events:
    columns:
      id: {type: bigint, nullable: false}
      day: {type: date, nullable: false}
    primary_key: [id, day]
    partition_by: {range: [day]}
    grants: [{role: sg_app, privileges: [insert]}]
    partitions:
      events_2026:
        bound: "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"
        grants: [{role: sg_reporting, privileges: [select]}]
"""

CASES = {
    "schema_create_revoked": ("REVOKE CREATE ON SCHEMA public FROM sg_app", {("grant", "schema public", "changed")}),
    "public_usage_revoked": ("REVOKE USAGE ON SCHEMA public FROM PUBLIC", {("grant", "schema public", "changed")}),
    "schema_grant_extra": ("GRANT CREATE ON SCHEMA billing TO sg_reporting", {("grant", "schema billing", "changed")}),
    "schema_grant_option": (
        "REVOKE USAGE ON SCHEMA billing FROM sg_reporting; GRANT USAGE ON SCHEMA billing TO sg_reporting WITH GRANT OPTION",
        {("grant", "schema billing", "changed")},
    ),
    "enum_usage_to_public": ("GRANT USAGE ON TYPE status TO PUBLIC", {("grant", "type status", "changed")}),
    "enum_in_schema_revoked": (
        "REVOKE USAGE ON TYPE billing.currency FROM sg_app", {("grant", "type billing.currency", "changed")},
    ),
    "domain_usage_revoked": ("REVOKE USAGE ON DOMAIN amount FROM PUBLIC", {("grant", "type amount", "changed")}),
    "partition_grant_revoked": (
        "REVOKE SELECT ON events_2026 FROM sg_reporting", {("grant", "table events_2026", "changed")},
    ),
    "partition_grant_extra": ("GRANT INSERT ON events_2026 TO sg_app", {("grant", "table events_2026", "changed")}),
    "table_grant_in_schema_revoked": (
        "REVOKE SELECT ON billing.invoices FROM sg_reporting", {("grant", "table billing.invoices", "changed")},
    ),
    "column_grant_in_schema_extra": (
        "GRANT INSERT (currency) ON billing.invoices TO sg_app", {("grant", "table billing.invoices", "changed")},
    ),
    "policy_in_schema_dropped": (
        "DROP POLICY euro_only ON billing.invoices", {("policy", "billing.invoices.euro_only", "added")},
    ),
    "policy_in_schema_changed": (
        "ALTER POLICY euro_only ON billing.invoices USING (true)", {("policy", "billing.invoices.euro_only", "changed")},
    ),
    "rls_in_schema_not_forced": (
        "ALTER TABLE billing.invoices NO FORCE ROW LEVEL SECURITY", {("row level security", "billing.invoices", "changed")},
    ),
    "composite_extra": ("GRANT USAGE ON TYPE pair TO sg_app", {("grant", "type pair", "changed")}),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project", SPEC)


@pytest.fixture
def built(project: Path, pg: LocalServer, run_cli) -> Iterator[str]:
    """A database brought from empty to the spec by diff's own fix SQL."""
    with scratch_database(pg.url(), prefix="drift_sgrants") as url:
        converge(run_cli, url, pg.url(), cwd=project)
        yield url


def _acl(url: str) -> dict[str, object]:
    with psycopg.connect(libpq_url(url)) as conn:
        return dict(conn.execute(
            "SELECT 'schema ' || nspname, nspacl::text[] FROM pg_namespace WHERE nspname IN ('public', 'billing') "
            "UNION ALL SELECT 'type ' || oid::regtype::text, typacl::text[] FROM pg_type "
            "WHERE oid IN ('status'::regtype, 'billing.currency'::regtype, 'amount'::regtype, 'pair'::regtype, "
            "'quiet'::regtype)").fetchall())


def test_the_built_database_holds_exactly_the_grants_and_they_bite(built: str) -> None:
    acl = _acl(built)
    assert sorted(e for e in acl["schema public"] if not e.startswith("pg_database_owner=")) == [
        "=U/pg_database_owner", "sg_app=UC/pg_database_owner"]
    assert [e.split("/")[0] for e in acl["schema billing"] if not e.startswith("postgres=")] == ["sg_reporting=U"]
    assert [e.split("/")[0] for e in acl["type status"] if not e.startswith("postgres=")] == ["sg_app=U"]  # not PUBLIC
    assert sorted(e.split("/")[0] for e in acl["type billing.currency"] if not e.startswith("postgres=")) == [
        "sg_app=U", "sg_reporting=U*"]
    assert sorted(e.split("/")[0] for e in acl["type amount"] if not e.startswith("postgres=")) == ["=U", "sg_reporting=U"]
    assert [e.split("/")[0] for e in acl["type quiet"]] == ["postgres=U"]  # grants: []: a fresh type loses PUBLIC's USAGE
    with psycopg.connect(libpq_url(built)) as conn:
        partition = conn.execute("SELECT relacl::text[] FROM pg_class WHERE relname = 'events_2026'").fetchone()[0]
        assert [e.split("/")[0] for e in partition if not e.startswith("postgres=")] == ["sg_reporting=r"]
        conn.execute("SET ROLE sg_app")  # no USAGE on billing: its tables are out of reach
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT 1 FROM billing.invoices")
        conn.rollback()
        conn.execute("SET ROLE sg_reporting")  # no USAGE on status (PUBLIC's was revoked)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TEMP TABLE t (s status)")
        conn.rollback()
        conn.execute("SET ROLE sg_app")
        conn.execute("CREATE TEMP TABLE t (s status)")  # USAGE granted
        conn.rollback()
        conn.execute("INSERT INTO billing.invoices VALUES (1, 'eur'), (2, 'usd'), (3, 'eur')")
        conn.execute("SET ROLE sg_reporting")  # the policy in billing filters its rows
        assert conn.execute("SELECT id FROM billing.invoices ORDER BY id").fetchall() == [(1,), (3,)]
        conn.rollback()


@pytest.mark.parametrize("name", sorted(CASES))
def test_schema_and_type_grant_drift_is_reported_and_fixed(built: str, pg: LocalServer, run_cli, project: Path,
                                                          name: str) -> None:
    sql, expected = CASES[name]
    with clone(pg.url(), built) as url:
        execute(url, sql)
        result = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=project)
        assert result.code == 2, result.output
        found = {(c["kind"], c["name"], c["action"]) for c in json.loads(result.stdout)["changes"]}
        assert found == expected, result.stdout
        script = converge(run_cli, url, pg.url(), cwd=project)
        assert any(line.startswith(("GRANT", "REVOKE", "CREATE POLICY", "ALTER TABLE")) for line in script.splitlines())


def test_a_database_without_search_path_converges(built: str, pg: LocalServer, run_cli, project: Path) -> None:
    with clone(pg.url(), built) as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            name = conn.execute("SELECT current_database()").fetchone()[0]
            conn.execute(f"ALTER DATABASE \"{name}\" SET search_path = ''")
        execute(url, "REVOKE USAGE ON TYPE billing.currency FROM sg_app; GRANT USAGE ON TYPE public.pair TO sg_app; "
                     "REVOKE CREATE ON SCHEMA public FROM sg_app; DROP POLICY euro_only ON billing.invoices; "
                     "REVOKE SELECT ON billing.invoices FROM sg_reporting")
        result = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=project)
        found = {(c["kind"], c["name"]) for c in json.loads(result.stdout)["changes"]}
        assert found == {("grant", "type billing.currency"), ("grant", "type pair"), ("grant", "schema public"),
                         ("policy", "billing.invoices.euro_only"), ("grant", "table billing.invoices")}
        converge(run_cli, url, pg.url(), cwd=project)


NO_ROLE_SPEC = """\
version: 1
settings: {require_comments: false}
enums:
  status: {values: [open, closed]}
tables:
  jobs:
    columns:
      id: {type: bigint, primary_key: true}
      status: {type: status}
"""


def test_a_spec_without_grants_leaves_schema_and_type_privileges_alone(run_cli, pg: LocalServer, tmp_path: Path) -> None:
    """PostgreSQL's own grants (USAGE on public and on types to PUBLIC, CREATE on public in a
    database from an older cluster) and an operator's do not make a spec that names no role
    manage privileges."""
    project = copy_project(tmp_path / "noroles", NO_ROLE_SPEC)
    with scratch_database(pg.url(), prefix="drift_sgrants") as url:
        converge(run_cli, url, pg.url(), cwd=project)
        execute(url, "GRANT CREATE ON SCHEMA public TO PUBLIC; REVOKE USAGE ON TYPE status FROM PUBLIC")
        result = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=project)
        assert result.code == 0, result.stdout
