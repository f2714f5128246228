"""The catalog fingerprint shortcut of ``schemactl diff`` (generator.pg.fingerprint): equal
schemas built two ways (migrations, the spec's DDL) fingerprint equal, so a no-drift diff skips
both inspections; and every kind of object either reader (schemainspect's SQL, our catalog
snapshot) sees changes the fingerprint when it changes, so the shortcut can never hide a
difference the full comparison reports. Real servers (17 and 18)."""

from __future__ import annotations

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
