"""`schemactl seed` and the seed data revisions on real PostgreSQL (each server in `pg`: 17.6, 18.6).

- `alembic upgrade head` on an empty database gives the seeded rows (data revision 0007), and
  `schemactl seed` right after reports every row unchanged;
- seeding is idempotent (three runs), updates only what changed (updated_at moves only then),
  never touches rows users added, writes nothing on --dry-run or when the database is not at head;
- two seeds at the same moment both succeed with the same rows;
- the data revision's downgrade deletes only seeded rows (rows users added, and seeded rows
  users' rows still reference, stay);
- `schemactl generate --check` stays clean (a data revision is no schema change);
- `seed --revision` writes a proven data revision for a seeds.yaml change, also for seeded
  tables that reference each other and for awkward values.

A database at head comes from a per-server template upgraded once (CREATE DATABASE ... TEMPLATE).
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from checkout import project_copy
from clirunner import Run, RunCli
from project_facts import FACTS
from rich.console import Console

import cli.output
from generator.migrate import api as migrate
from generator.pg.database import scratch_database
from generator.pg.server import LocalServer
from generator.seeds.apply import run_seed
from generator.seeds.spec import load_seeds
from generator.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SEEDED = ("tools", "materials", "machines")  # reverse foreign-key order, for deletes
FIXTURE_SPEC = REPO / "tests" / "fixtures" / "invalid_seeds" / "unknown_table" / "schema.yaml"
# Counts and the head come from seeds.yaml and migrations/versions (tests/project_facts.py), so
# following docs/seeds.md (add a tool, seed --revision) does not break these tests.
HEAD, TOTAL = FACTS.head, FACTS.seed_rows
M, MT, T = (FACTS.seed_rows_by_table[t] for t in ("machines", "materials", "tools"))
TOOLS = FACTS.seed_keys["tools"]


@pytest.fixture
def run_cli(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """The shared runner (tests/clirunner.py), in a copy of the repo's project (tests/checkout.py)."""
    monkeypatch.chdir(project_copy())
    return run_cli


@pytest.fixture(scope="module")
def seeds():
    return load_seeds(REPO / "seeds.yaml", load_spec(REPO / "schema.yaml"))


@pytest.fixture(scope="module")
def head_template() -> Iterator:
    """A function: server -> URL of a database at head on it (created once per server, dropped at the end)."""
    with contextlib.ExitStack() as stack:
        cache: dict[str, str] = {}

        def get(server: LocalServer) -> str:
            if server.url() not in cache:
                url = stack.enter_context(scratch_database(server.url(), prefix="seed_template"))
                migrate.upgrade(REPO, url)
                cache[server.url()] = url
            return cache[server.url()]

        yield get


@pytest.fixture
def head_db(pg: LocalServer, head_template) -> Iterator[str]:
    """A fresh database at head (so holding the rows of data revision 0007)."""
    template = sa.engine.make_url(head_template(pg)).database
    with scratch_database(pg.url(), prefix="seed_test", template=template) as url:
        yield url


@contextlib.contextmanager
def connection(url: str) -> Iterator[sa.Connection]:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def query(url: str, sql: str) -> list[tuple]:
    with connection(url) as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql).all()]


def execute(url: str, sql: str) -> None:
    with connection(url) as conn:
        conn.exec_driver_sql(sql)


def rows(url: str, table: str) -> dict[str, dict]:
    """code -> the whole row as JSON (created_at and updated_at included)."""
    return {r[0]: r[1] for r in query(url, f"SELECT code, to_jsonb(t) FROM {table} AS t ORDER BY code")}


def snapshot(url: str) -> dict[str, dict[str, dict]]:
    return {table: rows(url, table) for table in SEEDED}


def delete_seeded_rows(url: str) -> None:
    execute(url, "DELETE FROM tools; DELETE FROM materials; DELETE FROM machines")


def counts(report) -> dict[str, tuple[int, int, int]]:
    return {t.table: (len(t.inserted), len(t.updated), t.unchanged) for t in report.tables}


ALL_UNCHANGED = {"machines": (0, 0, M), "materials": (0, 0, MT), "tools": (0, 0, T)}
ALL_INSERTED = {"machines": (M, 0, 0), "materials": (MT, 0, 0), "tools": (T, 0, 0)}
UNCHANGED_LINES = [
    f"machines   inserted   0  updated   0  unchanged{M:4d}",
    f"materials  inserted   0  updated   0  unchanged{MT:4d}",
    f"tools      inserted   0  updated   0  unchanged{T:4d}",
]


# ------------------------------------------------------------------ alembic upgrade head, then seed


def test_alembic_upgrade_head_gives_the_tools_and_seed_then_changes_nothing(empty_db: str, run_cli) -> None:
    upgrade = subprocess.run([str(BIN / "alembic"), "-x", f"db={empty_db}", "upgrade", "head"],
                             cwd=project_copy(), capture_output=True, text=True, timeout=300)
    assert upgrade.returncode == 0, upgrade.stderr
    tools = query(empty_db, "SELECT name, type::text, material::text, diameter_mm, flutes, coating, "
                            "meta ? 'feeds_speeds' FROM tools ORDER BY name")
    assert [(n, t, m, float(d), f, c, fs) for n, t, m, d, f, c, fs in tools] == [
        ("10mm Drill HSS", "drill", "hss", 10.0, 2, "TiN", True),
        ("6mm Carbide Endmill (4F)", "endmill", "carbide", 6.0, 4, "AlTiN", True),
    ]
    assert query(empty_db, "SELECT count(*) FROM machines") == [(M,)]
    assert query(empty_db, "SELECT count(*) FROM materials") == [(MT,)]

    result = run_cli("seed", "--db", empty_db)
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == UNCHANGED_LINES
    assert f"seeded {TOTAL} rows at revision {HEAD}: 0 inserted, 0 updated, {TOTAL} unchanged" in result.stderr


# ------------------------------------------------------------------ idempotency and updates


def test_seeding_three_times(head_db: str, seeds) -> None:
    delete_seeded_rows(head_db)
    assert counts(run_seed(head_db, seeds, REPO)) == ALL_INSERTED
    after_first = snapshot(head_db)
    for _ in range(2):
        report = run_seed(head_db, seeds, REPO)
        assert counts(report) == ALL_UNCHANGED
        assert not report.changed and report.revision == HEAD
    assert snapshot(head_db) == after_first  # not even updated_at moved


def test_only_changed_rows_are_updated_and_only_their_updated_at_moves(head_db: str, seeds) -> None:
    execute(head_db, """
        UPDATE materials SET properties = '{"density_g_cm3": 1}', updated_at = now() - interval '1 day',
                             created_at = now() - interval '2 days' WHERE code = 'al-6061-t6';
        DELETE FROM tools WHERE code = 'drill-10-hss';
    """)
    before = snapshot(head_db)
    report = run_seed(head_db, seeds, REPO)
    assert counts(report) == {"machines": (0, 0, M), "materials": (0, 1, MT - 1), "tools": (1, 0, T - 1)}
    assert report.tables[1].updated == [{"code": "al-6061-t6"}]
    assert report.tables[2].inserted == [{"code": "drill-10-hss"}]
    after = snapshot(head_db)
    changed, old = after["materials"]["al-6061-t6"], before["materials"]["al-6061-t6"]
    assert changed["properties"]["vc_m_min"] == {"carbide": 500, "hss": 120}
    assert changed["created_at"] == old["created_at"]  # created_at is never updated
    assert changed["updated_at"] > old["updated_at"]
    for code in ("steel-1.2379", "pom-c"):
        assert after["materials"][code] == before["materials"][code]
    assert after["machines"] == before["machines"]


def test_columns_a_row_leaves_out_are_not_managed(head_db: str, seeds) -> None:
    execute(head_db, "UPDATE machines SET active = false WHERE code = 'haas-vf2'")  # a user retires it
    assert counts(run_seed(head_db, seeds, REPO)) == ALL_UNCHANGED
    assert query(head_db, "SELECT active FROM machines WHERE code = 'haas-vf2'") == [(False,)]


def test_rows_users_added_are_never_touched(head_db: str, seeds) -> None:
    execute(head_db, """
        INSERT INTO machines (code, name, kind, axes) VALUES ('shop-router', 'Our router', 'router', 3);
        INSERT INTO materials (code, name, category) VALUES ('oak', 'Oak', 'wood');
        INSERT INTO tools (code, name, type, material, diameter_mm)
            VALUES ('em-6-carbide-4f-copy', '6mm Carbide Endmill (4F)', 'endmill', 'hss', 6);
        UPDATE tools SET name = 'renamed by a user' WHERE code = 'em-6-carbide-4f';
    """)
    before = snapshot(head_db)
    report = run_seed(head_db, seeds, REPO)
    assert counts(report)["tools"] == (0, 1, 1)  # the seeded row is set back; the copy is the user's
    after = snapshot(head_db)
    for table, code in (("machines", "shop-router"), ("materials", "oak"), ("tools", "em-6-carbide-4f-copy")):
        assert after[table][code] == before[table][code]
    assert after["tools"]["em-6-carbide-4f"]["name"] == "6mm Carbide Endmill (4F)"


# ------------------------------------------------------------------ dry run, JSON, refusals


def test_dry_run_reports_and_writes_nothing(head_db: str, run_cli) -> None:
    execute(head_db, "DELETE FROM tools; UPDATE machines SET axes = 4 WHERE code = 'haas-vf2'")
    before = snapshot(head_db)
    result = run_cli("seed", "--db", head_db, "--dry-run")
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"machines   would insert   0  would update   1  unchanged{M - 1:4d}",
        "  ~ haas-vf2",
        f"materials  would insert   0  would update   0  unchanged{MT:4d}",
        f"tools      would insert{T:4d}  would update   0  unchanged   0",
        *(f"  + {code}" for code in TOOLS),
    ]
    assert (f"dry run at revision {HEAD}, rolled back: would insert {T}, update 1; {TOTAL - T - 1} unchanged; "
            "nothing was written") in result.stderr
    assert snapshot(head_db) == before


def test_json_output(head_db: str, run_cli) -> None:
    execute(head_db, "DELETE FROM tools WHERE code = 'em-6-carbide-4f'")
    result = run_cli("seed", "--db", head_db, "--format", "json")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "ok" and report["dry_run"] is False and report["revision"] == HEAD
    assert report["tables"][2] == {"table": "tools", "inserted": 1, "updated": 0, "unchanged": T - 1, "rows": T,
                                   "inserted_keys": [{"code": "em-6-carbide-4f"}], "updated_keys": []}
    assert report["totals"] == {"inserted": 1, "updated": 0, "unchanged": TOTAL - 1, "rows": TOTAL}
    assert list(report) == ["status", "format_version", "dry_run", "revision", "tables", "totals"]


def assert_refused(result: Run, message: str, hint: str) -> None:
    assert result.code == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.splitlines()[-2:] == [f"error: {message}", f"hint: {hint}"]


def test_a_database_behind_head_is_refused_and_nothing_is_written(empty_db: str, run_cli) -> None:
    migrate.upgrade(REPO, empty_db, "0006")
    for extra in ([], ["--dry-run"]):
        result = run_cli("seed", "--db", empty_db, *extra)
        assert_refused(result, f"the database is not at head (it is at 0006, head is {HEAD}); nothing was seeded",
                       "run `schemactl upgrade` (or `alembic upgrade head`) first, then seed")
    assert query(empty_db, "SELECT (SELECT count(*) FROM tools) + (SELECT count(*) FROM machines)") == [(0,)]


def test_an_empty_database_is_refused(empty_db: str, run_cli) -> None:
    result = run_cli("seed", "--db", empty_db)
    assert_refused(result, f"the database is not at head (it is at base (no revision applied), head is {HEAD}); nothing was seeded",
                   "run `schemactl upgrade` (or `alembic upgrade head`) first, then seed")


def test_a_database_at_an_unknown_revision_is_refused(head_db: str, run_cli) -> None:
    execute(head_db, "DELETE FROM tools; UPDATE alembic_version SET version_num = '0099'")
    result = run_cli("seed", "--db", head_db)
    assert_refused(result, "the database is at revision 0099, which this repository does not know; nothing was seeded",
                   "a newer deploy migrated it: pull the latest migrations before seeding")
    assert query(head_db, "SELECT count(*) FROM tools") == [(0,)]


def test_a_row_breaking_a_check_constraint_rolls_everything_back(head_db: str, tmp_path: Path, run_cli) -> None:
    project = copy_project(tmp_path)
    text = (project / "seeds.yaml").read_text().replace("diameter_mm: 10\n", "diameter_mm: 0\n")
    (project / "seeds.yaml").write_text(text)
    execute(head_db, "DELETE FROM tools; DELETE FROM machines")
    result = run_cli("--spec", str(project / "schema.yaml"), "seed", "--db", head_db)
    assert result.code == 1
    lines = result.stderr.splitlines()
    assert lines[-2].startswith('error: seeding tools failed: new row for relation "tools" violates check '
                                'constraint "ck_tools_diameter_positive"')
    assert lines[-2].endswith("; nothing was written")
    assert lines[-1] == "hint: a row breaks a CHECK constraint of schema.yaml: fix it in seeds.yaml"
    assert query(head_db, "SELECT count(*) FROM machines") == [(0,)]  # machines came first, and were rolled back


# ------------------------------------------------------------------ concurrency


def test_two_seeds_at_the_same_moment(head_db: str, seeds) -> None:
    """Both processes block on a table lock the test holds, then race once it is released."""
    delete_seeded_rows(head_db)
    engine = sa.create_engine(head_db)
    cmd = [str(BIN / "schemactl"), "seed", "--db", head_db, "--format", "json"]
    procs: list[subprocess.Popen] = []
    try:
        with engine.connect() as gate:
            gate.exec_driver_sql("BEGIN; LOCK TABLE machines IN SHARE ROW EXCLUSIVE MODE")
            procs = [subprocess.Popen(cmd, cwd=project_copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
            deadline = time.monotonic() + 60
            waiting = 0
            while waiting < 2 and time.monotonic() < deadline:
                waiting = gate.exec_driver_sql(
                    "SELECT count(*) FROM pg_locks WHERE relation = 'machines'::regclass AND NOT granted"
                ).scalar()
                time.sleep(0.05)
            assert waiting == 2, "both seeds should be waiting on the lock"
            gate.exec_driver_sql("COMMIT")
        outputs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        engine.dispose()
    reports = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        reports.append(json.loads(out))
    assert sum(r["totals"]["inserted"] for r in reports) == TOTAL
    assert sum(r["totals"]["updated"] for r in reports) == 0
    assert all(r["totals"]["rows"] == TOTAL for r in reports)
    assert counts(run_seed(head_db, seeds, REPO)) == ALL_UNCHANGED
    assert query(head_db, "SELECT count(*) FROM tools") == [(T,)]


# ------------------------------------------------------------------ the data revision's downgrade


def test_the_downgrade_deletes_only_seeded_rows_nobody_references(head_db: str) -> None:
    execute(head_db, """
        INSERT INTO machines (code, name, kind, axes) VALUES ('shop-router', 'Our router', 'router', 3);
        INSERT INTO materials (code, name, category) VALUES ('oak', 'Oak', 'wood');
        INSERT INTO tools (code, name, type, material, diameter_mm) VALUES ('v-bit-90', 'V-bit 90', 'engraver', 'carbide', 6);
        INSERT INTO users (email) VALUES ('planner@example.com');
        INSERT INTO jobs (user_id, type, idempotency_key, request_fingerprint)
            SELECT id, 'cam', 'job-key-0001', repeat('a', 64) FROM users;
        INSERT INTO cam_runs (job_id, machine_id)
            SELECT jobs.id, machines.id FROM jobs, machines WHERE machines.code = 'haas-vf2';
    """)
    before = snapshot(head_db)
    migrate.downgrade(REPO, head_db, "0006")
    after = snapshot(head_db)
    assert sorted(after["tools"]) == ["v-bit-90"]
    assert sorted(after["materials"]) == ["oak"]
    assert sorted(after["machines"]) == ["haas-vf2", "shop-router"]  # haas-vf2: a cam run uses it
    for table, code in (("machines", "shop-router"), ("materials", "oak"), ("tools", "v-bit-90"), ("machines", "haas-vf2")):
        assert after[table][code] == before[table][code]
    assert query(head_db, "SELECT count(*) FROM cam_runs") == [(1,)]
    migrate.upgrade(REPO, head_db)  # ON CONFLICT DO NOTHING: the kept row is no obstacle
    assert query(head_db, "SELECT count(*) FROM machines") == [(4,)]


def test_generate_check_is_clean_with_the_data_revision(pg: LocalServer, run_cli) -> None:
    result = run_cli("generate", "--check", "--dev-db", pg.url())
    assert result.code == 0, result.stdout + result.stderr
    assert "no_changes: the migrations already match the spec" in result.stderr


def test_the_up_step_reports_counts(head_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.seed import up_step
    from cli.state import State

    err = io.StringIO()
    monkeypatch.setattr(cli.output.OUT, "stderr", Console(file=err, highlight=False, soft_wrap=True))
    execute(head_db, "DELETE FROM tools WHERE code = 'drill-10-hss'")
    assert up_step(State(spec=project_copy() / "schema.yaml"), head_db) == 0
    assert err.getvalue().startswith(f"✓ seed      {TOTAL} rows: 1 inserted, 0 updated, {TOTAL - 1} unchanged (")
    assert query(head_db, "SELECT count(*) FROM tools") == [(T,)]


# ------------------------------------------------------------------ seed --revision


def copy_project(tmp_path: Path, spec: Path = REPO / "schema.yaml", seeds: Path | None = REPO / "seeds.yaml",
                 versions: bool = True) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "alembic.ini", project)
    shutil.copy(spec, project / "schema.yaml")
    if seeds is not None:
        shutil.copy(seeds, project / "seeds.yaml")
    shutil.copytree(REPO / "migrations", project / "migrations", ignore=shutil.ignore_patterns("__pycache__"))
    if not versions:
        for path in (project / "migrations" / "versions").glob("*.py"):
            path.unlink()
    return project


def test_a_seeds_change_ships_as_a_proven_data_revision(pg: LocalServer, empty_db: str, tmp_path: Path, run_cli) -> None:
    project = copy_project(tmp_path)
    spec = ["--spec", str(project / "schema.yaml")]
    text = (project / "seeds.yaml").read_text()
    text = text.replace("vc_m_min: {carbide: 500, hss: 120}", "vc_m_min: {carbide: 600, hss: 120}")
    text += """
      - code: spot-drill-8-carbide
        name: 8mm Spot Drill 90deg
        type: spot_drill
        material: carbide
        diameter_mm: 8
        flutes: 2
        meta: {point_angle_deg: 90}
"""
    (project / "seeds.yaml").write_text(text)
    assert run_cli(*spec, "seed", "--check").code == 2
    result = run_cli(*spec, "seed", "--revision", "-m", "spot drill and faster aluminium", "--dev-db", pg.url())
    assert result.code == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "  materials: update al-6061-t6 (properties)",
        "  tools: insert 1 (spot-drill-8-carbide)",
    ]
    written = project / "migrations" / "versions" / f"{FACTS.next_revision}_spot_drill_and_faster_aluminium.py"
    assert written.is_file()
    assert f"down_revision: str | Sequence[str] | None = '{HEAD}'" in written.read_text()
    assert run_cli(*spec, "seed", "--check").code == 0
    assert run_cli(*spec, "seed", "--revision", "-m", "again", "--dev-db", pg.url()).code == 0  # no changes
    assert not list((project / "migrations" / "versions").glob(f"{int(FACTS.next_revision) + 1:04d}_*"))

    from generator.seeds.revision import data_revisions, rerender

    for rev, rendered in rerender(data_revisions(project)):
        assert rev.path.read_text() == rendered

    migrate.upgrade(project, empty_db)
    execute(empty_db, "INSERT INTO tools (code, name, type, material, diameter_mm) VALUES ('mine', 'Mine', 'tap', 'hss', 6)")
    result = run_cli(*spec, "seed", "--db", empty_db)
    new = TOTAL + 1
    assert f"seeded {new} rows at revision {FACTS.next_revision}: 0 inserted, 0 updated, {new} unchanged" in result.stderr
    migrate.downgrade(project, empty_db, HEAD)
    assert query(empty_db, "SELECT code FROM tools ORDER BY code COLLATE \"C\"") == [(c,) for c in sorted([*TOOLS, "mine"])]
    assert query(empty_db, "SELECT properties #> '{vc_m_min,carbide}' FROM materials WHERE code = 'al-6061-t6'") == [(500,)]


def test_seeded_tables_referencing_each_other(pg: LocalServer, empty_db: str, tmp_path: Path, run_cli) -> None:
    """The fixture spec's tools.default_material_id -> materials.id, written in seeds.yaml by code."""
    project = copy_project(tmp_path, spec=FIXTURE_SPEC, seeds=None, versions=False)
    seeds_text = """version: 1
tables:
  tools:   # listed first on purpose: seeding and the revision still go materials first
    key: [code]
    rows:
      - {code: em-6, name: "Endmill 6 \\\\ 4F", type: endmill, material: carbide, diameter_mm: 6, default_material_id: al-6061}
      - {code: drill-10, name: "Drill: 10 % 'HSS'", type: drill, material: hss, diameter_mm: 10, default_material_id: {code: pom-c}}
  materials:
    key: [code]
    rows:
      - {code: al-6061, name: Aluminium, category: aluminium, properties: {note: ":a %(x)s \\\\ 'q'"}}
      - {code: pom-c, name: POM-C, category: plastic, properties: [1, 2.5, null]}
"""
    (project / "seeds.yaml").write_text(seeds_text)
    spec = ["--spec", str(project / "schema.yaml")]
    assert run_cli(*spec, "generate", "-m", "initial", "--dev-db", pg.url()).code == 0
    result = run_cli(*spec, "seed", "--revision", "-m", "seed tools and materials", "--dev-db", pg.url())
    assert result.code == 0, result.stdout + result.stderr
    migrate.upgrade(project, empty_db)
    linked = query(empty_db, "SELECT t.code, m.code FROM tools t JOIN materials m ON m.id = t.default_material_id ORDER BY 1")
    assert linked == [("drill-10", "pom-c"), ("em-6", "al-6061")]
    assert query(empty_db, "SELECT name FROM tools ORDER BY code") == [("Drill: 10 % 'HSS'",), ("Endmill 6 \\ 4F",)]
    assert query(empty_db, "SELECT properties->>'note' FROM materials WHERE code = 'al-6061'") == [(":a %(x)s \\ 'q'",)]
    assert "0 inserted, 0 updated, 4 unchanged" in run_cli(*spec, "seed", "--db", empty_db).stderr

    (project / "seeds.yaml").write_text(seeds_text.replace("default_material_id: al-6061", "default_material_id: pom-c"))
    result = run_cli(*spec, "seed", "--db", empty_db)
    assert result.stdout.splitlines()[1:] == ["tools      inserted   0  updated   1  unchanged   1", "  ~ em-6"]
    assert query(empty_db, "SELECT m.code FROM tools t JOIN materials m ON m.id = t.default_material_id WHERE t.code = 'em-6'") == [("pom-c",)]

    # a user's tool made for a seeded material keeps that material through the downgrade
    execute(empty_db, "INSERT INTO tools (code, name, type, material, diameter_mm, default_material_id) "
                      "SELECT 'mine', 'Mine', 'tap', 'hss', 5, id FROM materials WHERE code = 'al-6061'")
    migrate.downgrade(project, empty_db, "0001")
    assert query(empty_db, "SELECT code FROM tools") == [("mine",)]
    assert query(empty_db, "SELECT code FROM materials") == [("al-6061",)]
