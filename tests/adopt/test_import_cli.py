"""schemactl import: -o/--force, the read-only guarantee, --baseline/--stamp, usage errors."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from test_import_corpus import load_case

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer


@pytest.fixture
def music(pg: LocalServer):
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        load_case(url, "musicstore")
        yield url


def test_output_file_is_not_overwritten_without_force(music: str, pg: LocalServer, run_cli, tmp_path: Path) -> None:
    out = tmp_path / "schema.yaml"
    out.write_text("mine\n")
    run = run_cli("import", "--db", music, "--no-verify", "-o", str(out), cwd=tmp_path)
    assert run.code == 1
    assert "error: schema.yaml exists; nothing was written" in run.stderr
    assert "--force" in run.stderr
    assert out.read_text() == "mine\n"
    forced = run_cli("import", "--db", music, "--no-verify", "-o", str(out), "--force", cwd=tmp_path)
    assert forced.code == 0, forced.output
    assert out.read_text().startswith("version: 1\n")
    assert forced.stdout == ""  # the spec went to the file; progress and the summary to stderr
    assert "NOT verified (--no-verify)" in forced.stderr


def test_json_format_is_one_document_holding_the_spec(music: str, pg: LocalServer, run_cli, tmp_path: Path) -> None:
    """-f json: stdout is exactly one document; the spec is in it (stdout) or in the file (-o)."""
    import json

    import yaml

    plain = run_cli("import", "--db", music, "--no-verify", cwd=tmp_path)
    run = run_cli("import", "--db", music, "--no-verify", "-f", "json", cwd=tmp_path)
    assert run.code == 0, run.output
    document = json.loads(run.stdout)
    assert document["status"] == "written" and document["output"] is None and document["verified"] is False
    assert document["spec"] == plain.stdout  # the same bytes as the text format's stdout
    assert sorted(document["tables"]) == sorted(yaml.safe_load(plain.stdout)["tables"])
    to_file = run_cli("import", "--db", music, "--no-verify", "-f", "json", "-o", "schema.yaml", cwd=tmp_path)
    assert to_file.code == 0, to_file.output
    document = json.loads(to_file.stdout)
    assert document["output"] == "schema.yaml" and document["spec"] is None
    assert (tmp_path / "schema.yaml").read_text() == plain.stdout
    refused = run_cli("import", "--db", music, "--no-verify", "-f", "json", "-o", "schema.yaml", cwd=tmp_path)
    assert refused.code == 1
    assert json.loads(refused.stdout)["error"]["kind"] == "config"


def test_the_source_is_only_read(music: str, pg: LocalServer, run_cli) -> None:
    """No transaction id is assigned on the source's server (any write needs one) while the
    catalog is read; the full command with its proof leaves the schema byte-identical
    (test_import_corpus checks pg_dump before and after)."""
    with psycopg.connect(libpq_url(music), autocommit=True) as conn:
        before = conn.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())").fetchone()
        run = run_cli("import", "--db", music, "--no-verify")
        after = conn.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())").fetchone()
    assert run.code == 0, run.output
    assert before == after


def test_read_only_session_refuses_writes(music: str) -> None:
    """The session import reads through cannot write, whatever the caller tries."""
    from generator.drift.engine import connect_read_only

    engine = connect_read_only(music)
    assert engine is not None
    try:
        with engine.connect() as conn:
            with pytest.raises(Exception) as caught:
                conn.exec_driver_sql("CREATE TABLE pwned_import (id int)")
            assert getattr(caught.value.orig, "sqlstate", None) == "25006"  # read_only_sql_transaction
    finally:
        engine.dispose()


def test_baseline_and_stamp_then_generate_has_nothing_to_do(music: str, pg: LocalServer, run_cli, tmp_path: Path) -> None:
    run = run_cli("import", "--db", music, "--dev-db", pg.url(), "-o", str(tmp_path / "schema.yaml"),
                  "--baseline", "-m", "baseline", "--stamp", cwd=tmp_path)
    assert run.code == 0, run.output
    revisions = sorted((tmp_path / "migrations" / "versions").glob("*.py"))
    assert [p.name for p in revisions] == ["0001_baseline.py"]
    assert (tmp_path / "alembic.ini").is_file() and (tmp_path / "migrations" / "env.py").is_file()
    with psycopg.connect(libpq_url(music)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
    check = run_cli("generate", "--check", "--dev-db", pg.url(), cwd=tmp_path)
    assert check.code == 0, check.output
    assert "no_changes" in check.stderr
    diff = run_cli("diff", "--db", music, "--dev-db", pg.url(), cwd=tmp_path)
    assert diff.code == 0, diff.output


def test_baseline_is_refused_beside_existing_revisions(music: str, pg: LocalServer, run_cli, tmp_path: Path) -> None:
    (tmp_path / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "migrations" / "versions" / "0001_x.py").write_text("revision = '0001'\n")
    run = run_cli("import", "--db", music, "--dev-db", pg.url(), "-o", str(tmp_path / "schema.yaml"),
                  "--baseline", "-m", "baseline", cwd=tmp_path)
    assert run.code == 1
    assert "already has 1 revision; nothing was written" in run.stderr
    assert not (tmp_path / "schema.yaml").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stamp"], "--stamp needs --baseline"),
        (["--baseline", "-m", "x"], "--baseline needs -o FILE and -m MSG"),
        (["--schema", "nope"], "--schema nope: no such schema in the database"),
        (["-o", "missing/schema.yaml"], "missing: no such folder; nothing was written"),
    ],
)
def test_usage_mistakes_are_one_line(args: list[str], message: str, music: str, run_cli) -> None:
    run = run_cli("import", "--db", music, "--no-verify", *args)
    assert run.code == 1
    assert f"error: {message}" in run.stderr
    assert "Traceback" not in run.output


def test_the_catalog_is_read_in_a_fixed_number_of_queries(music: str, pg: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """One query per kind, never one per table: 11 tables and 120 tables cost the same."""
    from generator.adopt.importer import read_source
    from generator.pg.introspect import QUERIES

    counted: list[str] = []
    original = psycopg.Cursor.execute

    def counting(self, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        counted.append(str(query))
        return original(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    small = read_source(music, None)
    n_small = len(counted)
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as big_url:
        monkeypatch.setattr(psycopg.Cursor, "execute", original)
        load_case(big_url, "large")
        monkeypatch.setattr(psycopg.Cursor, "execute", counting)
        counted.clear()
        big = read_source(big_url, None)
        n_big = len(counted)
        monkeypatch.setattr(psycopg.Cursor, "execute", original)
    assert len(small.relations) < 20 and len([r for r in big.relations if r.kind == "r"]) == 120
    assert n_big == n_small
    from generator.pg.catalog_access import QUERIES as ACCESS_QUERIES

    # the schema list, the session setting, the search_path pin (read as public, like the drift
    # engine); functions and triggers (introspect_functions); RLS, policies, grants, default
    # privileges and roles (catalog_access)
    assert n_small <= len(QUERIES) + 3 + 2 + len(ACCESS_QUERIES)
