"""A no-drift ``diff`` answered on psycopg alone (generator.drift.remembered, issue 19 target 1):
once a diff has remembered the kept spec database's fingerprint, the next one reads only the
live database's fingerprint and the kept database's stamp on the dev server, over plain
psycopg connections, and imports neither SQLAlchemy nor migra, nor YAML and the spec's model. Every other outcome (a live
change, a kept database that is gone) is the engine's full answer. Real servers (17 and 18).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psqlrun import build_with_ddl

from generator.drift.engine import run_diff
from generator.drift.spec_db import KIND, SpecDDL
from generator.pg import dbcache
from generator.pg import fingerprint as fp
from generator.pg.database import connect, libpq_url, scratch_database
from generator.pg.server import LocalServer
from generator.spec import load_spec

# A spec of its own (a unique comment: its own kept database, which the tests below may drop
# without disturbing other tests' kept databases)
SPEC = """\
version: 1
settings: {{require_comments: false}}
tables:
  machines:
    comment: "remembered fingerprint {tag}"
    columns:
      id: {{type: bigint, primary_key: true}}
      name: {{type: text, nullable: false}}
  tools:
    columns:
      id: {{type: bigint, primary_key: true}}
      machine_id: {{type: bigint, nullable: false, references: {{table: machines}}}}
      diameter_mm: {{type: "numeric(8,3)", nullable: false}}
    checks:
      - {{name: diameter_positive, sql: "diameter_mm > 0"}}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "schema.yaml").write_text(SPEC.format(tag=uuid.uuid4().hex))
    return tmp_path


@pytest.fixture
def live(pg: LocalServer, project: Path) -> Iterator[str]:
    with scratch_database(pg.url(), prefix="remembered_live") as url:
        build_with_ddl(url, (project / "schema.yaml").read_text())
        yield url


def spec_ddl(project: Path) -> SpecDDL:
    spec = project / "schema.yaml"
    return SpecDDL.load_cached(spec, project, lambda: load_spec(spec))


def test_psycopg_and_sqlalchemy_read_the_same_fingerprint(live: str) -> None:
    from generator.drift.remembered import DriverConnection, connected

    engine = connect(live)
    try:
        with engine.connect() as conn:
            through_sqlalchemy = fp.fingerprint(conn)
    finally:
        engine.dispose()
    with connected(live, read_only=True) as conn:
        assert fp.fingerprint(DriverConnection(conn)) == through_sqlalchemy


def test_a_remembered_fingerprint_answers_on_psycopg_alone(pg: LocalServer, live: str, project: Path) -> None:
    first = run_diff(live, pg.url(), spec_ddl(project))  # builds the kept database, remembers
    assert first.in_sync and first.spec_cache == "built"
    second = run_diff(live, pg.url(), spec_ddl(project))  # reads and remembers the kept one's
    assert second.in_sync and second.timings.get("fingerprint_equal") == 1.0
    third = run_diff(live, pg.url(), spec_ddl(project))
    assert third.in_sync and third.spec_cache == "hit"
    assert third.timings.get("dev_check") is not None and third.timings.get("spec_fingerprint_remembered") == 1.0
    assert "spec_connect" not in third.timings and "spec_inspect" not in third.timings
    assert third.server_versions == {"database": pg.version(), "dev": pg.version()}


def test_a_live_change_after_remembering_is_the_full_answer(pg: LocalServer, live: str, project: Path) -> None:
    for _ in range(2):  # built, then its fingerprint remembered
        assert run_diff(live, pg.url(), spec_ddl(project)).in_sync
    with psycopg.connect(libpq_url(live), autocommit=True) as conn:
        conn.execute("ALTER TABLE tools ADD COLUMN coating text")
    report = run_diff(live, pg.url(), spec_ddl(project))
    assert not report.in_sync
    assert any(c.kind == "column" and "coating" in c.name for c in report.changes), report.changes
    assert any("drop column" in s.sql.lower() and "coating" in s.sql for s in report.statements)
    # the live fingerprint was read once, before the engine: the engine compared in full
    assert "fingerprint_equal" not in report.timings and "spec_inspect" in report.timings


def test_a_dropped_kept_database_is_built_again(pg: LocalServer, live: str, project: Path) -> None:
    ddl = spec_ddl(project)
    for _ in range(2):
        assert run_diff(live, pg.url(), ddl).in_sync
    name = dbcache.cache_name(KIND, ddl.key)
    with psycopg.connect(libpq_url(pg.url()), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    again = run_diff(live, pg.url(), spec_ddl(project))
    assert again.in_sync and again.spec_cache == "built"


SCRIPT = """
import json, sys
from cli.main import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""


def test_a_no_drift_diff_imports_no_sqlalchemy(pg: LocalServer, live: str, project: Path, tmp_path: Path) -> None:
    args = ["--spec", str(project / "schema.yaml"), "diff", "--db", live, "--dev-db", pg.url()]
    out = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SCHEMACTL_DEV_DATABASE_URL")}
    for _ in range(3):  # built; remembered; answered on psycopg alone
        done = subprocess.run([sys.executable, "-c", SCRIPT, str(out), *args], cwd=project, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        result = json.loads(out.read_text())
        assert result["code"] == 0, done.stderr
    assert "in_sync" in done.stderr
    imported = {m.split(".")[0] for m in result["modules"]}
    assert "psycopg" in imported  # it did read the databases
    assert not imported & {"sqlalchemy", "alembic", "migra", "schemainspect", "yaml"}
    assert "generator.spec" not in result["modules"]  # schema.yaml's bytes make the key: not parsed
