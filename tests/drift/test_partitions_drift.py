"""Drift of partitioned and inherited tables through `schemactl diff`, on every server of
SCHEMACTL_TEST_PG: each case drifts a database built from a spec with a partitioned table;
`diff --format json` must name the expected changes, and the `--format sql` script, applied
with psql -v ON_ERROR_STOP=1, must bring the database back (a second diff exits 0).

The partitioned table of the big case has 61 partitions (60 months and a default), a parent
index, a primary key including the key, a foreign key and an identity column: the shape on
which migra's script failed in 114 places (a partition's copies of its parent's objects
dropped or created one by one). The drift corpus of tests/drift/cases/ runs on the project's
own schema, which has no partitioned table, so these cases carry their own spec.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from checkout import copy_project
from drift_helpers import scratch_databases
from psqlrun import psql

from generator.pg.database import scratch_database
from generator.pg.server import LocalServer


def months(n: int, start_year: int = 2022) -> list[tuple[str, str, str]]:
    out = []
    for i in range(n):
        y, m = start_year + i // 12, i % 12 + 1
        ny, nm = (y, m + 1) if m < 12 else (y + 1, 1)
        out.append((f"reading_y{y}m{m:02d}", f"{y}-{m:02d}-01", f"{ny}-{nm:02d}-01"))
    return out


def spec_text(partitions: int) -> str:
    lines = [
        "version: 1",
        "settings: {require_comments: false}",
        "tables:",
        "  meter:",
        "    columns:",
        "      id: {type: bigint, identity: always, primary_key: true}",
        "      label: {type: text, nullable: false}",
        "  reading:",
        "    columns:",
        "      id: {type: bigint, identity: by default}",
        "      meter_id: {type: bigint, nullable: false, references: {table: meter}}",
        "      taken_on: {type: date, nullable: false}",
        "      kwh: {type: \"numeric(12,3)\"}",
        "    primary_key: [id, taken_on]",
        "    indexes:",
        "      - columns: [meter_id, taken_on]",
        "    partition_by: {range: [taken_on]}",
        "    partitions:",
    ]
    for name, lo, hi in months(partitions):
        lines.append(f"      {name}: {{bound: \"FOR VALUES FROM ('{lo}') TO ('{hi}')\"}}")
    lines += [
        "      reading_default: {bound: DEFAULT, comment: Rows outside every month}",
        "  document:",
        "    columns:",
        "      id: {type: bigint, primary_key: true}",
        "      title: {type: text, nullable: false}",
        "  contract:",
        "    inherits: [document]",
        "    columns:",
        "      contract_no: {type: text, primary_key: true}",
    ]
    return "\n".join(lines) + "\n"


def build_from_spec(url: str, project: Path) -> None:
    from generator.schema.ddl import ddl_script
    from generator.spec import load_spec

    psql(url, ";\n".join(ddl_script(load_spec(project / "schema.yaml"))) + ";\n")


# (name, drift SQL, expected (kind, name, action) changes)
CASES = [
    ("partition_added",
     "CREATE TABLE reading_extra PARTITION OF reading FOR VALUES FROM ('2030-01-01') TO ('2030-02-01')",
     {("table", "reading_extra", "removed")}),
    ("partition_removed",
     "DROP TABLE reading_y2022m03",
     {("table", "reading_y2022m03", "added")}),
    ("partition_bound_changed",
     "ALTER TABLE reading DETACH PARTITION reading_y2022m02;"
     "ALTER TABLE reading ATTACH PARTITION reading_y2022m02 FOR VALUES FROM ('2022-02-01') TO ('2022-02-15')",
     {("partition", "reading_y2022m02", "changed")}),
    ("partition_detached",
     "ALTER TABLE reading DETACH PARTITION reading_y2022m04",
     {("partition", "reading_y2022m04", "changed")}),
    ("parent_index_added",
     "CREATE INDEX reading_kwh_idx ON reading (kwh)",
     {("index", "reading_kwh_idx", "removed")}),
    ("parent_index_dropped",
     "DROP INDEX ix_reading_meter_id_taken_on",
     {("index", "ix_reading_meter_id_taken_on", "added")}),
    ("parent_fk_dropped",
     "ALTER TABLE reading DROP CONSTRAINT fk_reading_meter_id_meter",
     {("constraint", "fk_reading_meter_id_meter", "added")}),
    ("identity_dropped",
     "ALTER TABLE reading ALTER COLUMN id DROP IDENTITY",
     {("column", "reading.id", "changed")}),
    ("partition_comment_changed",
     "COMMENT ON TABLE reading_default IS 'something else'",
     {("comment", "table reading_default", "changed")}),
    ("inheritance_removed",
     "ALTER TABLE contract NO INHERIT document",
     {("inheritance", "contract", "changed")}),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project", spec_text(60))


def _diff(run_cli, url: str, dev: str, project: Path, fmt: str):
    return run_cli("diff", "--db", url, "--dev-db", dev, "--format", fmt, cwd=project)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_partition_drift_is_found_and_fixed(case, run_cli, pg: LocalServer, project: Path) -> None:
    _name, drift, expected = case
    with scratch_database(pg.url(), prefix="schemactl_partdrift") as url:
        build_from_spec(url, project)
        clean = _diff(run_cli, url, pg.url(), project, "json")
        assert clean.code == 0, clean.output
        psql(url, drift + ";\n")
        found = _diff(run_cli, url, pg.url(), project, "json")
        assert found.code == 2, found.output
        report = json.loads(found.stdout)
        assert {(c["kind"], c["name"], c["action"]) for c in report["changes"]} == expected, report["changes"]
        assert report["complete"] is True, report
        script = _diff(run_cli, url, pg.url(), project, "sql")
        assert script.code == 2
        psql(url, script.stdout)
        again = _diff(run_cli, url, pg.url(), project, "json")
        assert again.code == 0, again.stdout
    assert not scratch_databases(pg.url())


def test_sixty_partitions_drifted_at_once_converge(run_cli, pg: LocalServer, project: Path) -> None:
    """Everything at once on the 61-partition table: the script names no partition's copy of
    a parent object (the 114 failures of the issue), applies with ON_ERROR_STOP and converges."""
    with scratch_database(pg.url(), prefix="schemactl_partdrift") as url:
        build_from_spec(url, project)
        psql(url, ";\n".join(c[1] for c in CASES) + ";\n")
        found = _diff(run_cli, url, pg.url(), project, "json")
        assert found.code == 2, found.output
        report = json.loads(found.stdout)
        expected = set().union(*(c[2] for c in CASES))
        assert {(c["kind"], c["name"], c["action"]) for c in report["changes"]} == expected, report["changes"]
        script = _diff(run_cli, url, pg.url(), project, "sql")
        assert script.code == 2
        sql = script.stdout
        for i, _lo, _hi in months(60):  # no statement about a partition's own copies
            assert f'"{i}_pkey"' not in sql and f"{i}_meter_id_taken_on_idx" not in sql, sql
        assert sql.count("ADD GENERATED") + sql.count("add generated") <= 1, sql  # identity once, on the parent
        psql(url, sql)
        again = _diff(run_cli, url, pg.url(), project, "json")
        assert again.code == 0, again.stdout


def test_a_missing_partitioned_table_is_created_with_its_partitions(run_cli, pg: LocalServer, project: Path) -> None:
    with scratch_database(pg.url(), prefix="schemactl_partdrift") as url:
        build_from_spec(url, project)
        psql(url, "DROP TABLE reading;\n")
        found = _diff(run_cli, url, pg.url(), project, "json")
        assert found.code == 2, found.output
        names = {c["name"] for c in json.loads(found.stdout)["changes"] if (c["kind"], c["action"]) == ("table", "added")}
        assert names == {"reading", "reading_default", *(m[0] for m in months(60))}
        script = _diff(run_cli, url, pg.url(), project, "sql")
        psql(url, script.stdout)
        again = _diff(run_cli, url, pg.url(), project, "json")
        assert again.code == 0, again.stdout
