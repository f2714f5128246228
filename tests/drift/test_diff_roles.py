"""Issue 13.8: `schemactl diff` with the roles CI really uses, on a real server.

- a read-only CI role (CONNECT only) on the live database: the fix script has exactly the
  statements of the drift, no `set check_function_bodies = off` counted as one;
- a dev role without CREATEDB: reading the spec's database that another user built gives no
  false drift (migra cannot read the function's definition there), and when the spec's
  database must be built, one line names the missing privilege (exit 1)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from drift_corpus import clone, execute
from drift_helpers import drop_cached_specs, execute_autocommit

from generator.pg.server import LocalServer, free_port


def as_user(url: str, user: str) -> str:
    return url.replace("postgres@", f"{user}@", 1)  # the test servers trust every local user


@pytest.fixture
def roles(pg: LocalServer) -> Iterator[tuple[str, str]]:
    """(ci, dev): a login role with CONNECT only, and one without CREATEDB."""
    n = free_port()
    ci, dev = f"ci_ro_{n}", f"dev_nocreatedb_{n}"
    execute_autocommit(pg.url(), f"CREATE ROLE {ci} LOGIN", f"CREATE ROLE {dev} LOGIN NOCREATEDB")
    yield ci, dev
    execute_autocommit(pg.url(), f"DROP ROLE {ci}", f"DROP ROLE {dev}")


@pytest.fixture
def drifted(pg: LocalServer, head: str) -> Iterator[str]:
    with clone(pg.url(), head, prefix="drift_roles") as url:
        execute(url, "ALTER TABLE users ADD COLUMN nickname text; COMMENT ON TABLE users IS 'x';")
        yield url


def test_read_only_ci_role_gets_only_the_fixing_statements(run_cli, pg: LocalServer, drifted: str, roles) -> None:
    ci, _ = roles
    result = run_cli("diff", "--db", as_user(drifted, ci), "--dev-db", pg.url(), "-f", "json")
    assert result.code == 2, result.output
    report = json.loads(result.stdout)
    sql = [s["sql"] for s in report["statements"]]
    assert len(sql) == 2, sql
    assert sql[0].startswith('alter table "public"."users" drop column "nickname"')
    assert sql[1].startswith('COMMENT ON TABLE "public"."users"')
    assert report["preamble"] == []
    script = run_cli("diff", "--db", as_user(drifted, ci), "--dev-db", pg.url(), "-f", "sql").stdout
    assert "check_function_bodies" not in script and "-- 2 statements, 1 destructive." in script


def test_dev_role_without_createdb_reads_the_cached_spec_without_false_drift(
    run_cli, pg: LocalServer, head: str, roles
) -> None:
    _, dev = roles
    assert run_cli("diff", "--db", head, "--dev-db", pg.url()).code == 0  # the spec's database, cached by postgres
    result = run_cli("diff", "--db", head, "--dev-db", as_user(pg.url(), dev))
    assert result.code == 0, result.output
    assert "audit_logs_append_only" not in result.output and "in_sync" in result.stderr


def test_dev_role_without_createdb_that_must_build_names_the_privilege(
    run_cli, pg: LocalServer, head: str, roles
) -> None:
    _, dev = roles
    drop_cached_specs(pg.url())
    result = run_cli("diff", "--db", head, "--dev-db", as_user(pg.url(), dev))
    assert result.code == 1, result.output
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert [ln for ln in result.stderr.splitlines() if ln.startswith(("error:", "hint:"))] == [
        "error: the dev database user cannot create databases",
        "hint: grant CREATEDB or point --dev-db / SCHEMACTL_DEV_DATABASE_URL at a server where it can",
    ]
