"""The catalog fingerprint shortcut of ``schemactl diff`` (generator.pg.fingerprint): equal
schemas built two ways (migrations, the spec's DDL) fingerprint equal, so a no-drift diff skips
both inspections; and every kind of object either reader (schemainspect's SQL, our catalog
snapshot) sees changes the fingerprint when it changes, so the shortcut can never hide a
difference the full comparison reports. Real servers (17 and 18)."""

from __future__ import annotations

import re
from pathlib import Path

from drift_corpus import REPO

from generator.drift.engine import run_diff
from generator.drift.spec_db import SpecDDL
from generator.pg import fingerprint as fp
from generator.pg.database import connect
from generator.spec import load_spec


def parts_of(url: str) -> dict[str, str]:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return fp.read_parts(conn)
    finally:
        engine.dispose()


def spec_ddl(tmp_path: Path) -> SpecDDL:
    (tmp_path / "schema.yaml").write_bytes((REPO / "schema.yaml").read_bytes())
    return SpecDDL.load_cached(tmp_path / "schema.yaml", tmp_path, lambda: load_spec(tmp_path / "schema.yaml"))


def test_head_and_spec_database_fingerprint_equal(pg, head: str, tmp_path: Path) -> None:
    """The chain's head (built by 0001..0010, with their drops and renames) and the spec's
    cached database (built from the spec's DDL): the same fingerprint, so the diff shortcuts."""
    ddl = spec_ddl(tmp_path)
    first = run_diff(head, pg.url(), ddl)  # builds (or finds) the spec's cached database
    assert first.in_sync
    from generator.drift.spec_db import KIND
    from generator.pg import dbcache
    from generator.pg.database import with_database

    spec_db = with_database(pg.url(), dbcache.cache_name(KIND, ddl.key))
    live, spec = parts_of(head), parts_of(spec_db)
    assert {k for k in live if live[k] != spec[k]} == set()
    again = run_diff(head, pg.url(), ddl)
    assert again.in_sync and again.spec_cache == "hit"
    assert again.timings.get("fingerprint_equal") == 1.0
    assert again.server_versions["database"] == again.server_versions["dev"] == pg.version()
    # the spec side's fingerprint is remembered (signed) in the project's cache: only the live
    # side is read from now on
    third = run_diff(head, pg.url(), spec_ddl(tmp_path))
    assert third.in_sync and third.timings.get("spec_fingerprint_remembered") == 1.0
    assert "spec_fingerprint" not in third.timings and "spec_connect" not in third.timings
    assert "dev_check" in third.timings  # answered on psycopg alone (generator.drift.remembered)


def test_a_remembered_fingerprint_counts_only_when_this_machine_signed_it(tmp_path: Path) -> None:
    """A spec-fingerprint.json committed into a project (which could make a drifted database
    compare equal to the spec) is ignored: only this machine's signature counts."""
    import json

    from generator.drift import spec_fingerprint

    path = tmp_path / ".schemactl" / "cache" / spec_fingerprint.FILE
    entry = spec_fingerprint.ident("k" * 64, "postgresql://u@h:5432/postgres", "schemactl_cache_spec_x")
    spec_fingerprint.write(path, entry, "f" * 64, "17.6")
    assert spec_fingerprint.read(path, entry) == ("f" * 64, "17.6")
    data = json.loads(path.read_text())
    data[entry]["fingerprint"] = "0" * 64  # a forged value under the old signature
    path.write_text(json.dumps(data))
    assert spec_fingerprint.read(path, entry) is None
    data[entry]["signature"] = "0" * 64
    path.write_text(json.dumps(data))
    assert spec_fingerprint.read(path, entry) is None


# A database holding one of each kind of object the readers see; each mutation below runs in
# a transaction of its own on it (rolled back), and must change the fingerprint.
SETUP = """
CREATE SCHEMA billing;
COMMENT ON SCHEMA billing IS 'money';
CREATE TYPE status AS ENUM ('new', 'done');
CREATE TYPE pair AS (a int, b text);
CREATE TYPE span AS RANGE (subtype = int4);
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
CREATE SEQUENCE counter INCREMENT 2;
CREATE TABLE parent (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x', st status,
    n positive, code text COLLATE "C", CONSTRAINT name_len CHECK (length(name) < 50));
CREATE TABLE child (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, parent_id int REFERENCES parent ON DELETE CASCADE,
    doubled int GENERATED ALWAYS AS (parent_id * 2) STORED, note text);
CREATE INDEX child_note ON child (note) WHERE note IS NOT NULL;
CREATE UNIQUE INDEX parent_lower_name ON parent (lower(name));
CREATE TABLE billing.invoice (id int PRIMARY KEY, parent_id int REFERENCES parent);
CREATE TABLE events (id int, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE VIEW parent_names AS SELECT id, name FROM parent WHERE id > 0;
CREATE MATERIALIZED VIEW parent_count AS SELECT count(*) AS n FROM parent;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE FUNCTION add1(i int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT i + 1';
CREATE PROCEDURE noop() LANGUAGE sql AS 'SELECT 1';
CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int, initcond = '0');
CREATE TRIGGER parent_touch BEFORE UPDATE ON parent FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE parent ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON parent FOR SELECT TO PUBLIC USING (id > 0);
COMMENT ON TABLE parent IS 'parents';
COMMENT ON COLUMN parent.name IS 'the name';
GRANT SELECT ON parent TO PUBLIC;
"""

MUTATIONS = {
    "table added": "CREATE TABLE extra (a int)",
    "table renamed": "ALTER TABLE child RENAME TO kid",
    "table unlogged": "ALTER TABLE child SET UNLOGGED",
    "table moved to a schema": "ALTER TABLE child SET SCHEMA billing",
    "replica identity": "ALTER TABLE parent REPLICA IDENTITY FULL",
    "column added": "ALTER TABLE parent ADD COLUMN extra int",
    "column dropped": "ALTER TABLE child DROP COLUMN note",
    "column renamed": "ALTER TABLE child RENAME COLUMN note TO remark",
    "column type": "ALTER TABLE child ALTER COLUMN note TYPE varchar(20)",
    "column not null": "ALTER TABLE child ALTER COLUMN note SET NOT NULL",
    "column default": "ALTER TABLE parent ALTER COLUMN name SET DEFAULT 'y'",
    "column default dropped": "ALTER TABLE parent ALTER COLUMN name DROP DEFAULT",
    "column collation": 'ALTER TABLE parent ALTER COLUMN code TYPE text COLLATE "POSIX"',
    "identity dropped": "ALTER TABLE child ALTER COLUMN id DROP IDENTITY",
    "identity kind": "ALTER TABLE child ALTER COLUMN id SET GENERATED BY DEFAULT",
    "generated dropped": "ALTER TABLE child ALTER COLUMN doubled DROP EXPRESSION",
    "check added": "ALTER TABLE child ADD CONSTRAINT note_len CHECK (length(note) < 9)",
    "check changed": "ALTER TABLE parent DROP CONSTRAINT name_len, ADD CONSTRAINT name_len CHECK (length(name) < 51)",
    "check not valid": "ALTER TABLE parent DROP CONSTRAINT name_len, ADD CONSTRAINT name_len CHECK (length(name) < 50) NOT VALID",
    "foreign key action": "ALTER TABLE child DROP CONSTRAINT child_parent_id_fkey, "
    "ADD CONSTRAINT child_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parent ON DELETE SET NULL",
    "foreign key deferrable": "ALTER TABLE child ALTER CONSTRAINT child_parent_id_fkey DEFERRABLE",
    "unique added": "ALTER TABLE child ADD CONSTRAINT note_unique UNIQUE (note)",
    "index added": "CREATE INDEX parent_st ON parent (st)",
    "index dropped": "DROP INDEX child_note",
    "index renamed": "ALTER INDEX child_note RENAME TO child_note2",
    "index predicate": "DROP INDEX child_note; CREATE INDEX child_note ON child (note) WHERE note <> ''",
    "index method": "DROP INDEX child_note; CREATE INDEX child_note ON child USING hash (note) WHERE note IS NOT NULL",
    "index descending": "DROP INDEX child_note; CREATE INDEX child_note ON child (note DESC) WHERE note IS NOT NULL",
    "enum value": "ALTER TYPE status ADD VALUE 'late'",
    "enum value before": "ALTER TYPE status ADD VALUE 'first' BEFORE 'new'",
    "enum value renamed": "ALTER TYPE status RENAME VALUE 'done' TO 'finished'",
    "composite attribute": "ALTER TYPE pair ADD ATTRIBUTE c int",
    "range added": "CREATE TYPE span8 AS RANGE (subtype = int8)",
    "domain check": "ALTER DOMAIN positive ADD CONSTRAINT small CHECK (VALUE < 100)",
    "domain default": "ALTER DOMAIN positive SET DEFAULT 1",
    "domain not null": "ALTER DOMAIN positive SET NOT NULL",
    "sequence increment": "ALTER SEQUENCE counter INCREMENT 3",
    "sequence cycle": "ALTER SEQUENCE counter CYCLE",
    "sequence owned": "ALTER SEQUENCE counter OWNED BY parent.n",
    "sequence type": "ALTER SEQUENCE counter AS int",
    "view definition": "CREATE OR REPLACE VIEW parent_names AS SELECT id, name FROM parent WHERE id > 1",
    "view option": "ALTER VIEW parent_names SET (security_barrier = true)",
    "materialized view": "DROP MATERIALIZED VIEW parent_count; CREATE MATERIALIZED VIEW parent_count AS SELECT count(id) AS n FROM parent",
    "function body": "CREATE OR REPLACE FUNCTION add1(i int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT i + 2'",
    "function volatility": "ALTER FUNCTION add1(int) STABLE",
    "function security": "ALTER FUNCTION add1(int) SECURITY DEFINER",
    "function setting": "ALTER FUNCTION add1(int) SET search_path = public",
    "function overload": "CREATE FUNCTION add1(i bigint) RETURNS bigint LANGUAGE sql AS 'SELECT i + 1'",
    "function strict": "ALTER FUNCTION add1(int) STRICT",
    "procedure body": "CREATE OR REPLACE PROCEDURE noop() LANGUAGE sql AS 'SELECT 2'",
    "aggregate": "DROP AGGREGATE total(int); CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int, initcond = '1')",
    "trigger added": "CREATE TRIGGER child_touch BEFORE INSERT ON child FOR EACH ROW EXECUTE FUNCTION touch()",
    "trigger when": "DROP TRIGGER parent_touch ON parent; CREATE TRIGGER parent_touch BEFORE UPDATE ON parent "
    "FOR EACH ROW WHEN (OLD.name <> NEW.name) EXECUTE FUNCTION touch()",
    "trigger disabled": "ALTER TABLE parent DISABLE TRIGGER parent_touch",
    "policy using": "ALTER POLICY own ON parent USING (id > 1)",
    "policy added": "CREATE POLICY ins ON parent FOR INSERT WITH CHECK (id > 0)",
    "row security off": "ALTER TABLE parent DISABLE ROW LEVEL SECURITY",
    "row security forced": "ALTER TABLE parent FORCE ROW LEVEL SECURITY",
    "grant": "GRANT INSERT ON parent TO PUBLIC",
    "revoke": "REVOKE SELECT ON parent FROM PUBLIC",
    "grant on schema": "GRANT USAGE ON SCHEMA billing TO PUBLIC",
    "grant on function": "REVOKE EXECUTE ON FUNCTION add1(int) FROM PUBLIC",
    "default privileges": "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC",
    "schema added": "CREATE SCHEMA reports",
    "schema comment": "COMMENT ON SCHEMA billing IS 'cash'",
    "public schema comment": "COMMENT ON SCHEMA public IS 'mine'",
    "table comment": "COMMENT ON TABLE parent IS 'the parents'",
    "column comment": "COMMENT ON COLUMN parent.name IS NULL",
    "index comment": "COMMENT ON INDEX child_note IS 'i'",
    "constraint comment": "COMMENT ON CONSTRAINT name_len ON parent IS 'c'",
    "view comment": "COMMENT ON VIEW parent_names IS 'v'",
    "view column comment": "COMMENT ON COLUMN parent_names.name IS 'v'",
    "function comment": "COMMENT ON FUNCTION add1(int) IS 'f'",
    "trigger comment": "COMMENT ON TRIGGER parent_touch ON parent IS 't'",
    "policy comment": "COMMENT ON POLICY own ON parent IS 'p'",
    "type comment": "COMMENT ON TYPE status IS 'e'",
    "domain comment": "COMMENT ON DOMAIN positive IS 'd'",
    "sequence comment": "COMMENT ON SEQUENCE counter IS 's'",
    "partition attached": "CREATE TABLE events_2027 PARTITION OF events FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')",
    "partition detached": "ALTER TABLE events DETACH PARTITION events_2026",
    "partition bound": "ALTER TABLE events DETACH PARTITION events_2026; "
    "ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2026-07-01')",
    "inheritance": "CREATE TABLE heir () INHERITS (child)",
    "extension": "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "table in another schema": "CREATE TABLE billing.extra (a int)",
    "collation": "CREATE COLLATION billing.mine (locale = 'C')",
}


def test_every_mutation_changes_the_fingerprint(empty_db: str) -> None:
    """Each kind of object either reader compares, changed: the fingerprint changes, so
    the shortcut (equal fingerprints: no drift) can never hide it."""
    engine = connect(empty_db)
    try:
        with engine.connect() as conn:
            with conn.begin():
                conn.exec_driver_sql(SETUP)
            with conn.begin():
                base = fp.fingerprint(conn)
                assert fp.fingerprint(conn) == base  # stable
            unchanged: list[str] = []
            for name, sql in MUTATIONS.items():
                with conn.begin() as tx:
                    if name == "extension" and not conn.exec_driver_sql(
                        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
                    ).first():
                        tx.rollback()
                        continue
                    conn.exec_driver_sql(sql)
                    if fp.fingerprint(conn) == base:
                        unchanged.append(name)
                    tx.rollback()
            with conn.begin():
                assert fp.fingerprint(conn) == base
    finally:
        engine.dispose()
    assert unchanged == []


def test_every_catalog_the_readers_name_is_covered(pg) -> None:
    """Every system catalog named in schemainspect's SQL files (what migra reads) or in our
    catalog modules (the snapshot) is one the fingerprint hashes (``COVERED``)."""
    import schemainspect

    sources = list((Path(schemainspect.__file__).parent / "pg" / "sql").glob("*.sql"))
    sources += list((REPO / "generator" / "pg").glob("catalog*.py"))
    words = {w for path in sources for w in re.findall(r"\bpg_[a-z_]+\b", path.read_text())}
    engine = connect(pg.url())
    try:
        with engine.connect() as conn:
            catalogs = set(
                conn.exec_driver_sql(
                    "SELECT relname::text FROM pg_class WHERE relnamespace = 'pg_catalog'::regnamespace "
                    "AND relkind IN ('r', 'v')"
                ).scalars()
            )
    finally:
        engine.dispose()
    named = words & catalogs
    assert named - set(fp.COVERED) == set()
    assert {"pg_class", "pg_attribute", "pg_constraint", "pg_proc"} <= named  # the scan found them
