"""Tables without a primary key (a log, a link table) are imported as ``primary_key: []``;
the round trip holds, diff is clean, and a key added later is drift whose fix converges
(generate: tests/fixtures/generate/table_without_primary_key). On every server of
SCHEMACTL_TEST_PG."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import yaml
from psqlrun import converge

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer

DDL = """
CREATE TABLE film (film_id integer PRIMARY KEY, title text NOT NULL);
CREATE TABLE actor (actor_id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE film_actor (actor_id integer NOT NULL REFERENCES actor, film_id integer NOT NULL REFERENCES film);
CREATE INDEX film_actor_film ON film_actor (film_id);
CREATE TABLE event_log (at timestamptz NOT NULL DEFAULT now(), message text, UNIQUE (at, message));
CREATE TABLE note (id integer PRIMARY KEY, at timestamptz, message text,
                   FOREIGN KEY (at, message) REFERENCES event_log (at, message));
COMMENT ON TABLE event_log IS 'No key: a log.';
"""


def test_tables_without_a_primary_key_round_trip(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    with scratch_database(pg.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(DDL)  # type: ignore[arg-type]
        run = run_cli("import", "--db", url, "--dev-db", pg.url(), "-o", str(tmp_path / "schema.yaml"), cwd=tmp_path)
        assert run.code == 0, run.output
        assert "round trip proven" in run.stderr
        tables = yaml.safe_load((tmp_path / "schema.yaml").read_text())["tables"]
        assert tables["film_actor"]["primary_key"] == [] and tables["event_log"]["primary_key"] == []
        assert "primary_key" in tables["film"] and tables["film"]["primary_key"] != []
        assert run_cli("diff", "--db", url, "--dev-db", pg.url()).code == 0
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("ALTER TABLE film_actor ADD PRIMARY KEY (actor_id, film_id)")
        drift = run_cli("diff", "--db", url, "--dev-db", pg.url(), "-f", "json")
        assert drift.code == 2, drift.output
        assert any(c["name"].startswith("film_actor") for c in json.loads(drift.stdout)["changes"]), drift.stdout
        converge(run_cli, url, pg.url())
        with psycopg.connect(libpq_url(url)) as conn:
            keys = conn.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = 'film_actor'::regclass "
                                "AND contype = 'p'").fetchone()
        assert keys == (0,)

