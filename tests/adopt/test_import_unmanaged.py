"""`import --skip-unsupported` writes `unmanaged:`; `diff` of that spec sets those objects'
differences aside, names them as unchecked, and still reports every other difference."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
import test_import_corpus as corpus
import yaml
from test_import_corpus import KINDS_SKIPPED, KINDS_SQL, REFUSED

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

source_of = corpus.source_of  # the fixture: a fresh database holding a corpus case


def _import(run_cli, url: str, pg: LocalServer, project: Path) -> dict:
    run = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(project / "schema.yaml"),
                  "--skip-unsupported", cwd=project)
    assert run.code == 0, run.output
    return yaml.safe_load((project / "schema.yaml").read_text(encoding="utf-8"))


def _named(data: dict) -> set[str]:
    return {f"{e['kind']} {e['name']}" for e in data["unmanaged"]}


@pytest.mark.parametrize("case", ["leftovers"])  # dvdrental and appfuncs import whole since issue 17
def test_diff_of_a_skip_unsupported_import_is_in_sync_and_names_what_it_leaves_unchecked(
    case: str, source_of, pg: LocalServer, run_cli, tmp_path: Path
) -> None:
    url = source_of(case)
    data = _import(run_cli, url, pg, tmp_path)
    assert _named(data) == REFUSED[case]  # every skipped object, as the header lists it
    assert "# Skipped:" in (tmp_path / "schema.yaml").read_text(encoding="utf-8")  # the header stays
    run = run_cli("diff", "--db", url, "--dev-db", pg.url(), cwd=tmp_path)
    assert run.code == 0, run.output
    n = len(REFUSED[case])
    assert f"unchecked: {n} object{'s' if n != 1 else ''} the spec marks unmanaged (" in run.stderr
    assert "in_sync" in run.stderr
    as_json = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=tmp_path)
    assert as_json.code == 0, as_json.output
    doc = json.loads(as_json.stdout)
    assert doc["status"] == "in_sync" and doc["statements"] == [] and doc["changes"] == []
    assert {f"{e['kind']} {e['name']}" for e in doc["unmanaged"]} == REFUSED[case]
    assert doc["unchecked"]  # the existing keys stay
    assert "unchecked: " in as_json.stderr


def test_a_change_to_a_managed_object_is_still_drift(source_of, pg: LocalServer, run_cli, tmp_path: Path) -> None:
    """The set-aside hides only the unmanaged objects: a column added to a managed table (note,
    which has an unmanaged trigger, policy and RLS) and a dropped managed index still show, and
    the fix SQL touches nothing unmanaged."""
    url = source_of("appfuncs")
    _import(run_cli, url, pg, tmp_path)
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("ALTER TABLE note ADD COLUMN extra integer")
        conn.execute("CREATE VIEW unmanaged_not_listed AS SELECT 1 AS one")  # new: not in unmanaged:
    run = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json", cwd=tmp_path)
    assert run.code == 2, run.output
    doc = json.loads(run.stdout)
    found = {(c["kind"], c["name"], c["action"]) for c in doc["changes"]}
    assert ("column", "note.extra", "removed") in found
    assert any(c["name"] == "unmanaged_not_listed" for c in doc["changes"]), found
    sql = "\n".join(s["sql"] for s in doc["statements"]).lower()
    assert '"extra"' in sql and "unmanaged_not_listed" in sql
    for name in ("note_counts", "touch_updated_at", "current_tenant", "note_touch", "note_tenant_isolation",
                 "audit_entry_id_seq", '"tag"', "short_text", "row level security"):
        assert name not in sql, name
    assert not doc["unmanaged"]  # appfuncs imports whole (RLS and policies are in the spec)


def test_an_unmanaged_object_changed_in_the_database_is_not_drift(source_of, pg: LocalServer, run_cli, tmp_path: Path) -> None:
    """What an unmanaged object holds is not checked: a dropped policy the spec marks
    unmanaged (appfuncs imports its policy since issue 17: the test moves it to unmanaged:)."""
    url = source_of("appfuncs")
    data = _import(run_cli, url, pg, tmp_path)
    del data["tables"]["note"]["policies"]
    data["unmanaged"] = [{"kind": "policy", "name": "public.note.note_tenant_isolation"}]
    (tmp_path / "schema.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert run_cli("diff", "--db", url, "--dev-db", pg.url(), cwd=tmp_path).code == 0
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("DROP POLICY note_tenant_isolation ON note")
    run = run_cli("diff", "--db", url, "--dev-db", pg.url(), cwd=tmp_path)
    assert run.code == 0, run.output


def test_every_skipped_kind_is_set_aside_by_diff(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(KINDS_SQL)  # type: ignore[arg-type]
        data = _import(run_cli, url, pg, tmp_path)
        assert _named(data) == KINDS_SKIPPED
        run = run_cli("diff", "--db", url, "--dev-db", pg.url(), cwd=tmp_path)
        assert run.code == 0, run.output
        assert f"unchecked: {len(KINDS_SKIPPED)} objects the spec marks unmanaged" in run.stderr


def test_a_primary_key_with_options_keeps_the_key_and_leaves_its_options_unmanaged(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    """The spec writes the key; the entry names only its options, so the spec still validates
    (an entry naming a constraint the spec defines is refused) and diff sets the options aside."""
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int, CONSTRAINT t_pkey PRIMARY KEY (id) WITH (fillfactor = 70))")
        data = _import(run_cli, url, pg, tmp_path)
        assert data["tables"]["t"]["primary_key"] == {"name": "t_pkey", "columns": ["id"]}
        assert data["unmanaged"] == [{"kind": "primary key options", "name": "public.t.t_pkey"}]
        run = run_cli("diff", "--db", url, "--dev-db", pg.url(), cwd=tmp_path)
        assert run.code == 0, run.output
        assert "unchecked: 1 object the spec marks unmanaged (primary key options public.t.t_pkey)" in run.stderr
