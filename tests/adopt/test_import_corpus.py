"""schemactl import on the corpus (tests/fixtures/import_corpus/<case>/schema.sql), on 17 and 18.

Each case loads into a fresh database. Supported cases round-trip (the command's own proof:
validate, drift engine, pg_dump) with zero differences, and a second import is
byte-identical; refused cases exit 1 naming exactly the expected unsupported objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from generator.adopt.verify import dump_schema, normalise_dump
from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "import_corpus"
SUPPORTED = ["filmrental", "musicstore", "northwind", "large", "hostile", "sequences", "domainshop", "shopfloor", "bookings", "partitions", "tenantevents", "rentalchain", "saasapp", "enterprise", "sensornet", "reporting", "dvdrental", "appfuncs", "tenantacl", "schemas", "pagilalike", "authprofiles"]
REFUSED = {
    "leftovers": {
        "function public.feed_rate(rpm integer)",
        "function public.feed_rate(rpm integer, flutes integer)",
        "rule public.machine_log.machine_log_no_delete",
        "statistics object public.machine_rpm_name",
        "table public.spindle_sample",
        "view public.recent_samples",
    },
}


def load_case(url: str, case: str) -> None:
    sql = (CORPUS / case / "schema.sql").read_text(encoding="utf-8")
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture
def source_of(pg: LocalServer) -> Iterator:
    """source_of(case) -> URL of a fresh database holding the case (dropped afterwards)."""
    from contextlib import ExitStack

    with ExitStack() as stack:

        def make(case: str) -> str:
            url = stack.enter_context(scratch_database(pg.url(), prefix="schemactl_importsrc"))
            load_case(url, case)
            return url

        yield make


def test_the_corpus_is_complete() -> None:
    cases = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    assert cases == sorted(SUPPORTED + list(REFUSED))
    for case in cases:
        source = (CORPUS / case / "SOURCE.md").read_text(encoding="utf-8")
        assert "our own writing" in source.lower(), case


@pytest.mark.parametrize("case", SUPPORTED)
def test_supported_case_round_trips_and_is_stable(case: str, source_of, pg: LocalServer, run_cli, tmp_path: Path) -> None:
    url = source_of(case)
    before = normalise_dump(dump_schema(url))
    first = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(tmp_path / "schema.yaml"), cwd=tmp_path)
    assert first.code == 0, first.output
    assert "round trip proven" in first.stderr
    second = run_cli("import", "--db", url, "--dev-db", pg.url(), "--no-verify")
    assert second.code == 0, second.output
    assert second.stdout == (tmp_path / "schema.yaml").read_text(encoding="utf-8")  # byte-identical
    assert normalise_dump(dump_schema(url)) == before  # the source is only read


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_unsupported_case_is_refused_naming_each_object(case: str, source_of, pg: LocalServer, run_cli, tmp_path: Path) -> None:
    url = source_of(case)
    out = tmp_path / "schema.yaml"
    run = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(out), cwd=tmp_path)
    assert run.code == 1
    assert not out.exists()
    named = {line.strip()[2:].split(":")[0] for line in run.stderr.splitlines() if line.strip().startswith("- ")}
    assert named == REFUSED[case]
    n = len(REFUSED[case])
    assert f"the database has {n} object{'s' if n != 1 else ''} the spec cannot express" in run.stderr
    assert "Traceback" not in run.output


def test_skip_unsupported_round_trips_the_dvdrental_shape(source_of, pg: LocalServer, run_cli) -> None:
    url = source_of("dvdrental")
    run = run_cli("import", "--db", url, "--dev-db", pg.url(), "--skip-unsupported")
    assert run.code == 0, run.output
    assert "imported 4 tables to stdout: round trip proven (" in run.stderr  # nothing left to skip
    import yaml

    view = yaml.safe_load(run.stdout)["views"]["actor_info"]  # its INSTEAD OF trigger was the last refusal
    assert [t["name"] for t in view["triggers"]] == ["actor_info_ins"]
    assert view["triggers"][0]["timing"] == "instead of"


def test_appfuncs_imports_its_policy_and_row_level_security(source_of, pg: LocalServer, run_cli, tmp_path: Path) -> None:
    """The case refused until issue 17's RLS round (a policy and RLS only) imports whole."""
    import yaml

    url = source_of("appfuncs")
    out = tmp_path / "schema.yaml"
    run = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(out), "--skip-unsupported", cwd=tmp_path)
    assert run.code == 0, run.output
    assert "round trip proven" in run.stderr and "skipped" not in run.stderr
    text = out.read_text(encoding="utf-8")
    assert "unmanaged" not in text
    data = yaml.safe_load(text)
    assert data["tables"]["note"]["rls"] == {"enabled": True}
    assert data["tables"]["note"]["policies"] == [{"name": "note_tenant_isolation", "using": "(tenant_id = current_tenant())"}]
    assert sorted(data["tables"]) == ["audit_entry", "note", "tag", "tenant"]  # tag's type is a domain
    assert data["domains"] == {"short_text": {"type": "text", "checks": [{"name": "short_text_check", "sql": "(length(VALUE) <= 80)"}]}}
    # the serial column: its sequence and nextval default are written (sequences are in the spec)
    assert data["tables"]["audit_entry"]["columns"]["id"]["default_sql"] == "nextval('audit_entry_id_seq'::regclass)"
    assert data["sequences"]["audit_entry_id_seq"]["owned_by"] == "audit_entry.id"


def test_exclude_leaves_tables_out_and_says_so(source_of, pg: LocalServer, run_cli) -> None:
    import yaml

    url = source_of("musicstore")
    run = run_cli("import", "--db", url, "--dev-db", pg.url(), "--exclude", "playlist*")
    assert run.code == 0, run.output
    assert "#   - table public.playlist\n" in run.stdout and "#   - table public.playlist_track\n" in run.stdout
    assert "playlist" not in yaml.safe_load(run.stdout)["tables"]


def test_a_gap_the_writer_misses_is_caught_by_the_round_trip(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    """A table CLUSTERed on an index: the spec cannot say it, and nothing in the writer looks
    at indisclustered. The proof must refuse to write the spec. (The gap this test kept
    before, an identity whose sequence was renamed, is written now: identity's mapping form.)"""
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v integer)")
            conn.execute("CREATE INDEX t_v ON t (v)")
            conn.execute("ALTER TABLE t CLUSTER ON t_v")
        out = tmp_path / "schema.yaml"
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(out))
        assert run.code == 1
        assert "does not round-trip" in run.stderr
        assert "-ALTER TABLE public.t CLUSTER ON t_v;" in run.stderr
        assert not out.exists()


def test_a_renamed_identity_sequence_and_an_unlogged_sequence(pg: LocalServer, run_cli) -> None:
    """An identity sequence's own name is written (identity's mapping form) and round-trips;
    an UNLOGGED sequence, which the spec cannot say, is named, never written as a logged one."""
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY)")
            conn.execute("ALTER SEQUENCE t_id_seq RENAME TO t_identity")
        run = run_cli("import", "--db", url, "--dev-db", pg.url())
        assert run.code == 0, run.output
        assert "id: {type: integer, identity: {generated: always, sequence: t_identity}}" in run.stdout
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("CREATE UNLOGGED SEQUENCE scratch_seq")
        refused = run_cli("import", "--db", url, "--dev-db", pg.url())
        assert refused.code == 1
        assert "- sequence public.scratch_seq: UNLOGGED sequences are not in the spec" in refused.stderr


def test_schema_option_reads_only_those_schemas(source_of, pg: LocalServer, run_cli) -> None:
    """--schema public: the other schemas are not read (said in the header, not listed as
    unsupported); the foreign key from public into one of them still is."""
    url = source_of("schemas")
    refused = run_cli("import", "--db", url, "--dev-db", pg.url(), "--schema", "public")
    assert refused.code == 1
    assert "- foreign key public.address.address_person_id_fkey" in refused.stderr
    assert "schema sales" not in refused.stderr
    run = run_cli("import", "--db", url, "--dev-db", pg.url(), "--schema", "public", "--skip-unsupported")
    assert run.code == 0, run.output
    assert "# Schemas not read (not named by --schema): person, sales\n" in run.stdout
    assert "round trip proven; 2 objects skipped" in run.stderr
    # the trigger of public.address calls sales.touch_modified, in a schema not read
    assert "#   - trigger public.address.address_touch: its function sales.touch_modified is not one the spec writes" in run.stdout


KINDS_SQL = """
CREATE EXTENSION btree_gist;
CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE TABLE gen (id int PRIMARY KEY, code text COLLATE "C", total int GENERATED ALWAYS AS (id * 2) STORED);
CREATE TABLE plain (id int PRIMARY KEY, name text NOT NULL, email text, room int, slot int,
  CONSTRAINT plain_email_key UNIQUE (email) DEFERRABLE INITIALLY DEFERRED,
  CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, slot WITH =),
  CONSTRAINT uq_nnd UNIQUE NULLS NOT DISTINCT (room, slot));
CREATE UNIQUE INDEX plain_nnd_ix ON plain (name, room) NULLS NOT DISTINCT;
CREATE TABLE other (id int PRIMARY KEY, a int, b int, g int REFERENCES gen (id),
  CONSTRAINT other_fk FOREIGN KEY (a, b) REFERENCES plain (room, slot) MATCH FULL ON DELETE SET NULL DEFERRABLE);
CREATE TABLE third (id int PRIMARY KEY, p int REFERENCES plain (id) DEFERRABLE INITIALLY DEFERRED, q int, note text);
ALTER TABLE third ADD CONSTRAINT third_q_fk FOREIGN KEY (q) REFERENCES plain (id) NOT VALID;
COMMENT ON CONSTRAINT third_p_fkey ON third IS 'a comment on a constraint';
COMMENT ON CONSTRAINT no_overlap ON plain IS 'an exclusion is written, its comment is not';
CREATE INDEX third_lower_note ON third (lower(note));
CREATE INDEX third_incl ON third (p) INCLUDE (note);
CREATE INDEX third_opc ON third (note text_pattern_ops);
CREATE INDEX third_ok ON third (p, q);
COMMENT ON INDEX third_ok IS 'an index comment';
CREATE TABLE nopk (a int);  -- written with primary_key: []
CREATE UNLOGGED TABLE scratchpad (id int PRIMARY KEY);
CREATE TABLE withopts (id int PRIMARY KEY) WITH (fillfactor = 70);
CREATE MATERIALIZED VIEW mv AS SELECT id FROM plain;
CREATE INDEX mv_id ON mv (id);
CREATE SEQUENCE free_seq;
GRANT SELECT ON third TO PUBLIC;
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC;
"""
KINDS_SKIPPED = {
    "comment CONSTRAINT third_p_fkey ON public.third", "comment INDEX public.third_ok",
    "comment CONSTRAINT no_overlap ON public.plain",
    "table public.scratchpad", "table public.withopts",
}


def test_identity_options_are_imported(pg: LocalServer, run_cli) -> None:
    """Identity options other than the defaults are written in identity's mapping form (they
    were refused as "identity options" before sequences were in the spec)."""
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 100 CACHE 20) PRIMARY KEY)")
        run = run_cli("import", "--db", url, "--dev-db", pg.url())
        assert run.code == 0, run.output
        assert 'id: {type: bigint, identity: {generated: "by default", start: 100, cache: 20}}' in run.stdout
        assert "round trip proven" in run.stderr


def test_skipped_objects_of_every_kind_leave_an_exact_round_trip(pg: LocalServer, run_cli) -> None:
    """Each kind the spec cannot say is named; with --skip-unsupported the rest is proven:
    exactly the differences the skipped objects explain are set aside (an index comment, a
    DEFAULT ACL, a deferrable unique's index, a range type's constructors...)."""
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(KINDS_SQL)  # type: ignore[arg-type]
        refused = run_cli("import", "--db", url, "--dev-db", pg.url())
        assert refused.code == 1
        named = {line.strip()[2:].split(":")[0] for line in refused.stderr.splitlines() if line.strip().startswith("- ")}
        assert named == KINDS_SKIPPED
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), "--skip-unsupported")
        assert run.code == 0, run.output
        assert f"round trip proven; {len(KINDS_SKIPPED)} objects skipped" in run.stderr


def test_not_enforced_constraints_are_named_on_18(pg18: LocalServer, run_cli) -> None:
    """PostgreSQL 18's NOT ENFORCED checks and foreign keys: named, never written broken."""
    with scratch_database(pg18.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("CREATE TABLE p (id int PRIMARY KEY, x int CHECK (x > 0) NOT ENFORCED)")
            conn.execute("CREATE TABLE c (id int PRIMARY KEY, p int REFERENCES p (id) NOT ENFORCED)")
        run = run_cli("import", "--db", url, "--dev-db", pg18.url(), "--skip-unsupported")
        assert run.code == 0, run.output
        assert "#   - constraint public.p.p_x_check: CHECK ((x > 0)) NOT ENFORCED" in run.stdout
        assert "#   - foreign key public.c.c_p_fkey: NOT ENFORCED foreign keys" in run.stdout


def test_a_named_not_null_makes_its_table_unsupported_on_18(pg18: LocalServer, run_cli) -> None:
    with scratch_database(pg18.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("CREATE TABLE a (id int PRIMARY KEY, x int CONSTRAINT x_required NOT NULL, y int NOT NULL)")
            conn.execute("CREATE TABLE b (id int PRIMARY KEY, y int NOT NULL)")
        run = run_cli("import", "--db", url, "--dev-db", pg18.url(), "--skip-unsupported")
        assert run.code == 0, run.output
        assert "#   - table public.a: NOT NULL constraint x_required" in run.stdout
        assert "round trip proven; 1 object skipped" in run.stderr
