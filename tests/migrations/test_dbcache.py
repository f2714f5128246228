"""generator.pg.dbcache: databases kept on the dev server between runs, on real servers.

Each test uses its own ``kind`` so the cached databases of other tests (generate's "spec" and
"head") on the same session server do not interfere.
"""

from __future__ import annotations

import json
import secrets
import shutil
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from migration_helpers import CASES

from generator.migrate.revision import generate
from generator.pg import dbcache
from generator.pg.database import connect, scratch_database, with_database
from generator.pg.server import LocalServer
from generator.spec import load_spec


@pytest.fixture
def kind() -> str:
    return "t" + secrets.token_hex(4)


def _query(url: str, sql: str, **params):
    engine = connect(url, autocommit=True)
    try:
        with engine.connect() as conn:
            result = conn.execute(sa.text(sql), params)
            return result.fetchall() if result.returns_rows else []
    finally:
        engine.dispose()


def _named(pg: LocalServer, prefix: str) -> list[str]:
    """The databases whose name starts with ``prefix``, oldest first."""
    rows = _query(
        pg.url(),
        "SELECT datname FROM pg_database WHERE starts_with(datname, :p) ORDER BY oid",
        p=prefix,
    )
    return [r[0] for r in rows]


def _cached(pg: LocalServer, kind: str) -> list[str]:
    return _named(pg, f"schemactl_cache_{kind}_")


def _building(pg: LocalServer, kind: str) -> list[str]:
    return _named(pg, f"schemactl_building_{kind}")


def _make_table(calls: list[str], table: str = "t"):
    def build(url: str) -> None:
        calls.append(url)
        _query(url, f"CREATE TABLE {table} (id int PRIMARY KEY)")

    return build


def test_built_once_then_reused(pg: LocalServer, kind: str) -> None:
    calls: list[str] = []
    name, built = dbcache.cached_database(
        pg.url(), kind, "a" * 64, _make_table(calls), use="template"
    )
    assert built and len(calls) == 1 and name == f"schemactl_cache_{kind}_{'a' * 16}"
    oid = _query(pg.url(), "SELECT oid FROM pg_database WHERE datname = :n", n=name)
    again, built_again = dbcache.cached_database(
        pg.url(), kind, "a" * 64, _make_table(calls), use="template"
    )
    assert (again, built_again) == (name, False) and len(calls) == 1
    assert _query(pg.url(), "SELECT oid FROM pg_database WHERE datname = :n", n=name) == oid
    assert _building(pg, kind) == []  # the temporary build database was renamed, not copied


def test_template_use_is_cloned_and_never_connected(pg: LocalServer, kind: str) -> None:
    name, _ = dbcache.cached_database(
        pg.url(), kind, "b" * 64, _make_table([], "from_cache"), use="template"
    )
    row = _query(
        pg.url(), "SELECT datistemplate, datallowconn FROM pg_database WHERE datname = :n", n=name
    )
    assert row == [(True, False)]
    with scratch_database(pg.url(), prefix="clone", template=name) as url:
        assert _query(url, "SELECT count(*) FROM from_cache") == [(0,)]
        _query(
            url, "INSERT INTO from_cache VALUES (1)"
        )  # a clone is writable; the cache is not touched
    with pytest.raises(Exception, match="not currently accepting connections"):
        _query(with_database(pg.url(), name), "SELECT 1")


def test_readonly_use_refuses_writes(pg: LocalServer, kind: str) -> None:
    name, _ = dbcache.cached_database(
        pg.url(), kind, "c" * 64, _make_table([], "kept"), use="readonly"
    )
    url = with_database(pg.url(), name)
    assert _query(url, "SELECT count(*) FROM kept") == [(0,)]
    with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
        _query(url, "INSERT INTO kept VALUES (1)")


def test_a_failed_build_leaves_nothing(pg: LocalServer, kind: str) -> None:
    def broken(url: str) -> None:
        _query(url, "CREATE TABLE half (id int)")
        raise RuntimeError("the build failed halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        dbcache.cached_database(pg.url(), kind, "d" * 64, broken, use="template")
    assert _cached(pg, kind) == [] and _building(pg, kind) == []
    calls: list[str] = []
    dbcache.cached_database(pg.url(), kind, "d" * 64, _make_table(calls), use="template")
    assert len(calls) == 1  # the next run builds it properly


def test_older_databases_of_a_kind_are_pruned(pg: LocalServer, kind: str) -> None:
    names = [
        dbcache.cached_database(pg.url(), kind, f"{i:x}" * 64, _make_table([]), use=use)[0]
        for i, use in enumerate(
            ["template", "readonly", "template", "readonly", "template"], start=1
        )
    ]
    assert _cached(pg, kind) == names[-dbcache.KEEP :]


def test_a_database_being_read_is_not_pruned(pg: LocalServer, kind: str) -> None:
    first, _ = dbcache.cached_database(pg.url(), kind, "1" * 64, _make_table([]), use="readonly")
    engine = connect(with_database(pg.url(), first))
    try:
        with engine.connect() as reader:
            for i in range(2, 2 + dbcache.KEEP):
                dbcache.cached_database(
                    pg.url(), kind, f"{i}" * 64, _make_table([]), use="readonly"
                )
            assert first in _cached(pg, kind)  # in use: left for a later prune
            assert reader.execute(sa.text("SELECT count(*) FROM t")).scalar() == 0
    finally:
        engine.dispose()
    dbcache.cached_database(pg.url(), kind, "9" * 64, _make_table([]), use="readonly")
    assert first not in _cached(pg, kind)


def test_stale_build_leftovers_are_swept_fresh_ones_kept(pg: LocalServer, kind: str) -> None:
    stale = f"schemactl_building_{kind}_20000101000000_{secrets.token_hex(4)}"
    fresh = f"schemactl_building_{kind}_{time.strftime('%Y%m%d%H%M%S', time.gmtime())}_{secrets.token_hex(4)}"
    for name in (stale, fresh):
        _query(pg.url(), f'CREATE DATABASE "{name}"')
    dbcache.cached_database(pg.url(), kind, "e" * 64, _make_table([]), use="template")
    left = _building(pg, kind)
    assert stale not in left and fresh in left
    _query(pg.url(), f'DROP DATABASE "{fresh}"')


def test_clear_drops_every_cached_database(pg: LocalServer, kind: str) -> None:
    for key in ("f" * 64, "0" * 64):
        dbcache.cached_database(pg.url(), kind, key, _make_table([]), use="template")
    dropped = dbcache.clear(pg.url())
    assert {f"schemactl_cache_{kind}_{'f' * 16}", f"schemactl_cache_{kind}_{'0' * 16}"} <= set(
        dropped
    )
    assert _cached(pg, kind) == []


def test_migrations_digest_follows_every_revision_file(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (tmp_path / "env.py").write_text("# env\n")
    (versions / "0001_base.py").write_text("revision = '0001'\n")
    before = dbcache.migrations_digest(tmp_path)
    assert dbcache.migrations_digest(tmp_path) == before
    (versions / "0001_base.py").write_text("revision = '0001'  # edited\n")
    edited = dbcache.migrations_digest(tmp_path)
    (versions / "0002_next.py").write_text("revision = '0002'\n")
    assert len({before, edited, dbcache.migrations_digest(tmp_path)}) == 3


# ------------------------------------------------------------------- generate uses the cache

ADDED = CASES / "enum_value_added"


def _generate(root: Path, pg: LocalServer, message: str | None, **kwargs) -> tuple[str, list[str]]:
    phrases: list[str] = []
    result = generate(
        root,
        load_spec(root / "schema.yaml"),
        pg.url("postgres"),
        message,
        progress=phrases.append,
        **kwargs,
    )
    return result.status, [p for p in phrases if p.startswith("building the")]


def test_generate_builds_the_spec_and_head_once_and_rebuilds_on_change(
    new_project, pg: LocalServer
) -> None:
    root = new_project()
    shutil.copyfile(ADDED / "before.yaml", root / "schema.yaml")
    assert _generate(root, pg, "before")[0] == "written"
    status, built = _generate(root, pg, None, check=True)
    assert status == "no_changes" and built == [
        "building the head database (cached for later runs)"
    ]
    assert _generate(root, pg, None, check=True) == ("no_changes", [])  # both cached now
    shutil.copyfile(ADDED / "after.yaml", root / "schema.yaml")
    status, built = _generate(root, pg, None, check=True)
    assert status == "needed" and built == ["building the spec database (cached for later runs)"]
    assert _generate(root, pg, "after") == (
        "written",
        [],
    )  # the proof works on a copy of the cached head
    status, built = _generate(root, pg, None, check=True)  # a new revision: a new head
    assert status == "no_changes" and built == [
        "building the head database (cached for later runs)"
    ]


def test_an_edited_revision_file_is_a_new_head(new_project, pg: LocalServer) -> None:
    root = new_project()
    shutil.copyfile(ADDED / "before.yaml", root / "schema.yaml")
    assert _generate(root, pg, "before")[0] == "written"
    assert _generate(root, pg, None, check=True)[0] == "no_changes"
    revision = next((root / "migrations" / "versions").glob("0001_*.py"))
    revision.write_text(
        revision.read_text().replace(
            "def upgrade() -> None:\n",
            "def upgrade() -> None:\n    op.execute('CREATE TABLE hand_made (id int)')\n",
            1,
        )
    )
    status, built = _generate(root, pg, None, check=True)
    assert built == ["building the head database (cached for later runs)"]
    assert status == "needed"  # the hand-made table is not in the spec: autogenerate drops it


def test_db_clear_cache_command(new_project, pg: LocalServer, run_cli) -> None:
    root = new_project()
    shutil.copyfile(ADDED / "before.yaml", root / "schema.yaml")
    assert _generate(root, pg, "before")[0] == "written"
    result = run_cli(
        "--spec", str(root / "schema.yaml"), "db", "clear-cache", "--dev-db", pg.url("postgres")
    )
    assert result.code == 0, result
    assert "dropped schemactl_cache_spec_" in result.stdout
    assert _cached(pg, "spec") == [] and _cached(pg, "head") == []


def test_cli_generate_check_names_the_spec_database_by_the_spec_file(
    new_project, pg: LocalServer, run_cli
) -> None:
    root = new_project()
    shutil.copyfile(ADDED / "before.yaml", root / "schema.yaml")
    spec, dev = str(root / "schema.yaml"), pg.url("postgres")
    assert run_cli("--spec", spec, "generate", "-m", "before", "--dev-db", dev).code == 0
    first = run_cli("--spec", spec, "generate", "--check", "--dev-db", dev)
    specs = set(_cached(pg, "spec"))
    second = run_cli("--spec", spec, "generate", "--check", "--dev-db", dev)
    assert (first.code, second.code) == (0, 0), (first, second)
    assert set(_cached(pg, "spec")) == specs  # reused, not rebuilt
    shutil.copyfile(ADDED / "after.yaml", root / "schema.yaml")
    assert run_cli("--spec", spec, "generate", "--check", "--dev-db", dev).code == 2
    assert len(set(_cached(pg, "spec")) - specs) == 1  # a changed file is a new spec database


def test_diff_then_generate_check_build_the_spec_database_once(
    new_project, pg: LocalServer, run_cli
) -> None:
    """One store: `diff` builds the spec's database, `generate --check` of the same spec (and
    code) reads that very database instead of building its own (issue 14, deliverable 2)."""
    root = new_project()
    shutil.copyfile(ADDED / "before.yaml", root / "schema.yaml")
    spec, dev = str(root / "schema.yaml"), pg.url("postgres")
    dbcache.clear(dev)
    builds = dbcache.BUILDS["spec"]
    with scratch_database(dev, prefix="live") as live:  # an empty database: all drift
        diff = run_cli("--spec", spec, "diff", "--db", live, "--dev-db", dev, "--format", "json")
    assert diff.code == 2, diff
    assert json.loads(diff.stdout)["spec_cache"] == "built"
    after_diff = _query(
        dev,
        "SELECT datname, oid FROM pg_database WHERE starts_with(datname, 'schemactl_cache_spec_')",
    )
    assert len(after_diff) == 1 and dbcache.BUILDS["spec"] == builds + 1
    check = run_cli("--spec", spec, "generate", "--check", "--dev-db", dev)
    assert check.code == 2, check  # no revision yet: one is needed
    after_generate = _query(
        dev,
        "SELECT datname, oid FROM pg_database WHERE starts_with(datname, 'schemactl_cache_spec_')",
    )
    assert after_generate == after_diff  # the same database (name and oid): not built again
    assert dbcache.BUILDS["spec"] == builds + 1


def test_a_stamp_of_another_key_or_server_is_rebuilt(pg: LocalServer, kind: str) -> None:
    """A database under a kept name is used only when its stamp names this kind, key and
    server version: one made by hand, or kept by an older server, is built again."""
    name = dbcache.cache_name(kind, "7" * 64)
    _query(pg.url(), f'CREATE DATABASE "{name}"')
    _query(
        pg.url(),
        f"COMMENT ON DATABASE \"{name}\" IS 'schemactl cache; kind={kind}; key={'7' * 64}; server=9.6; built=x'",
    )
    calls: list[str] = []
    assert dbcache.cached_database(
        pg.url(), kind, "7" * 64, _make_table(calls), use="readonly"
    ) == (name, True)
    (stamp,) = dbcache.kept(pg.url(), kind).values()
    assert f"kind={kind}; key={'7' * 64}; server={pg.version()};" in stamp
    assert len(calls) == 1 and _query(with_database(pg.url(), name), "SELECT count(*) FROM t") == [
        (0,)
    ]
    assert dbcache.cached_database(
        pg.url(), kind, "7" * 64, _make_table(calls), use="readonly"
    ) == (name, False)
