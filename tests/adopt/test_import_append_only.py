"""``schemactl import`` writes ``append_only: true`` back (issue 17 item 3): a table whose
guard function and both triggers are exactly what the spec builds (generator.spec.append_only)
gets the flag, not the function and triggers; the round trip holds and diff is clean. A
function under the guard's name with another body is not the guard: the table is written
without the flag and the function is left out (reserved name). On every server of
SCHEMACTL_TEST_PG."""

from __future__ import annotations

from pathlib import Path

import psycopg
import yaml

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer
from generator.schema import guards

REPO = Path(__file__).resolve().parents[2]
TABLE = "CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL);"


def _import(pg: LocalServer, run_cli, tmp_path: Path, ddl: list[str], *more: str) -> tuple[object, dict, str]:
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            for sql in ddl:
                conn.execute(sql)  # type: ignore[arg-type]
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(tmp_path / "schema.yaml"), *more,
                      cwd=tmp_path)
        diff = run_cli("diff", "--db", url, "--dev-db", pg.url(), cwd=tmp_path) if run.code == 0 else None
        text = (tmp_path / "schema.yaml").read_text() if run.code == 0 else ""
    return run, {"diff": diff}, text


def test_the_guard_is_written_back_as_append_only(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    # the statements of the older op (revision 0005): what a database migrated by the chain holds
    run, extra, text = _import(pg, run_cli, tmp_path, [TABLE, *guards.append_only_create("events")])
    assert run.code == 0, run.output
    assert "round trip proven" in run.stderr
    spec = yaml.safe_load(text)
    assert spec["tables"]["events"]["append_only"] is True
    assert "triggers" not in spec["tables"]["events"]
    assert "functions" not in spec and "unmanaged" not in spec, text
    assert extra["diff"].code == 0, extra["diff"].output


def test_a_function_under_the_guard_name_is_not_the_guard(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    ddl = [TABLE, "CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$",
           "CREATE TRIGGER events_append_only_row BEFORE UPDATE OR DELETE ON events FOR EACH ROW "
           "EXECUTE FUNCTION events_append_only()"]
    refused, _extra, _text = _import(pg, run_cli, tmp_path, ddl)
    assert refused.code == 1
    assert "function public.events_append_only(): named like the spec's own append-only" in refused.stderr
    assert "trigger public.events.events_append_only_row: named like the spec's own append-only" in refused.stderr
    run, extra, text = _import(pg, run_cli, tmp_path, ddl, "--skip-unsupported")
    assert run.code == 0, run.output
    assert extra["diff"].code == 0, extra["diff"].output
    spec = yaml.safe_load(text)
    assert "append_only" not in spec["tables"]["events"]
    assert "events_append_only" not in (spec.get("functions") or {})
    assert "triggers" not in spec["tables"]["events"]


def test_the_committed_chain_head_imports_whole_with_its_guards(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    """The database our own chain builds imports with nothing skipped and the round trip
    proven: revision 0005's guard (the older op) reads back as append_only: true, the hash-chain
    guard as hash_chain: (it was unsupported), the BETWEEN CHECK of artefacts parses back into
    the same tree (generator.adopt.stable_boolean: it differed in pg_dump), alembic_version is
    left out by itself (validate refused it); diff then finds the spec in sync."""
    from generator.migrate import api as migrate

    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        migrate.upgrade(REPO, url, "head")
        out = tmp_path / "schema.yaml"
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(out), cwd=tmp_path)
        assert run.code == 0, run.output
        assert "round trip proven; 1 object skipped" in run.stderr, run.stderr  # alembic_version, listed at the top
        again = run_cli("diff", "--db", url, "--dev-db", pg.url(), cwd=tmp_path)
        assert again.code == 0, again.output
    text = out.read_text()
    spec = yaml.safe_load(text)
    audit = spec["tables"]["audit_logs"]
    assert audit["append_only"] is True
    assert audit["hash_chain"] == {"scope": ["scope_type", "scope_id"], "prev": "prev_chain_hash", "hash": "chain_hash"}
    assert "audit_logs_append_only" not in spec.get("functions", {})
    assert not any(t["name"].startswith("audit_logs_") for t in audit.get("triggers", ()))
    assert "audit_logs_append_only" not in text and "audit_logs_chain_guard" not in text  # nor listed as skipped
    assert "alembic_version" not in spec["tables"] and "table public.alembic_version (Alembic's revision table" in text
    check = next(c["sql"] for c in spec["tables"]["artefacts"]["checks"] if c["name"] == "ck_artefacts_s3_key_format")
    assert "::boolean AND" in check
