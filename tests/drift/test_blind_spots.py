"""What `schemactl diff` does not see, and what only migra sees, pinned down on PostgreSQL 17.

UNSEEN: drift that neither migra nor the catalog compares; the diff exits 0. These are the
"Not compared" list of docs/drift.md and `diff --help` (generator.drift.report.UNCHECKED).
If one of them starts failing, the engine learned something: move it out of the list.

MIGRA_ONLY: drift the catalog does not snapshot but migra finds; it must still be reported
as a named change (exit 2), and its SQL must repair it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from drift_corpus import Case, drifted, execute
from drift_helpers import apply_script

from generator.pg.server import LocalServer

ROLE = "drift_probe_role"

# grants, default privileges, row-level security and policies are compared by the catalog
# since issue 17 (generator.pg.catalog_access): tests/drift/test_access_drift.py
UNSEEN = {
    "owner": f"ALTER TABLE users OWNER TO {ROLE}",
    # our schema.yaml names no role and grants nothing, so it manages no privileges
    # (catalog_access.AccessState.manages_privileges; a spec that does: test_access_drift.py)
    "grant": f"GRANT SELECT ON users TO {ROLE}",
    "default_privileges": f"ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO {ROLE}",
    "table_fillfactor": "ALTER TABLE users SET (fillfactor = 70)",
    "column_storage": "ALTER TABLE users ALTER COLUMN display_name SET STORAGE EXTERNAL",
    "statistics_target": "ALTER TABLE users ALTER COLUMN email SET STATISTICS 500",
    "extended_statistics": "CREATE STATISTICS st_users ON status, role FROM users",
    "replica_identity": "ALTER TABLE users REPLICA IDENTITY FULL",
    "sequence_value": "SELECT setval(pg_get_serial_sequence('audit_logs', 'id'), 1000)",
    "index_comment": "COMMENT ON INDEX ix_users_status IS 'x'",
    "constraint_comment": "COMMENT ON CONSTRAINT ck_machines_axes_range ON machines IS 'x'",
    "database_setting": "DO $$BEGIN EXECUTE format('ALTER DATABASE %I SET work_mem = %L', current_database(), '64MB'); END$$",
    "publication": "CREATE PUBLICATION drift_probe_pub FOR TABLE users",
    "column_order": (
        "ALTER TABLE tools DROP COLUMN coating; ALTER TABLE tools ADD COLUMN coating text; "
        "COMMENT ON COLUMN tools.coating IS 'Coating (e.g. TiAlN, AlCrN, DLC); NULL if uncoated.'"
    ),
}

MIGRA_ONLY = {
    "unlogged": ("ALTER TABLE notifications SET UNLOGGED", ("table", "notifications", "changed")),
}


@pytest.fixture(scope="module")
def probe_role(pg17: LocalServer) -> Iterator[str]:
    execute(pg17.url(), f"DROP ROLE IF EXISTS {ROLE}; CREATE ROLE {ROLE}")
    yield ROLE
    execute(pg17.url(), f"DROP ROLE IF EXISTS {ROLE}")


@pytest.mark.parametrize("name", sorted(UNSEEN))
def test_not_compared(run_cli, pg17: LocalServer, head17: str, probe_role: str, name: str) -> None:
    case = Case(name, "probe", UNSEEN[name], (("probe", name, "none"),))
    with drifted(pg17.url(), head17, case) as url:
        result = run_cli("diff", "--db", url, "--dev-db", pg17.url(), "--format", "json")
    assert result.code == 0, f"{name} is detected now; update UNCHECKED and docs/drift.md: {result.stdout}"


def test_a_disabled_guard_trigger_is_seen_by_the_catalog(run_cli, pg17: LocalServer, head17: str) -> None:
    """tgenabled is compared by the catalog since issue 17 (migra alone saw it before)."""
    sql = "ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only_row"
    case = Case("trigger_disabled", "probe", sql, (("trigger", "audit_logs.audit_logs_append_only_row", "changed"),))
    with drifted(pg17.url(), head17, case) as url:
        result = run_cli("diff", "--db", url, "--dev-db", pg17.url(), "--format", "json")
        assert result.code == 2, result.output
        changes = json.loads(result.stdout)["changes"]
        assert [(c["kind"], c["name"], c["action"], c["detail"]) for c in changes] == [
            ("trigger", "audit_logs.audit_logs_append_only_row", "changed", "enabled: disabled -> origin")]
        script = run_cli("diff", "--db", url, "--dev-db", pg17.url(), "--format", "sql")
        apply_script(url, script.stdout)
        assert run_cli("diff", "--db", url, "--dev-db", pg17.url()).code == 0


@pytest.mark.parametrize("name", sorted(MIGRA_ONLY))
def test_seen_by_migra_only_is_reported_and_fixed(run_cli, pg17: LocalServer, head17: str, name: str) -> None:
    sql, expected = MIGRA_ONLY[name]
    case = Case(name, "probe", sql, (expected,))
    with drifted(pg17.url(), head17, case) as url:
        result = run_cli("diff", "--db", url, "--dev-db", pg17.url(), "--format", "json")
        assert result.code == 2, result.output
        changes = json.loads(result.stdout)["changes"]
        assert [(c["kind"], c["name"], c["action"]) for c in changes] == [expected]
        assert changes[0]["detail"].startswith("seen by migra only: ")
        script = run_cli("diff", "--db", url, "--dev-db", pg17.url(), "--format", "sql")
        apply_script(url, script.stdout)
        assert run_cli("diff", "--db", url, "--dev-db", pg17.url()).code == 0
