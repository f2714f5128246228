"""Online-safe generation (issue 18 item 1): a revision that adds an index, a foreign key, a
CHECK, a NOT NULL and a UNIQUE to tables that already exist uses the forms that do not block
writers, sets the spec's timeouts, lists its hazards, applies to tables with rows, and its
downgrade restores the previous schema (``generate``'s proof checks that on empty tables)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from migration_helpers import REPO, revision_files

from generator.migrate import api as migrate
from generator.migrate.revision import GenerateResult, generate
from generator.pg.database import connect
from generator.pg.server import LocalServer
from generator.spec import load_spec

CASE = REPO / "tests" / "fixtures" / "online"

EXPECTED_SUMMARY = [
    "create index ix_jobs_status on jobs",
    "add check ck_jobs_qty_positive on jobs",
    "add foreign key fk_jobs_user_id_users on jobs",
    "alter column jobs.status (nullable)",
    "add constraint uq_jobs_code on jobs",
]


def run(root: Path, spec_file: Path, dev_url: str, message: str | None, **kw: object) -> GenerateResult:
    shutil.copyfile(spec_file, root / "schema.yaml")
    return generate(root, load_spec(root / "schema.yaml"), dev_url, message, **kw)  # type: ignore[arg-type]


@pytest.fixture
def online_project(pg: LocalServer, new_project) -> tuple[Path, GenerateResult]:
    root = new_project()
    assert run(root, CASE / "before.yaml", pg.url("postgres"), "before").status == "written"
    # the data proof would refuse the NOT NULL on its NULL rows (tests/preflight): these tests
    # put their own rows in, violating and not, to see the online forms at work
    result = run(root, CASE / "after.yaml", pg.url("postgres"), "online changes", data_proof=False)
    assert result.status == "written"
    return root, result


def test_online_revision_uses_the_online_forms(online_project) -> None:
    root, result = online_project
    assert revision_files(root) == ["0001_before.py", "0002_online_changes.py"]
    assert sorted(result.summary) == sorted(EXPECTED_SUMMARY)
    text = (root / "migrations" / "versions" / "0002_online_changes.py").read_text()
    upgrade = text.split("def upgrade()", 1)[1].split("def downgrade()", 1)[0]
    downgrade = text.split("def downgrade()", 1)[1]
    first = upgrade.strip().splitlines()[1].strip()
    assert first == "op.set_timeouts(lock_timeout='2s', statement_timeout='10min', lock_retries=4)"
    assert downgrade.strip().splitlines()[1].strip() == first, "the downgrade sets the timeouts first too"
    for call in ("op.create_index_online('ix_jobs_status', 'jobs'", "op.add_constraint_online('jobs', 'ck_jobs_qty_positive'",
                 "op.add_constraint_online('jobs', 'fk_jobs_user_id_users'", "op.set_not_null_online('jobs', 'status')",
                 "op.add_unique_online('jobs', 'uq_jobs_code'"):
        assert call in upgrade
    for plain in ("op.create_index(", "op.create_foreign_key(", "op.create_check_constraint(", "op.create_unique_constraint(",
                  "nullable=False"):
        assert plain not in upgrade
    # the hazards are informational (no refusal) and in the docstring
    assert sorted(h.split(":")[0] for h in result.hazards) == ["index_build", "index_build", "long_validation",
                                                              "long_validation", "long_validation"]
    docstring = text.split('"""', 2)[1]
    assert "Hazards (docs/online-migrations.md):\n- " in docstring, text
    assert "- index_build: create index ix_jobs_status on jobs (built CONCURRENTLY" in docstring, text


def _state(url: str) -> dict[str, object]:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return {
                "constraints": sorted(conn.exec_driver_sql(
                    "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'jobs'::regclass").all()),
                "indexes": sorted(conn.exec_driver_sql(
                    "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE i.indrelid = 'jobs'::regclass").all()),
                "status_not_null": conn.exec_driver_sql(
                    "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'jobs'::regclass AND attname = 'status'").scalar(),
                "rows": conn.exec_driver_sql("SELECT count(*) FROM jobs").scalar(),
            }
    finally:
        engine.dispose()


def test_online_revision_applies_to_rows_and_downgrades_exactly(online_project, empty_db: str) -> None:
    root, _ = online_project
    migrate.upgrade(root, empty_db, "0001")
    engine = connect(empty_db)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 50) g")
        conn.exec_driver_sql("INSERT INTO jobs (user_id, status, code, qty) "
                             "SELECT 1 + g %% 50, 'queued', 'c' || g, 1 + g %% 5 FROM generate_series(1, 2000) g")
    engine.dispose()
    before = _state(empty_db)
    migrate.upgrade(root, empty_db, "head")
    after = _state(empty_db)
    assert after["rows"] == 2000 and after["status_not_null"] is True
    assert ("ck_jobs_qty_positive", True) in after["constraints"]
    assert ("fk_jobs_user_id_users", True) in after["constraints"], "validated after NOT VALID"
    assert ("uq_jobs_code", True) in after["constraints"]
    assert not any(name.startswith("schemactl_nn_") for name, _ in after["constraints"]), "the temporary CHECK is dropped"
    assert ("ix_jobs_status", True) in after["indexes"]
    migrate.downgrade(root, empty_db, "0001")
    assert _state(empty_db) == before


def test_online_upgrade_fails_on_violating_rows_and_a_rerun_resumes(online_project, empty_db: str) -> None:
    """A row that violates the new NOT NULL: its VALIDATE fails (23514) after the NOT VALID
    CHECK committed, and the revision is not recorded. Once the row is fixed, the same upgrade
    runs again and resumes: the CHECK already there is not added twice."""
    root, _ = online_project
    migrate.upgrade(root, empty_db, "0001")
    engine = connect(empty_db)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO users (email) VALUES ('a')")
        conn.exec_driver_sql("INSERT INTO jobs (user_id, status, code) VALUES (1, NULL, 'x')")
    with pytest.raises(sa.exc.DBAPIError) as failed:
        migrate.upgrade(root, empty_db, "head")
    assert getattr(getattr(failed.value, "orig", None), "sqlstate", None) == "23514"
    assert migrate.status(root, empty_db).current == ["0001"]
    left = _state(empty_db)["constraints"]
    assert [name for name, valid in left if name.startswith("schemactl_nn_") and not valid], left
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE jobs SET status = 'queued'")
    engine.dispose()
    migrate.upgrade(root, empty_db, "head")
    assert migrate.status(root, empty_db).current == ["0002"]
    after = _state(empty_db)
    assert after["status_not_null"] is True
    assert not any(name.startswith("schemactl_nn_") for name, _ in after["constraints"])
