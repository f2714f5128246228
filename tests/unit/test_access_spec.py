"""Roles, row-level security, policies, grants and default privileges in the spec
(generator/spec/access.py): the checks PostgreSQL would otherwise make at CREATE time,
reported at the spec's line and column, and the DDL with every name quoted. No server:
tests/drift/test_access_drift.py builds them (and proves a policy filters rows)."""

from __future__ import annotations

import pytest

from generator.errors import SpecError
from generator.schema.ddl import ddl_script
from generator.spec import parse_spec
from generator.spec.sql_fragments import FragmentProblem, check_fragment

BASE = """\
version: 1
settings: {require_comments: false}
roles: [app_user, reporting]
functions:
  f: {returns: integer, language: sql, body: "SELECT 1"}
sequences:
  s: {}
tables:
  jobs:
    columns:
      id: {type: bigint, primary_key: true}
      tenant_id: {type: bigint}
      status: {type: text}
"""


def problems(extra: str) -> list[tuple[int, int, str]]:
    try:
        parse_spec(BASE + extra)
    except SpecError as exc:
        return [(p.line, p.column, p.message) for p in exc.problems]
    return []


def test_a_valid_spec_builds_quoted_ddl() -> None:
    spec = parse_spec(BASE + """\
    rls: {enabled: true, forced: true}
    policies:
      - {name: tenant, as: restrictive, command: update, roles: [app_user], using: "tenant_id = 1", with_check: "tenant_id = (SELECT 1)", comment: "it's"}
    grants:
      - {role: reporting, privileges: [all]}
      - {role: public, privileges: [select]}
      - {role: app_user, privileges: [update, references], columns: [status], with_grant_option: true}
default_privileges:
  - {for_role: app_user, schema: public, on: sequences, role: reporting, privileges: [usage]}
""")
    ddl = ddl_script(spec)
    assert ddl[0].startswith("DO $schemactl_role$") and "CREATE ROLE \"app_user\" NOLOGIN" in ddl[0]
    assert ddl[-8:] == [
        'ALTER TABLE "jobs" ENABLE ROW LEVEL SECURITY',
        'ALTER TABLE "jobs" FORCE ROW LEVEL SECURITY',
        'CREATE POLICY "tenant" ON "jobs" AS RESTRICTIVE FOR UPDATE TO "app_user" USING (tenant_id = 1) '
        "WITH CHECK (tenant_id = (SELECT 1))",
        "COMMENT ON POLICY \"tenant\" ON \"jobs\" IS 'it''s'",
        'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, MAINTAIN ON TABLE "jobs" TO "reporting"',
        'GRANT SELECT ON TABLE "jobs" TO PUBLIC',
        'GRANT UPDATE ("status"), REFERENCES ("status") ON TABLE "jobs" TO "app_user" WITH GRANT OPTION',
        'ALTER DEFAULT PRIVILEGES FOR ROLE "app_user" IN SCHEMA "public" GRANT USAGE ON SEQUENCES TO "reporting"',
    ]


def test_a_function_with_grants_revokes_public_first() -> None:
    spec = parse_spec(BASE.replace('body: "SELECT 1"}', 'body: "SELECT 1", grants: [{role: app_user, privileges: [execute]}]}'))
    ddl = ddl_script(spec)
    assert ddl[-2:] == ['REVOKE ALL ON ROUTINE "f"() FROM PUBLIC', 'GRANT EXECUTE ON ROUTINE "f"() TO "app_user"']


@pytest.mark.parametrize(("extra", "expected"), [
    ("    grants: [{role: stranger, privileges: [select]}]\n",
     (14, 21, "role 'stranger' is not listed under roles: (add it there; `public` means PUBLIC)")),
    ("    grants: [{role: app_user, privileges: [execute]}]\n",
     (14, 43, "table jobs: privilege 'execute' does not apply (allowed: select, insert, update, delete, truncate, references, trigger, maintain, all)")),
    ("    grants: [{role: app_user, privileges: [delete], columns: [status]}]\n",
     (14, 43, "a column grant on jobs: privilege 'delete' does not apply (allowed: select, insert, update, references, all)")),
    ("    grants: [{role: app_user, privileges: [select], columns: [nope]}]\n",
     (14, 62, "grant on jobs: no column 'nope' in the table")),
    ("    policies: [{name: p, command: insert, using: 'true'}]\n",
     (14, 50, "policy p on jobs: an INSERT policy has only with_check (PostgreSQL refuses USING)")),
    ("    policies: [{name: p, command: select, with_check: 'true'}]\n",
     (14, 55, "policy p on jobs: a SELECT policy has only using (PostgreSQL refuses WITH CHECK)")),
    ("    policies: [{name: p, roles: [public, app_user]}]\n",
     (14, 33, "policy p on jobs: public already means every role; list it alone")),
    ("    policies: [{name: p}, {name: p}]\n",
     (14, 34, "policy p on jobs: a second policy of that name on the table")),
    ("    policies: [{name: p, using: 'pg_sleep(1) IS NULL'}]\n",
     (14, 33, "policy p on jobs: policy USING calls pg_sleep(), which reads or writes server files, runs SQL text or controls the server; such functions are not allowed in the spec")),
    ("default_privileges: [{schema: public, on: schemas, role: app_user, privileges: [usage]}]\n",
     (14, 31, "default privileges on schemas cannot be limited to a schema (PostgreSQL refuses IN SCHEMA)")),
])
def test_mistakes_are_reported_at_their_line(extra: str, expected: tuple[int, int, str]) -> None:
    assert problems(extra) == [expected]


def test_public_is_never_listed_as_a_role() -> None:
    text = BASE.replace("roles: [app_user, reporting]", "roles: [app_user, public]")
    with pytest.raises(SpecError) as exc:
        parse_spec(text)
    assert [(p.line, p.column, p.message) for p in exc.value.problems] == [
        (3, 19, "roles: public means PUBLIC (every role); do not list it")]


def test_an_unknown_privilege_is_refused_by_the_json_schema() -> None:
    found = problems("    grants: [{role: app_user, privileges: [read]}]\n")
    assert len(found) == 1 and found[0][:2] == (14, 44) and "read" in found[0][2]


@pytest.mark.parametrize("text", [
    "tenant_id IN (SELECT id FROM tenants WHERE owner = current_user)",
    "EXISTS (SELECT 1 FROM members m WHERE m.org = org_id)",
])
def test_a_policy_may_hold_a_subquery(text: str) -> None:
    check_fragment(text, "policy_using")
    check_fragment(text, "policy_check")
    with pytest.raises(FragmentProblem, match="subquery"):
        check_fragment(text, "check")  # a CHECK still may not


@pytest.mark.parametrize("text", [
    "true) WITH CHECK (true",
    "true) TO PUBLIC USING (true",
    "(SELECT 1) = 1); DROP TABLE jobs; --",
])
def test_a_policy_expression_cannot_change_the_statement_around_it(text: str) -> None:
    with pytest.raises(FragmentProblem):
        check_fragment(text, "policy_using")
