"""Row-level security, policies, grants and default privileges through `schemactl diff`, on
every server of SCHEMACTL_TEST_PG (the tests/drift/test_functions_drift.py pattern).

A small project whose spec enables and forces RLS on a table, has a permissive and a
restrictive policy (one with a comment), table, column, sequence, view and function grants,
and default privileges. Its database is built from the spec's own DDL, drifted by each case's
SQL; `diff -f json` must report exactly the expected changes, and `diff -f sql`, applied as
``psql -v ON_ERROR_STOP=1 -f`` does, must bring it back. The policy really filters rows: a
NOLOGIN role (SET ROLE) sees only its tenant's rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from checkout import copy_project
from drift_corpus import execute
from drift_helpers import apply_script
from psqlrun import build_with_ddl, drift_report

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

SPEC = """\
version: 1
settings: {require_comments: false}
roles: [rls_app_user, rls_reporting]
functions:
  current_tenant:
    language: sql
    volatility: stable
    returns: bigint
    body: "SELECT nullif(current_setting('app.tenant', true), '')::bigint"
    grants:
      - {role: rls_app_user, privileges: [execute]}
sequences:
  ticket_no: {grants: [{role: rls_app_user, privileges: [usage, select]}]}
tables:
  jobs:
    columns:
      id: {type: bigint, primary_key: true}
      tenant_id: {type: bigint, nullable: false}
      status: {type: text}
    rls: {enabled: true, forced: true}
    policies:
      - name: tenant_isolation
        roles: [rls_app_user]
        using: "tenant_id = current_tenant()"
        with_check: "tenant_id = current_tenant()"
        comment: "One tenant per session."
      - name: no_closed
        as: restrictive
        command: select
        using: "status IS DISTINCT FROM 'closed'"
    grants:
      - {role: rls_reporting, privileges: [select]}
      - {role: rls_app_user, privileges: [select, insert, delete]}
      - {role: rls_app_user, privileges: [update], columns: [status], with_grant_option: true}
views:
  open_jobs:
    sql: "SELECT id, tenant_id FROM jobs WHERE status = 'open'"
    grants: [{role: rls_reporting, privileges: [select]}, {role: rls_app_user, privileges: [select]}]
default_privileges:
  - {schema: public, on: tables, role: rls_reporting, privileges: [select]}
"""

CASES = {
    "rls_disabled": ("ALTER TABLE jobs DISABLE ROW LEVEL SECURITY", {("row level security", "jobs", "changed")}),
    "rls_not_forced": ("ALTER TABLE jobs NO FORCE ROW LEVEL SECURITY", {("row level security", "jobs", "changed")}),
    "policy_added": ("DROP POLICY no_closed ON jobs", {("policy", "jobs.no_closed", "added")}),
    "policy_removed": ("CREATE POLICY extra ON jobs FOR DELETE USING (false)", {("policy", "jobs.extra", "removed")}),
    "policy_changed": (
        "ALTER POLICY tenant_isolation ON jobs TO PUBLIC USING (true)", {("policy", "jobs.tenant_isolation", "changed")},
    ),
    "policy_comment_changed": (
        "COMMENT ON POLICY tenant_isolation ON jobs IS 'other'",
        {("comment", "policy jobs.tenant_isolation", "changed")},
    ),
    "grant_added": ("REVOKE SELECT ON jobs FROM rls_reporting", {("grant", "table jobs", "changed")}),
    "grant_removed": ("GRANT TRUNCATE ON jobs TO rls_reporting", {("grant", "table jobs", "changed")}),
    "column_grant_changed": (
        "REVOKE UPDATE (status) ON jobs FROM rls_app_user; GRANT UPDATE (status) ON jobs TO rls_app_user",
        {("grant", "table jobs", "changed")},
    ),
    "sequence_grant_removed": ("REVOKE USAGE ON SEQUENCE ticket_no FROM rls_app_user", {("grant", "sequence ticket_no", "changed")}),
    "view_grant_extra": ("GRANT UPDATE ON open_jobs TO rls_app_user", {("grant", "view open_jobs", "changed")}),
    "view_recreated_keeps_its_grants": (  # the fix drops and creates the view: its grants come back
        "DROP VIEW open_jobs; CREATE VIEW open_jobs AS SELECT id, tenant_id::text AS tenant_id FROM jobs "
        "WHERE status = 'open'; GRANT SELECT ON open_jobs TO rls_reporting, rls_app_user",
        {("view", "open_jobs", "changed")},
    ),
    "function_public_execute": (
        "GRANT EXECUTE ON FUNCTION current_tenant() TO PUBLIC", {("grant", "function current_tenant()", "changed")},
    ),
    "default_privileges_dropped": (
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM rls_reporting",
        {("default privileges", "current role on tables in schema public", "changed")},
    ),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project", SPEC)


def test_the_spec_builds_diffs_clean_and_the_policy_filters_rows(run_cli, pg: LocalServer, project: Path) -> None:
    with scratch_database(pg.url(), prefix="drift_rls") as url:
        build_with_ddl(url, SPEC)
        clean = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=project)
        assert clean.code == 0, clean.output
        with psycopg.connect(libpq_url(url)) as conn:
            conn.execute("INSERT INTO jobs VALUES (1, 1, 'open'), (2, 1, 'closed'), (3, 2, 'open'), (4, 2, 'open')")
            assert conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'rls_app_user'").fetchone() == (False,)
            conn.execute("SET ROLE rls_app_user")
            conn.execute("SET app.tenant = '2'")
            assert conn.execute("SELECT count(*) FROM jobs").fetchone() == (2,)  # tenant 2's rows only
            conn.execute("SET app.tenant = '1'")
            assert conn.execute("SELECT id FROM jobs").fetchall() == [(1,)]  # the restrictive policy hides closed
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("INSERT INTO jobs VALUES (5, 2, 'open')")  # WITH CHECK: not this tenant
            conn.rollback()


@pytest.mark.parametrize("name", sorted(CASES))
def test_access_drift_is_reported_and_fixed(run_cli, pg: LocalServer, project: Path, name: str) -> None:
    sql, expected = CASES[name]
    with scratch_database(pg.url(), prefix="drift_rls") as url:
        build_with_ddl(url, SPEC)
        execute(url, sql)
        drift_report(run_cli, url, pg.url(), expected, cwd=project)
        script = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "sql", cwd=project)
        assert script.code == 2
        apply_script(url, script.stdout)
        again = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=project)
        assert again.code == 0, (script.stdout, json.loads(again.stdout)["changes"])


def test_a_role_missing_on_the_target_server_is_reported_with_a_commented_create_role(
        run_cli, pg17: LocalServer, pg18: LocalServer, project: Path) -> None:
    """Roles are cluster-wide: the dev server (18 here) has the spec's roles, created NOLOGIN
    by the build; a target server (17) without one gets a `role` change and a commented
    CREATE ROLE, never the statement itself (the operator decides)."""
    spec = SPEC.replace("roles: [rls_app_user, rls_reporting]", "roles: [rls_app_user, rls_reporting, rls_auditor]").replace(
        "      - {role: rls_app_user, privileges: [update], columns: [status], with_grant_option: true}\n",
        "      - {role: rls_app_user, privileges: [update], columns: [status], with_grant_option: true}\n"
        "      - {role: rls_auditor, privileges: [select]}\n")
    (project / "schema.yaml").write_text(spec, encoding="utf-8")
    with scratch_database(pg17.url(), prefix="drift_rls") as url:
        build_with_ddl(url, SPEC)
        execute(pg17.url(), "DROP ROLE IF EXISTS rls_auditor")
        result = run_cli("diff", "--db", url, "--dev-db", pg18.url(), "-f", "json", cwd=project)
        assert result.code == 2, result.output
        found = {(c["kind"], c["name"], c["action"]) for c in json.loads(result.stdout)["changes"]}
        assert found == {("role", "rls_auditor", "added"), ("grant", "table jobs", "changed")}
        script = run_cli("diff", "--db", url, "--dev-db", pg18.url(), "-f", "sql", cwd=project).stdout
        assert '-- CREATE ROLE "rls_auditor" NOLOGIN;' in script.splitlines()
        assert not any(line.startswith("CREATE ROLE") for line in script.splitlines())
        with psycopg.connect(libpq_url(pg17.url())) as conn:
            assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'rls_auditor'").fetchone() == (0,)


def test_a_dev_role_that_cannot_create_a_named_role_gets_one_line(run_cli, pg: LocalServer, project: Path) -> None:
    """The spec's build creates a missing role NOLOGIN; a dev user without CREATEROLE is told
    which role and how to fix it, in one line (exit 1), not PostgreSQL's error on a DO block."""
    from drift_helpers import execute_autocommit

    from generator.pg.server import free_port

    n = free_port()
    dev, missing = f"rls_dev_nocreaterole_{n}", f"rls_missing_{n}"
    (project / "schema.yaml").write_text(SPEC.replace("roles: [rls_app_user, rls_reporting]",
                                                      f"roles: [rls_app_user, rls_reporting, {missing}]"), encoding="utf-8")
    execute_autocommit(pg.url(), f"CREATE ROLE {dev} LOGIN CREATEDB NOCREATEROLE", *(
        f"DO $$BEGIN CREATE ROLE {r} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$"
        for r in ("rls_app_user", "rls_reporting")))  # the roles it may find: only the missing one is refused
    try:
        with scratch_database(pg.url(), prefix="drift_rls") as url:
            result = run_cli("diff", "--db", url, "--dev-db", pg.url().replace("postgres@", f"{dev}@", 1), cwd=project)
        assert result.code == 1, result.output
        assert f"the dev database user may not create role '{missing}'" in result.stderr
        assert f'CREATE ROLE "{missing}" NOLOGIN' in result.stderr
        assert "Traceback" not in result.output
    finally:
        execute_autocommit(pg.url(), f"DROP ROLE {dev}")


def test_a_policy_postgresql_refuses_is_reported_at_its_line(run_cli, pg: LocalServer, project: Path) -> None:
    (project / "schema.yaml").write_text(SPEC.replace('using: "tenant_id = current_tenant()"',
                                                      'using: "tenant = current_tenant()"'), encoding="utf-8")
    with scratch_database(pg.url(), prefix="drift_rls") as url:
        result = run_cli("diff", "--db", url, "--dev-db", pg.url(), cwd=project)
    assert result.code == 1, result.output
    line = next(i for i, text in enumerate(SPEC.splitlines(), 1) if 'using: "tenant_id = current_tenant()"' in text)
    assert f"schema.yaml:{line}:16: PostgreSQL refused the spec (using of policy tenant_isolation on jobs): " \
           'column "tenant" does not exist' in result.output


def test_an_unmanaged_grant_entry_leaves_that_object_s_privileges_alone(run_cli, pg: LocalServer, project: Path) -> None:
    (project / "schema.yaml").write_text(SPEC + 'unmanaged: [{kind: grant, name: "TABLE public.jobs"}]\n', encoding="utf-8")
    with scratch_database(pg.url(), prefix="drift_rls") as url:
        build_with_ddl(url, SPEC)
        execute(url, "GRANT TRUNCATE ON jobs TO rls_reporting; REVOKE USAGE ON SEQUENCE ticket_no FROM rls_app_user")
        result = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=project)
        assert result.code == 2, result.output  # the sequence's grants are still managed
        report = json.loads(result.stdout)
        assert [(c["kind"], c["name"]) for c in report["changes"]] == [("grant", "sequence ticket_no")]
        assert not any("jobs" in s["sql"] for s in report["statements"]), report["statements"]


NO_ACCESS_SPEC = """\
version: 1
tables:
  jobs:
    comment: Jobs.
    columns:
      id: {type: bigint, primary_key: true, identity: always, comment: Key.}
      note: {type: text, comment: A note.}
functions:
  double_it:
    language: sql
    arguments: [{name: x, type: integer}]
    returns: integer
    body: "SELECT x * 2"
    comment: Doubles.
"""


def test_a_spec_that_names_no_role_leaves_the_databases_privileges_alone(
    run_cli, pg: LocalServer, tmp_path: Path
) -> None:
    """Grants an operator made (app and auditor roles) are not drift for a spec that manages no
    access; the same grants are drift as soon as the spec names a role."""
    project = copy_project(tmp_path / "noaccess", NO_ACCESS_SPEC)
    with scratch_database(pg.url(), prefix="drift_noacl") as url:
        first = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "sql", cwd=project)
        assert first.code == 2, first.output
        apply_script(url, first.stdout)
        execute(url, "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rls_auditor') "
                     "THEN CREATE ROLE rls_auditor NOLOGIN; END IF; END$$; "
                     "GRANT SELECT ON jobs TO rls_auditor; "
                     "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO rls_auditor")
        alone = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=project)
        assert alone.code == 0, alone.stdout
        assert any("when the spec names no role" in item for item in json.loads(alone.stdout)["unchecked"])
        execute(url, "REVOKE EXECUTE ON FUNCTION double_it(integer) FROM PUBLIC")
        assert run_cli("diff", "--db", url, "--dev-db", pg.url(), cwd=project).code == 0
        managed = NO_ACCESS_SPEC.replace("version: 1\n", "version: 1\nroles: [rls_auditor]\n").replace(
            "      note: {type: text, comment: A note.}\n",
            "      note: {type: text, comment: A note.}\n    grants: [{role: rls_auditor, privileges: [select]}]\n")
        (project / "schema.yaml").write_text(managed, encoding="utf-8")
        drift = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=project)
        assert drift.code == 2, drift.output
        found = {(c["kind"], c["name"]) for c in json.loads(drift.stdout)["changes"]}
        assert any(k == "grant" and "double_it" in n for k, n in found), found  # PUBLIC's EXECUTE revoked
        assert any(k == "default privileges" for k, _n in found), found
        assert ("grant", "table jobs") not in found, found  # the spec's grant is there
