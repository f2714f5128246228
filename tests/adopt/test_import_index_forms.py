"""`schemactl import` of the index and constraint forms (issue 16, items 6 and 7): what the
spec says for each, on the corpus case ``bookings`` (its round trip is proven by
tests/adopt/test_import_corpus.py), and what stays unsupported."""

from __future__ import annotations

from pathlib import Path

import psycopg
import yaml

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

CASE = Path(__file__).resolve().parents[1] / "fixtures" / "import_corpus" / "bookings" / "schema.sql"


def test_each_form_is_written_as_the_spec_says_it(pg: LocalServer, run_cli) -> None:
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(CASE.read_text(encoding="utf-8"))  # type: ignore[arg-type]
        run = run_cli("import", "--db", url, "--dev-db", pg.url())
        assert run.code == 0, run.output
        assert "round trip proven" in run.stderr
    tables = yaml.safe_load(run.stdout)["tables"]
    member = {ix["name"]: ix for ix in tables["member"]["indexes"]}
    assert member["member_email_lower"] == {"name": "member_email_lower", "columns": [{"expression": "lower(email)"}], "unique": True}
    assert member["member_name_search"]["columns"] == [
        {"expression": "lower(display_name)", "opclass": "gist_trgm_ops", "opclass_params": {"siglen": 64}}]
    assert member["member_phone_nnd"] == {
        "name": "member_phone_nnd", "columns": ["phone"], "unique": True, "include": ["display_name"],
        "nulls_not_distinct": True, "with": {"fillfactor": 80}}
    assert member["member_joined_brin"]["with"] == {"pages_per_range": 32}
    room = {ix["name"]: ix for ix in tables["room"]["indexes"]}
    assert room["room_label_c"]["columns"] == [{"column": "label", "collation": "C", "order": "desc", "nulls": "last"}, "capacity"]
    assert room["room_network"]["using"] == "spgist" and room["room_capacity_hash"]["using"] == "hash"
    booking = tables["booking"]
    assert {ix["name"]: ix for ix in booking["indexes"]}["booking_member"]["with"] == {"deduplicate_items": "off", "fillfactor": 90}
    assert booking["exclusions"][0] == {
        "name": "booking_no_overlap",
        "elements": [{"column": "site_id", "with": "="}, {"column": "room_no", "with": "="},
                     {"expression": "tstzrange(starts_at, ends_at)", "with": "&&"}],
        "where": "(NOT cancelled)",
    }
    assert booking["exclusions"][1]["include"] == ["note"] and booking["exclusions"][1]["deferrable"] is True
    fks = {fk["name"]: fk for fk in booking["foreign_keys"]}
    assert fks["booking_member_fk"]["not_valid"] is True
    assert fks["booking_room_fk"]["match"] == "full" and fks["booking_room_fk"]["on_update"] == "cascade"
    checks = {ck["name"]: ck for ck in tables["member"]["checks"]}
    assert checks["member_email_shape"]["not_valid"] is True
    assert checks["member_phone_digits"]["no_inherit"] is True
    assert tables["amenity"]["primary_key"] == {"name": "amenity_pkey", "columns": ["code"], "deferrable": True, "initially_deferred": True}
    assert tables["room"]["primary_key"]["include"] == ["label"]
    assert tables["site"]["unique"][0]["include"] == ["name"]


def test_an_invalid_index_stays_unsupported(pg: LocalServer, run_cli) -> None:
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, v int)")
            conn.execute("INSERT INTO t VALUES (1, 1), (2, 1)")
            try:
                conn.execute("CREATE UNIQUE INDEX CONCURRENTLY t_v ON t (v)")
            except psycopg.errors.UniqueViolation:
                pass  # leaves t_v invalid
        run = run_cli("import", "--db", url, "--dev-db", pg.url())
        assert run.code == 1
        assert "- index public.t_v: on t: an invalid index" in run.stderr
