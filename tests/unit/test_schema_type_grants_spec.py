"""Schema grants and USAGE grants on enums, domains, composite types and partitions in the
spec (generator/spec/access.py): the checks at the spec's line and column, and the DDL
(whole lists: PUBLIC's default revoked first; names qualified). No server:
tests/drift/test_schema_type_grants_drift.py builds them."""

from __future__ import annotations

from generator.errors import SpecError
from generator.schema.ddl import ddl_script
from generator.spec import parse_spec

BASE = """\
version: 1
settings: {require_comments: false}
roles: [app_user]
schemas:
  billing:
    grants: [{role: app_user, privileges: [all]}]
  public:
    grants: [{role: app_user, privileges: [usage]}]
enums:
  billing.currency: {values: [eur], grants: [{role: app_user, privileges: [usage]}]}
domains:
  amount: {type: integer, grants: []}
types:
  pair: {composite: {a: {type: integer}}, grants: [{role: public, privileges: [all]}]}
tables:
  events:
    columns:
      id: {type: bigint, nullable: false}
    primary_key: [id]
    partition_by: {range: [id]}
    partitions:
      events_low:
        bound: "FOR VALUES FROM (0) TO (100)"
        grants: [{role: app_user, privileges: [select]}]
"""


def problems(text: str) -> list[tuple[int, int, str]]:
    try:
        parse_spec(text)
    except SpecError as exc:
        return [(p.line, p.column, p.message) for p in exc.problems]
    return []


def test_the_ddl_revokes_public_s_default_then_grants_the_list() -> None:
    ddl = ddl_script(parse_spec(BASE))
    tail = ddl[ddl.index('REVOKE ALL ON SCHEMA "billing" FROM PUBLIC'):]
    assert tail == [
        'REVOKE ALL ON SCHEMA "billing" FROM PUBLIC',
        'GRANT USAGE, CREATE ON SCHEMA "billing" TO "app_user"',
        'REVOKE ALL ON SCHEMA "public" FROM PUBLIC',
        'GRANT USAGE ON SCHEMA "public" TO "app_user"',
        'REVOKE ALL ON TYPE "billing"."currency" FROM PUBLIC',
        'GRANT USAGE ON TYPE "billing"."currency" TO "app_user"',
        'REVOKE ALL ON TYPE "amount" FROM PUBLIC',
        'REVOKE ALL ON TYPE "pair" FROM PUBLIC',
        'GRANT USAGE ON TYPE "pair" TO PUBLIC',
    ]
    assert 'GRANT SELECT ON TABLE "events_low" TO "app_user"' in ddl
    assert ddl.index('GRANT SELECT ON TABLE "events_low" TO "app_user"') > next(
        i for i, s in enumerate(ddl) if "PARTITION OF" in s)


def test_privileges_a_schema_or_type_does_not_have_are_reported_at_their_line() -> None:
    text = BASE.replace("grants: [{role: app_user, privileges: [usage]}]\nenums",
                        "grants: [{role: app_user, privileges: [select]}]\nenums").replace(
        "  amount: {type: integer, grants: []}", "  amount: {type: integer, grants: [{role: app_user, privileges: [execute]}]}")
    found = problems(text)
    assert (8, 43, "schema public: privilege 'select' does not apply (allowed: usage, create, all)") in found, found
    assert (12, 65, "type amount: privilege 'execute' does not apply (allowed: usage, all)") in found, found


def test_an_unlisted_role_and_a_column_grant_on_a_schema_are_refused() -> None:
    found = problems(BASE.replace("grants: [{role: app_user, privileges: [usage]}]\nenums",
                                  "grants: [{role: nobody, privileges: [usage], columns: [x]}]\nenums"))
    messages = [m for _l, _c, m in found]
    assert "role 'nobody' is not listed under roles: (add it there; `public` means PUBLIC)" in messages, found
    assert "schema public: column grants apply to tables and views only" in messages, found
