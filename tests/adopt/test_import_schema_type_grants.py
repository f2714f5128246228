"""schemactl import of schema grants, of USAGE grants on enums, domains and composite
types, of a partition's own grants and of a table's grants in another schema (issue 17
item 4, the rest), on every server of SCHEMACTL_TEST_PG: written under
`schemas:` and on each type, the roles they name under `roles:`, the round trip proven, and
the written spec, built again, diffs clean against the source database."""

from __future__ import annotations

from pathlib import Path

import psycopg
import yaml

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

SQL = """
DO $$BEGIN CREATE ROLE imp_sg_app NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
DO $$BEGIN CREATE ROLE imp_sg_ro NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
CREATE SCHEMA billing;
COMMENT ON SCHEMA billing IS 'Invoices.';
GRANT USAGE ON SCHEMA billing TO imp_sg_ro;
GRANT USAGE, CREATE ON SCHEMA billing TO imp_sg_app WITH GRANT OPTION;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CREATE ON SCHEMA public TO imp_sg_app;
CREATE TYPE status AS ENUM ('open', 'closed');
REVOKE USAGE ON TYPE status FROM PUBLIC;
GRANT USAGE ON TYPE status TO imp_sg_app;
CREATE TYPE billing.currency AS ENUM ('eur', 'usd');
GRANT USAGE ON TYPE billing.currency TO imp_sg_ro;
CREATE DOMAIN amount AS numeric(12,2) CONSTRAINT amount_positive CHECK (VALUE >= 0);
REVOKE USAGE ON DOMAIN amount FROM PUBLIC;
CREATE TYPE pair AS (a integer, b text);
GRANT USAGE ON TYPE pair TO imp_sg_ro;
CREATE TABLE jobs (id bigint PRIMARY KEY, status status, price amount, p pair);
CREATE TABLE billing.invoices (id bigint PRIMARY KEY, currency billing.currency);
GRANT SELECT ON billing.invoices TO imp_sg_ro;
GRANT UPDATE (currency) ON billing.invoices TO imp_sg_app;
CREATE TABLE events (id bigint NOT NULL, day date NOT NULL, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
GRANT SELECT ON events TO imp_sg_ro;
GRANT SELECT, INSERT ON events_2026 TO imp_sg_app;
"""


def test_schema_and_type_grants_round_trip(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(SQL)  # type: ignore[arg-type]
        out = tmp_path / "schema.yaml"
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(out), cwd=tmp_path)
        assert run.code == 0, run.output
        assert "round trip proven" in run.stderr
        spec = yaml.safe_load(out.read_text(encoding="utf-8"))
        assert spec["roles"] == ["imp_sg_app", "imp_sg_ro"]
        assert spec["schemas"] == {
            "public": {"grants": [{"role": "public", "privileges": ["usage"]},
                                  {"role": "imp_sg_app", "privileges": ["create"]}]},
            "billing": {"comment": "Invoices.",
                        "grants": [{"role": "imp_sg_ro", "privileges": ["usage"]},
                                   {"role": "imp_sg_app", "privileges": ["usage", "create"], "with_grant_option": True}]},
        }
        assert spec["enums"]["status"]["grants"] == [{"role": "imp_sg_app", "privileges": ["usage"]}]
        assert spec["enums"]["billing.currency"]["grants"] == [
            {"role": "public", "privileges": ["usage"]}, {"role": "imp_sg_ro", "privileges": ["usage"]}]
        assert spec["domains"]["amount"]["grants"] == []  # PUBLIC's USAGE revoked, nobody else holds it
        assert spec["types"]["pair"]["grants"] == [
            {"role": "public", "privileges": ["usage"]}, {"role": "imp_sg_ro", "privileges": ["usage"]}]
        assert spec["tables"]["events"]["grants"] == [{"role": "imp_sg_ro", "privileges": ["select"]}]
        assert spec["tables"]["events"]["partitions"]["events_2026"]["grants"] == [
            {"role": "imp_sg_app", "privileges": ["select", "insert"]}]
        assert spec["tables"]["billing.invoices"]["grants"] == [
            {"role": "imp_sg_ro", "privileges": ["select"]},
            {"role": "imp_sg_app", "privileges": ["update"], "columns": ["currency"]}]
        assert "unmanaged" not in spec
        diff = run_cli("diff", "--db", url, "--dev-db", pg.url(), cwd=tmp_path)
        assert diff.code == 0, diff.output


def test_default_grants_write_nothing(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    """PostgreSQL's own grants (USAGE on public and on types to PUBLIC) are not written."""
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("CREATE TYPE status AS ENUM ('open'); CREATE TABLE jobs (id bigint PRIMARY KEY, s status)")
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), cwd=tmp_path)
        assert run.code == 0, run.output
        spec = yaml.safe_load(run.stdout)
        assert "schemas" not in spec and "roles" not in spec
        assert "grants" not in spec["enums"]["status"]
