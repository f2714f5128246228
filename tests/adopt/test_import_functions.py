"""`schemactl import` of functions, procedures, aggregates and table triggers, on every server
of SCHEMACTL_TEST_PG: a database written by hand with most of their attributes imports with
nothing skipped, the round trip proven (validate, drift engine equal, pg_dump byte-equal)."""

from __future__ import annotations

import psycopg
import yaml

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

SQL = r"""
CREATE TABLE jobs (id bigint PRIMARY KEY, status text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();  -- 50% of the time, it's $ money
  RETURN NEW;
END $$;
COMMENT ON FUNCTION touch() IS 'Keeps updated_at.';
CREATE FUNCTION job_count(min_id bigint DEFAULT 0, OUT n bigint) LANGUAGE sql STABLE STRICT SECURITY DEFINER
  PARALLEL SAFE COST 5 SET search_path = pg_catalog, public AS 'SELECT count(*) FROM public.jobs WHERE id >= min_id';
CREATE FUNCTION jobs_since(since timestamptz) RETURNS SETOF jobs LANGUAGE sql ROWS 10
  AS 'SELECT * FROM public.jobs WHERE updated_at >= since';
CREATE FUNCTION statuses() RETURNS TABLE(status text, n bigint) LANGUAGE sql
  AS 'SELECT status, count(*) FROM public.jobs GROUP BY status';
CREATE FUNCTION rewards_for_customers_with_long_argument_names(min_monthly_purchases integer,
  min_dollar_amount_purchased numeric) RETURNS SETOF jobs LANGUAGE plpgsql SECURITY DEFINER
  AS $$BEGIN RETURN QUERY SELECT * FROM public.jobs WHERE id > min_monthly_purchases; END$$;
CREATE PROCEDURE archive(IN n integer) LANGUAGE plpgsql AS $$BEGIN DELETE FROM public.jobs WHERE id < n; END$$;
CREATE FUNCTION _concat(text, text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$BEGIN RETURN $1 || $2; END$$;
CREATE AGGREGATE concat_all(text) (SFUNC = _concat, STYPE = text, INITCOND = '');
CREATE AGGREGATE cat_all(text) (SFUNC = textcat, STYPE = text);
CREATE TRIGGER jobs_touch BEFORE UPDATE OF status ON jobs FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION touch();
COMMENT ON TRIGGER jobs_touch ON jobs IS 'On status change.';
CREATE TRIGGER jobs_gone AFTER DELETE ON jobs REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
  EXECUTE FUNCTION touch('it''s', '50%');
ALTER TABLE jobs DISABLE TRIGGER jobs_gone;
CREATE CONSTRAINT TRIGGER jobs_late AFTER INSERT ON jobs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION touch();
"""


def test_functions_aggregates_and_triggers_round_trip(pg: LocalServer, run_cli, tmp_path) -> None:
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(SQL)  # type: ignore[arg-type]
        out = tmp_path / "schema.yaml"
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(out), cwd=tmp_path)
        assert run.code == 0, run.output
        assert "round trip proven" in run.stderr and "skipped" not in run.stderr
        data = yaml.safe_load(out.read_text(encoding="utf-8"))
        again = run_cli("diff", "--db", url, "--dev-db", pg.url(), cwd=tmp_path)
        assert again.code == 0, again.output
    fns = data["functions"]
    assert sorted(fns) == ["_concat", "archive", "job_count", "jobs_since", "rewards_for_customers_with_long_argument_names",
                           "statuses", "touch"]
    # SECURITY DEFINER without SET search_path, as sample databases have it: written as found;
    # the identity (name and arguments) is over 63 bytes and must not be cut (it was, so the
    # function's default EXECUTE read as revoked: grants: [])
    rewards = fns["rewards_for_customers_with_long_argument_names"]
    assert rewards["caller_search_path"] is True and "search_path" not in rewards and "grants" not in rewards
    assert fns["touch"]["body"].startswith("\nBEGIN\n  NEW.updated_at := now();  -- 50% of the time")
    assert fns["job_count"]["security"] == "definer" and fns["job_count"]["search_path"]
    assert fns["archive"]["kind"] == "procedure"
    assert data["aggregates"]["cat_all"]["sfunc"] == "textcat"
    triggers = {t["name"]: t for t in data["tables"]["jobs"]["triggers"]}
    assert triggers["jobs_gone"]["enabled"] == "disabled" and triggers["jobs_gone"]["arguments"] == ["it's", "50%"]
    assert triggers["jobs_late"]["constraint"] is True and triggers["jobs_touch"]["columns"] == ["status"]
