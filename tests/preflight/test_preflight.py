"""schemactl preflight (issue 18 item 4): seeded violations of each check, found with their exact
counts and sample keys, on a target that is left exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from preflight_project import CHECKSUM, ONLINE, make_project

from generator.migrate import api as migrate
from generator.pg.database import libpq_url
from generator.preflight import plan as P
from generator.preflight.run import preflight


@pytest.fixture
def seeded(tmp_path: Path, empty_db: str) -> tuple[Path, str]:
    root = make_project(tmp_path / "project")
    migrate.upgrade(root, empty_db, "0001")
    return root, empty_db


def checksum(url: str) -> str:
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute(CHECKSUM).fetchone()[0]


def by_object(report) -> dict[tuple[str, str], object]:
    return {(f.kind, f.object): f for f in report.findings}


def test_each_seeded_violation_is_found_with_its_exact_count_and_keys(seeded: tuple[Path, str]) -> None:
    root, url = seeded
    before = checksum(url)
    report = preflight(root, url)
    assert checksum(url) == before  # read-only: data, constraints, relations, enum labels, version
    found = {(f.kind, f.table, f.object): (f.count, f.samples, f.rows) for f in report.findings}
    assert found == {
        (P.NOT_NULL, "items", "label"): (7, [4, 8, 12, 16, 20], None),
        (P.CHECK, "items", "ck_items_qty"): (3, [3, 6, 9], None),
        (P.UNIQUE, "items", "uq_items_code"): (2, [1, 2, 5, 6, 7], 5),
        (P.FOREIGN_KEY, "items", "fk_items_owner"): (2, [10, 11], None),
        (P.TYPE_CHANGE, "items", "code"): (5, [20, 21, 22, 23, 24], None),
        (P.TYPE_CHANGE, "items", "amount"): (2, [7, 9], None),
        (P.NEW_NOT_NULL_COLUMN, "pairs", "extra"): (3, [[1, 1], [1, 2], [2, 1]], None),
        (P.CHECK, "owners", "ck_owner_name"): (1, [3], None),
        (P.UNIQUE, "pairs", "ix_pairs_note"): (1, [[1, 1], [2, 1]], 2),
        (P.ENUM_VALUE_REMOVED, "items", "items.color (shade: blue)"): (4, [13, 14, 15, 16], None),
    }
    assert all(f.revision == "0002" for f in report.findings)
    assert report.status == "unsafe"
    # the table the revision creates holds no rows: its CHECK is not probed
    assert not any(f.table == "tags" for f in report.findings)
    costs = {t.table: t for t in report.tables}
    assert costs["items"].bytes > 0 and costs["items"].rows is None  # never analyzed: no estimate, not 0
    assert any(w.startswith("rewrite 0002") for w in costs["items"].work)
    assert any(w.startswith("index_build 0002 (ix_pairs_note)") for w in costs["pairs"].work)


def test_clean_data_is_safe_and_at_head_has_nothing_to_check(seeded: tuple[Path, str]) -> None:
    root, url = seeded
    with psycopg.connect(libpq_url(url)) as conn:  # repair every seeded violation
        conn.execute("UPDATE items SET label = 'l' WHERE label IS NULL")
        conn.execute("UPDATE items SET qty = 0 WHERE qty < 0")
        conn.execute("UPDATE items SET code = 'D' || id WHERE code IN ('A', 'B') OR code LIKE 'LONG%'")
        conn.execute("UPDATE items SET owner_id = 1 WHERE owner_id = 99")
        conn.execute("UPDATE items SET amount = '0' WHERE amount !~ '^[0-9]+$'")
        conn.execute("UPDATE items SET color = 'red' WHERE color = 'blue'")
        conn.execute("DELETE FROM pairs")
        conn.execute("UPDATE owners SET name = 'three' WHERE name = ''")
    report = preflight(root, url)
    assert report.findings == [] and report.status == "safe"
    assert report.probes == 10  # one per check: the CHECK on the new table is not among them
    migrate.upgrade(root, url)  # and the revision then does succeed
    at_head = preflight(root, url)
    assert at_head.pending == [] and at_head.status == "safe"


def test_a_long_transaction_holding_a_lock_is_a_finding(seeded: tuple[Path, str]) -> None:
    root, url = seeded
    with psycopg.connect(libpq_url(url)) as other:
        other.execute("SELECT count(*) FROM items").fetchone()  # opens a transaction, holds ACCESS SHARE
        pid = other.info.backend_pid
        report = preflight(root, url, max_transaction_age=0)
        other.rollback()
    long = [f for f in report.findings if f.kind == "long_transaction"]
    assert [f.object for f in long] == [f"pid {pid}"]
    assert long[0].table == "items" and "holding locks on items" in long[0].message


def test_cli_exit_codes_and_json(seeded: tuple[Path, str], run_cli) -> None:
    root, url = seeded
    run = run_cli("preflight", "--db", url, "--format", "json", cwd=root)
    assert run.code == 2, run.output
    doc = json.loads(run.stdout)
    assert doc["status"] == "unsafe" and doc["format_version"] == 1
    assert doc["pending"] == [{"revision": "0002", "message": "tighten everything"}]
    null = next(f for f in doc["findings"] if f["kind"] == "not_null")
    assert null == {"revision": "0002", "kind": "not_null", "table": "items", "object": "label", "count": 7,
                    "sample_keys": [4, 8, 12, 16, 20], "message": "7 row(s) hold NULL: SET NOT NULL fails"}
    text = run_cli("preflight", "--db", url, cwd=root)
    assert text.code == 2
    assert "0002 items.label: 7 row(s) hold NULL: SET NOT NULL fails (keys 4, 8, 12, 16, 20)" in text.stdout
    assert text.stderr.strip().splitlines()[-1].startswith("unsafe: ")


def test_upgrade_runs_preflight_first(seeded: tuple[Path, str], run_cli) -> None:
    root, url = seeded
    run = run_cli("upgrade", "--db", url, cwd=root)
    assert run.code == 1
    assert "Traceback" not in run.output
    assert "preflight: 10 problem(s) in the pending revisions" in run.stderr
    assert migrate.status(root, url).current == ["0001"]  # refused before anything ran
    # upgrading to a revision short of the bad one checks only the revisions up to it
    assert run_cli("upgrade", "0001", "--db", url, cwd=root).code == 0
    # --no-preflight skips it: the upgrade itself then fails on the data, as preflight said
    skipped = run_cli("upgrade", "--db", url, "--no-preflight", cwd=root)
    assert skipped.code == 1 and "preflight" not in skipped.stderr


def test_a_table_locked_by_another_session_is_a_blocked_finding_not_a_wait(seeded: tuple[Path, str]) -> None:
    root, url = seeded
    with psycopg.connect(libpq_url(url)) as other:
        other.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
        report = preflight(root, url, lock_timeout="200ms")
        other.rollback()
    blocked = [f for f in report.findings if f.kind == "blocked"]
    # the first probe of items, and the enum probe (which finds items by its type); the other 5 are notes
    assert [(f.table, f.object) for f in blocked] == [("items", "label"), ("items", "items.color (shade: blue)")]
    assert sum("items." in n and "the table is locked" in n for n in report.notes) == 5
    # the other tables were still probed
    assert {(f.kind, f.table) for f in report.findings} >= {("not_null_column_without_default", "pairs"), ("check", "owners")}


def test_the_online_forms_are_probed_once_each_with_the_same_counts(tmp_path: Path, empty_db: str) -> None:
    """Issue 18's done-when: an index, a FK, a CHECK, a NOT NULL and a UNIQUE added to existing
    tables the online way (CONCURRENTLY + USING INDEX, NOT VALID + VALIDATE, a validated
    CHECK (col IS NOT NULL) before SET NOT NULL)."""
    root = make_project(tmp_path / "project", revision=ONLINE)
    migrate.upgrade(root, empty_db, "0001")
    before = checksum(empty_db)
    report = preflight(root, empty_db)
    assert checksum(empty_db) == before
    assert {(f.kind, f.object): (f.count, f.samples) for f in report.findings} == {
        (P.UNIQUE, "uq_items_code"): (2, [1, 2, 5, 6, 7]),
        (P.FOREIGN_KEY, "fk_items_owner"): (2, [10, 11]),
        (P.CHECK, "ck_items_qty"): (3, [3, 6, 9]),
        (P.CHECK, "ck_items_label_not_null"): (7, [4, 8, 12, 16, 20]),
    }
    assert report.probes == 4
    assert [w for t in report.tables for w in t.work] == [
        "index_build 0002 (ix_items_owner_id)", "index_build 0002 (uq_items_code)",
        "scan 0002 (fk_items_owner)", "scan 0002 (ck_items_qty)", "scan 0002 (ck_items_label_not_null)"]
