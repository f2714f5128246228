"""The proof on synthetic rows (issue 18 item 5): ``generate`` applies the new revision to the
previous head filled with rows the previous schema accepts, so a NOT NULL column without a
default or a CHECK the rows break is refused at generate time, naming the table and column."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest
from checkout import copy_project

from generator.errors import ProofFailed
from generator.migrate import api as migrate
from generator.migrate.revision import generate
from generator.migrate.rowfactory import check_bounds, fill, pattern_values
from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer
from generator.spec import load_spec


def test_simple_checks_become_bounds() -> None:
    b = check_bounds([
        "CHECK ((seats > 0))",
        "CHECK (((tax_cents >= 0) AND (tax_cents <= amount_cents)))",
        "CHECK ((status = ANY (ARRAY['a'::text, 'b'::text])))",
        "CHECK (((priority >= 1) AND (priority <= 9)))",
        "CHECK ((length(code) <= 3))",
        "CHECK ((currency ~ '^[A-Z]{3}$'::text))",
    ])
    assert (b["seats"].low, b["seats"].low_open) == (0, True)
    assert (b["tax_cents"].low, b["tax_cents"].high) == (0, None)  # a bound by another column: left to the database
    assert b["status"].choices == ["a", "b"]
    assert (b["priority"].low, b["priority"].high) == (1, 9)
    assert b["code"].max_length == 3
    assert b["currency"].pattern == "^[A-Z]{3}$"
    assert pattern_values("^[A-Z]{3}$")[:3] == ("AAA", "AAB", "AAC")
    assert all(re.fullmatch(r"[^@\s]+@[^@\s]+", v) for v in pattern_values("^[^@[:space:]]+@[^@[:space:]]+$"))


def test_the_real_schema_is_filled_in_dependency_order(pg: LocalServer, tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    with scratch_database(pg.url("postgres")) as url:
        migrate.upgrade(root, url)
        with psycopg.connect(libpq_url(url)) as conn:
            filled = fill(conn)
        with psycopg.connect(libpq_url(url)) as conn:
            counted = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in filled.rows}
    assert "alembic_version" not in filled.rows and "alembic_version" not in filled.skipped
    assert all(counted[t] >= n for t, n in filled.rows.items())  # committed (seeded reference rows come on top)
    # the tables the revisions in the issue touch get rows: jobs through its regex CHECKs and its keys
    for table in ("users", "jobs", "cam_runs", "invoices", "licenses"):
        assert filled.rows.get(table, 0) >= 10, (table, filled.skipped.get(table), filled.rejected)
    assert set(filled.rows) | set(filled.skipped) >= {"users", "jobs", "audit_logs"}
    assert all(reason for reason in filled.skipped.values())


def _spec_with(root: Path, table: str, anchor: str, addition: str) -> None:
    """Insert ``addition`` (YAML lines) after the line ``anchor`` inside ``table``'s block."""
    text = (root / "schema.yaml").read_text()
    start = text.index(f"\n  {table}:\n")
    at = text.index(anchor, start)
    at = text.index("\n", at) + 1
    (root / "schema.yaml").write_text(text[:at] + addition + text[at:])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def test_not_null_column_without_default_is_refused(project: Path, pg: LocalServer) -> None:
    _spec_with(project, "jobs", "    columns:", '      priority: {type: integer, nullable: false, comment: "Queue priority."}\n')
    dev = pg.url("postgres")
    before = sorted(p.name for p in (project / "migrations" / "versions").glob("*.py"))
    with pytest.raises(ProofFailed) as refused:
        generate(project, load_spec(project / "schema.yaml"), dev, "add jobs.priority")
    message = refused.value.message
    assert "table jobs" in message and "column priority" in message and "[23502]" in message
    assert "\n" not in message
    assert sorted(p.name for p in (project / "migrations" / "versions").glob("*.py")) == before, "nothing is written"
    # on empty tables it is fine: --no-data-proof writes it (and preflight checks the live rows)
    written = generate(project, load_spec(project / "schema.yaml"), dev, "add jobs.priority", data_proof=False)
    assert written.status == "written" and written.data_proof is None


def test_a_check_the_rows_violate_is_refused_and_a_safe_change_passes(project: Path, pg: LocalServer, run_cli) -> None:
    _spec_with(project, "cam_runs", "    columns:", '      passes: {type: integer, comment: "Roughing passes."}\n')
    dev = pg.url("postgres")
    ok = generate(project, load_spec(project / "schema.yaml"), dev, "add cam_runs.passes")
    assert ok.status == "written" and ok.data_proof is not None
    assert ok.data_proof.rows["jobs"] >= 10 and ok.data_proof.rows["cam_runs"] >= 10
    assert ok.timings["data proof"] < 10
    # rows with NULL and negative passes exist under 0010: a CHECK (passes > 0) fails on them
    _spec_with(project, "cam_runs", "    checks:", "      - {name: passes_positive, sql: \"passes > 0\"}\n")
    run = run_cli("generate", "-m", "passes positive", "--dev-db", dev, cwd=project)
    assert run.code == 1, run.output
    errors = [ln for ln in run.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "table cam_runs" in errors[0] and "passes_positive" in errors[0]
    assert "Traceback" not in run.output
