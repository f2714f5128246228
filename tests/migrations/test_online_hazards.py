"""Hazards (issue 18 item 2): a revision that rewrites a table with rows (a type change that is
not binary-compatible, a new column with a volatile default) is refused without
``--allow-hazard table_rewrite``; a binary-compatible change (varchar(10) -> varchar(20)) and a
stable default (now()) are not hazards; the accepted revision lists them in its docstring.
Also: ``generate`` in a project without migrations/ is one line, and --allow-hazard checks
its kind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from migration_helpers import REPO, revision_files

from generator.migrate.online_hazards import HazardRefused, rewrites
from generator.migrate.revision import generate
from generator.pg.database import connect
from generator.pg.server import LocalServer
from generator.spec import load_spec

CASE = REPO / "tests" / "fixtures" / "online_hazards"


def run(root: Path, name: str, dev_url: str, message: str | None, **kw: object):
    shutil.copyfile(CASE / name, root / "schema.yaml")
    return generate(root, load_spec(root / "schema.yaml"), dev_url, message, **kw)  # type: ignore[arg-type]


def test_table_rewrites_are_refused_then_allowed(pg: LocalServer, new_project) -> None:
    root = new_project()
    dev = pg.url("postgres")
    assert run(root, "before.yaml", dev, "before").status == "written"
    with pytest.raises(HazardRefused) as refused:
        run(root, "after.yaml", dev, "after")
    assert sorted(refused.value.details) == [
        "table_rewrite: add column parts.token (a volatile default is evaluated for every row: the table is rewritten "
        "under ACCESS EXCLUSIVE)",
        "table_rewrite: alter column parts.qty type integer -> bigint (not binary-compatible: the table is rewritten "
        "under ACCESS EXCLUSIVE)",
    ]
    assert refused.value.hint == "review them (docs/online-migrations.md) and pass --allow-hazard table_rewrite if they are intended"
    assert revision_files(root) == ["0001_before.py"], "a refused revision is not written"
    # --allow-destructive does not allow a rewrite
    with pytest.raises(HazardRefused):
        run(root, "after.yaml", dev, "after", allow_destructive=True)
    result = run(root, "after.yaml", dev, "after", allow_hazards=("table_rewrite",))
    assert result.status == "written"
    assert [h.split(":")[0] for h in result.hazards] == ["table_rewrite", "table_rewrite"]
    text = (root / "migrations" / "versions" / "0002_after.py").read_text()
    assert "- table_rewrite: alter column parts.qty type integer -> bigint" in text.split('"""', 2)[1]


def test_rewrite_rule_follows_postgresql(pg: LocalServer) -> None:
    engine = connect(pg.url("postgres"))
    try:
        with engine.connect() as conn:
            assert not rewrites(conn, "character varying(10)", "character varying(20)")
            assert not rewrites(conn, "character varying(10)", "text")
            assert not rewrites(conn, "character varying(10)", "character varying")
            assert not rewrites(conn, "numeric(8,2)", "numeric(10,2)")
            assert rewrites(conn, "numeric(8,2)", "numeric(10,3)")
            assert rewrites(conn, "character varying(20)", "character varying(10)")
            assert rewrites(conn, "text", "character varying(10)")
            assert rewrites(conn, "integer", "bigint")
            assert rewrites(conn, "text", "integer")
    finally:
        engine.dispose()


def test_generate_without_migrations_folder_is_one_line(run_cli, projects_root: Path) -> None:
    root = projects_root / "no-migrations"
    root.mkdir()
    shutil.copyfile(CASE / "before.yaml", root / "schema.yaml")
    result = run_cli("--project", str(root), "generate", "-m", "x")
    assert result.code == 1
    assert "Traceback" not in result.stdout + result.stderr and "internal error" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"error: this project has no migrations/ folder (looked in {root / 'migrations'})"
    assert lines[1].startswith("hint: copy migrations/env.py and migrations/script.py.mako")


def test_allow_hazard_checks_its_kind(run_cli, projects_root: Path) -> None:
    root = projects_root / "bad-hazard"
    root.mkdir()
    shutil.copyfile(CASE / "before.yaml", root / "schema.yaml")
    result = run_cli("--project", str(root), "generate", "-m", "x", "--allow-hazard", "rewrite")
    assert result.code == 1
    assert result.stderr.strip().splitlines() == [
        "error: --allow-hazard rewrite: no such hazard",
        "hint: pass one of table_rewrite, access_exclusive, long_validation, index_build, data_loss, enum_value_removal",
    ]
