"""Drift of the index and constraint forms where the spec holds them (issue 16, items 6 and 7).

The database is the import corpus case ``bookings`` (tests/fixtures/import_corpus/bookings)
and the spec is its import (index_forms/schema.yaml, proven by the round trip). Each case
drifts the database by hand; `diff --format json` must exit 2 naming exactly the expected
changes, and the `--format sql` script, applied as psql -v ON_ERROR_STOP=1 does, must bring
the database back (a second diff exits 0). The tests/drift/cases corpus covers the forms the
repo's own spec does not use (extra expression index, extra exclusion, ...).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest
from psqlrun import converge

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "fixtures" / "import_corpus" / "bookings" / "schema.sql"

CASES = {
    "expression_index_removed": ("DROP INDEX member_email_lower", {("index", "member_email_lower", "added")}),
    "expression_index_changed": (
        "DROP INDEX member_email_lower; CREATE UNIQUE INDEX member_email_lower ON member (upper(email))",
        {("index", "member_email_lower", "changed")},
    ),
    "opclass_changed": (
        "DROP INDEX room_label_prefix; CREATE INDEX room_label_prefix ON room (label)",
        {("index", "room_label_prefix", "changed")},
    ),
    "opclass_parameter_changed": (
        "DROP INDEX member_name_search; CREATE INDEX member_name_search ON member USING gist (lower(display_name) gist_trgm_ops (siglen = 16))",
        {("index", "member_name_search", "changed")},
    ),
    "include_changed": (
        "DROP INDEX member_phone_nnd; CREATE UNIQUE INDEX member_phone_nnd ON member (phone) NULLS NOT DISTINCT WITH (fillfactor = 80)",
        {("index", "member_phone_nnd", "changed")},
    ),
    "collation_changed": (
        'DROP INDEX room_label_c; CREATE INDEX room_label_c ON room (label DESC NULLS LAST, capacity)',
        {("index", "room_label_c", "changed")},
    ),
    "exclusion_removed": (
        "ALTER TABLE booking DROP CONSTRAINT booking_no_overlap",
        {("constraint", "booking_no_overlap", "added")},
    ),
    "exclusion_changed": (
        "ALTER TABLE booking DROP CONSTRAINT booking_no_overlap; ALTER TABLE booking ADD CONSTRAINT booking_no_overlap "
        "EXCLUDE USING gist (site_id WITH =, room_no WITH =, tstzrange(starts_at, ends_at) WITH &&)",
        {("constraint", "booking_no_overlap", "changed")},
    ),
    "unique_no_longer_deferrable": (
        "ALTER TABLE site DROP CONSTRAINT site_region_code_key; "
        "ALTER TABLE site ADD CONSTRAINT site_region_code_key UNIQUE (region, code) INCLUDE (name)",
        {("constraint", "site_region_code_key", "changed")},
    ),
    "primary_key_no_longer_deferrable": (
        "ALTER TABLE amenity DROP CONSTRAINT amenity_pkey; ALTER TABLE amenity ADD CONSTRAINT amenity_pkey PRIMARY KEY (code)",
        {("constraint", "amenity_pkey", "changed")},
    ),
    "check_validated": (
        "ALTER TABLE member VALIDATE CONSTRAINT member_email_shape",
        {("constraint", "member_email_shape", "changed")},
    ),
    "check_inherits": (
        "ALTER TABLE member DROP CONSTRAINT member_phone_digits; "
        "ALTER TABLE member ADD CONSTRAINT member_phone_digits CHECK (phone ~ '^[0-9+ ]+$')",
        {("constraint", "member_phone_digits", "changed")},
    ),
    "foreign_key_validated": (
        "ALTER TABLE booking VALIDATE CONSTRAINT booking_member_fk",
        {("constraint", "booking_member_fk", "changed")},
    ),
    "foreign_key_match_simple": (
        "ALTER TABLE booking DROP CONSTRAINT booking_room_fk; ALTER TABLE booking ADD CONSTRAINT booking_room_fk "
        "FOREIGN KEY (site_id, room_no) REFERENCES room (site_id, room_no) ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED",
        {("constraint", "booking_room_fk", "changed")},
    ),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(HERE / "index_forms" / "schema.yaml", tmp_path / "schema.yaml")
    return tmp_path


@pytest.mark.parametrize("case", sorted(CASES))
def test_index_form_drift_is_found_and_fixed(case: str, pg: LocalServer, run_cli, project: Path) -> None:
    sql, expected = CASES[case]
    with scratch_database(pg.url(), prefix="schemactl_idxdrift") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(SOURCE.read_text(encoding="utf-8"))  # type: ignore[arg-type]
        clean = run_cli("diff", "--db", url, "--dev-db", pg.url(), cwd=project)
        assert clean.code == 0, clean.output
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]
        result = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "json", cwd=project)
        assert result.code == 2, result.output
        found = {(c["kind"], c["name"], c["action"]) for c in json.loads(result.stdout)["changes"]}
        assert found == expected
        converge(run_cli, url, pg.url(), cwd=project)
