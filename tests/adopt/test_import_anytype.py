"""issue 16: extension types by name round-trip through ``import`` (pg_dump byte-equal), and
``diff`` of the imported spec is clean: hstore, ltree and citext on both servers, pgvector's
vector(n) on 18.6 only (the 17.6 build lacks pgvector)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import yaml

from generator.pg.database import libpq_url, scratch_database
from generator.pg.server import LocalServer


def _available(url: str, names: tuple[str, ...]) -> set[str]:
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute("SELECT name FROM pg_available_extensions WHERE name = ANY(%s)", [list(names)]).fetchall()
    return {r[0] for r in rows}


def _round_trip(server: LocalServer, run_cli, tmp_path: Path, sql: str) -> dict:
    with scratch_database(server.url(), prefix="schemactl_importsrc") as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]
        out = tmp_path / "schema.yaml"
        run = run_cli("import", "--db", url, "--dev-db", server.url(), "-o", str(out), cwd=tmp_path)
        assert run.code == 0, run.output
        assert "round trip proven" in run.stderr
        diff = run_cli("diff", "--db", url, "--dev-db", server.url(), cwd=tmp_path)
        assert diff.code == 0, diff.output
        return yaml.safe_load(out.read_text(encoding="utf-8"))


def test_extension_types_round_trip(pg: LocalServer, run_cli, tmp_path: Path) -> None:
    wanted = ("hstore", "ltree", "citext")
    have = _available(pg.url(), wanted)
    assert have == set(wanted), have  # both servers ship these contrib modules
    spec = _round_trip(pg, run_cli, tmp_path, """
        CREATE EXTENSION hstore; CREATE EXTENSION ltree; CREATE EXTENSION citext;
        CREATE TABLE doc (id int PRIMARY KEY, attrs hstore, path ltree, paths ltree[], email citext COLLATE "C",
                          title text COLLATE "POSIX" NOT NULL);
        CREATE INDEX doc_path ON doc USING gist (path);""")
    columns = spec["tables"]["doc"]["columns"]
    assert columns["attrs"]["type"] == "hstore" and columns["paths"]["type"] == "ltree[]"
    assert columns["title"] == {"type": "text", "nullable": False, "collation": "POSIX"}


def test_vector_round_trips_on_18(pg18: LocalServer, run_cli, tmp_path: Path) -> None:
    if "vector" not in _available(pg18.url(), ("vector",)):
        pytest.fail("the 18.6 wheel ships pgvector; it is missing")
    spec = _round_trip(pg18, run_cli, tmp_path, """
        CREATE EXTENSION vector;
        CREATE TABLE item (id int PRIMARY KEY, embedding vector(3), history vector(3)[]);""")
    assert spec["tables"]["item"]["columns"]["embedding"]["type"] == "vector(3)"
    assert spec["extensions"] == ["vector"]



def test_vector_indexes_of_extension_access_methods_round_trip_on_18(pg18: LocalServer, run_cli, tmp_path: Path) -> None:
    """issue 16 item 6: an extension's access methods (pgvector's hnsw and ivfflat), with an
    operator class and storage parameters per index, are written and proven like btree."""
    spec = _round_trip(pg18, run_cli, tmp_path, """
        CREATE EXTENSION vector;
        CREATE TABLE item (id int PRIMARY KEY, embedding vector(3));
        CREATE INDEX item_embedding_hnsw ON item USING hnsw (embedding vector_cosine_ops) WITH (m = 8, ef_construction = 32);
        CREATE INDEX item_embedding_ivf ON item USING ivfflat (embedding vector_l2_ops) WITH (lists = 4);""")
    indexes = {ix["name"]: ix for ix in spec["tables"]["item"]["indexes"]}
    assert indexes["item_embedding_hnsw"]["using"] == "hnsw"
    assert indexes["item_embedding_hnsw"]["columns"] == [{"column": "embedding", "opclass": "vector_cosine_ops"}]
    assert indexes["item_embedding_hnsw"]["with"] == {"m": 8, "ef_construction": 32}
    assert indexes["item_embedding_ivf"]["using"] == "ivfflat"


def test_an_icu_collation_round_trips_on_17(pg17: LocalServer, run_cli, tmp_path: Path) -> None:
    """The 17.6 build has ICU (the 18.6 wheel does not): "und-x-icu" on a column and on a
    composite attribute, written and proven."""
    with psycopg.connect(libpq_url(pg17.url())) as conn:
        assert conn.execute("SELECT count(*) FROM pg_collation WHERE collname = 'und-x-icu'").fetchone()[0] == 1
    spec = _round_trip(pg17, run_cli, tmp_path, """
        CREATE TYPE tagged AS (tag text COLLATE "und-x-icu", n integer);
        CREATE TABLE word (id int PRIMARY KEY, w text COLLATE "und-x-icu", t tagged);""")
    assert spec["tables"]["word"]["columns"]["w"]["collation"] == "und-x-icu"
    assert spec["types"]["tagged"]["composite"]["tag"] == {"type": "text", "collation": "und-x-icu"}
