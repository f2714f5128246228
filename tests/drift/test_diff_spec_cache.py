"""The spec's database, kept on the dev server by the one store (``generator.pg.dbcache``:
``schemactl_cache_spec_<key>``, shared with ``generate``): built once, then
read directly; rebuilt when the spec changes or the database is gone; a stale or half-built one
is never used; old ones are dropped; two cold diffs at once are fine. Real servers throughout."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest
from drift_corpus import REPO
from drift_helpers import cached_specs, drop_cached_specs, execute_autocommit, scratch_databases

import generator.drift.engine
from generator.drift.engine import run_diff
from generator.drift.spec_db import KIND, SpecDDL
from generator.pg import dbcache
from generator.pg.database import connect, with_database
from generator.pg.server import LocalServer
from generator.spec import load_spec


class Loader:
    """Loads the spec and counts the calls (a cached spec database needs none)."""

    def __init__(self, path: Path) -> None:
        self.path, self.calls = path, 0

    def __call__(self):
        self.calls += 1
        return load_spec(self.path)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(REPO / "schema.yaml", tmp_path / "schema.yaml")
    return tmp_path


@pytest.fixture
def cold(pg17: LocalServer) -> str:
    """The 17 server with no cached spec database."""
    drop_cached_specs(pg17.url())
    return pg17.url()


def spec_database_name(key: str) -> str:
    return dbcache.cache_name(KIND, key)


def spec_ddl(project: Path) -> tuple[SpecDDL, Loader]:
    load = Loader(project / "schema.yaml")
    return SpecDDL.load_cached(project / "schema.yaml", project, load), load


def no_build(*_args):
    raise AssertionError("the spec was built although its cached database exists")


def database_settings(server_url: str, name: str) -> tuple[bool, str]:
    rows = execute_autocommit(
        server_url,
        "SELECT d.datistemplate, coalesce(array_to_string(s.setconfig, ','), '') FROM pg_database d "
        f"LEFT JOIN pg_db_role_setting s ON s.setdatabase = d.oid AND s.setrole = 0 WHERE d.datname = '{name}'",
    )
    return rows[0][0], rows[0][1]


def test_built_once_then_read_without_parsing_the_spec(
    project: Path, cold: str, head17: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ddl, load = spec_ddl(project)
    first = run_diff(head17, cold, ddl)
    assert first.in_sync and first.spec_cache == "built"
    name = spec_database_name(ddl.key)
    assert list(cached_specs(cold)) == [name]
    assert f"key={ddl.key}; server=17.6;" in cached_specs(cold)[name]
    assert database_settings(cold, name) == (False, "default_transaction_read_only=on")
    assert not scratch_databases(cold)

    monkeypatch.setattr(generator.drift.engine, "_build_spec", no_build)
    again, load = spec_ddl(project)
    second = run_diff(head17, cold, again)
    assert second.in_sync and second.spec_cache == "hit"
    assert load.calls == 0, "the spec was parsed although its cached database exists"
    # read, not built: inspected, or answered by the fingerprint shortcut (test_fingerprint.py)
    assert {"spec_inspect", "spec_fingerprint"} & set(second.timings) and "scratch_created" not in second.timings
    assert list(cached_specs(cold)) == [name] and not scratch_databases(cold)


def test_the_cached_database_cannot_be_written_by_accident(
    project: Path, cold: str, head17: str
) -> None:
    ddl, _ = spec_ddl(project)
    run_diff(head17, cold, ddl)
    engine = connect(with_database(cold, spec_database_name(ddl.key)))
    try:
        with engine.connect() as conn:
            with pytest.raises(Exception, match="read-only transaction"):
                conn.exec_driver_sql("CREATE TABLE intruder (x int)")
    finally:
        engine.dispose()


def test_a_changed_spec_gets_a_database_of_its_own(project: Path, cold: str, head17: str) -> None:
    ddl, _ = spec_ddl(project)
    assert run_diff(head17, cold, ddl).spec_cache == "built"
    spec = project / "schema.yaml"
    spec.write_text(spec.read_text().replace("Platform accounts.", "Accounts of the platform."))
    changed, load = spec_ddl(project)
    assert changed.key != ddl.key
    report = run_diff(head17, cold, changed)
    assert report.spec_cache == "built" and load.calls == 1
    assert [(c.kind, c.name, c.action) for c in report.changes] == [
        ("comment", "table users", "changed")
    ]
    assert set(cached_specs(cold)) == {spec_database_name(ddl.key), spec_database_name(changed.key)}


def test_a_cached_database_dropped_by_someone_is_built_again(
    run_cli, cold: str, head17: str
) -> None:
    """`--dev-db` pointing at a server where someone dropped the cache database."""
    first = run_cli("diff", "--db", head17, "--dev-db", cold, "--format", "json")
    assert first.code == 0, first.output
    assert json.loads(first.stdout)["spec_cache"] == "built"
    (name,) = cached_specs(cold)
    execute_autocommit(
        cold, f'ALTER DATABASE "{name}" IS_TEMPLATE false', f'DROP DATABASE "{name}"'
    )
    again = run_cli("diff", "--db", head17, "--dev-db", cold, "--format", "json")
    assert again.code == 0, again.output
    assert json.loads(again.stdout)["spec_cache"] == "built"
    assert len(cached_specs(cold)) == 1
    hit = run_cli("diff", "--db", head17, "--dev-db", cold, "--format", "json")
    assert hit.code == 0 and json.loads(hit.stdout)["spec_cache"] == "hit"


@pytest.mark.parametrize("comment", [
    None,  # created by hand: empty, no comment
    "schemactl cache; kind=spec; key={other}; server=17.6; built=2020-01-01T00:00:00Z",  # another spec
    "schemactl cache; kind=spec; key={key}; server=16.4; built=2020-01-01T00:00:00Z",  # another server version
    "schemactl cache; kind=head; key={key}; server=17.6; built=2020-01-01T00:00:00Z",  # another kind
])
def test_a_database_of_that_name_that_is_not_this_build_is_never_used(
    project: Path, cold: str, head17: str, comment: str | None
) -> None:
    """An empty database under the cache's name would be all drift if it were read."""
    ddl, _ = spec_ddl(project)
    name = spec_database_name(ddl.key)
    execute_autocommit(cold, f'CREATE DATABASE "{name}"')
    if comment is not None:
        text = comment.format(key=ddl.key, other=ddl.key[:16] + "0" * 48)
        execute_autocommit(cold, f"COMMENT ON DATABASE \"{name}\" IS '{text}'")
    report = run_diff(head17, cold, ddl)
    assert report.in_sync and report.spec_cache == "built"
    assert f"key={ddl.key}; server=17.6;" in cached_specs(cold)[name]
    assert run_diff(head17, cold, ddl).spec_cache == "hit"


def test_a_failed_build_publishes_nothing(
    project: Path, cold: str, head17: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build fails after its DDL ran: the half-built database is dropped, never renamed."""
    real = generator.drift.engine._build_spec

    def half(url: str, *args):
        real(url, *args)
        raise RuntimeError("killed halfway")

    monkeypatch.setattr(generator.drift.engine, "_build_spec", half)
    ddl, _ = spec_ddl(project)
    with pytest.raises(RuntimeError, match="killed halfway"):
        run_diff(head17, cold, ddl)
    assert not cached_specs(cold) and not scratch_databases(cold)


def _fake_cached(server_url: str, name: str, built: str) -> None:
    comment = f"schemactl cache; kind=spec; key={'0' * 64}; server=17.6; built={built}"
    execute_autocommit(server_url, f'CREATE DATABASE "{name}"', f"COMMENT ON DATABASE \"{name}\" IS '{comment}'",
                       f'ALTER DATABASE "{name}" IS_TEMPLATE true')


def test_old_cached_databases_and_killed_scratch_databases_are_dropped(
    project: Path, cold: str, head17: str
) -> None:
    """After a build, the newest ``keep`` stay (the one just built among them); one in use is
    never dropped; a scratch database of a diff killed hours ago is swept, a recent one not."""
    _fake_cached(cold, "schemactl_cache_spec_0000000000000001", "2020-01-01T00:00:00Z")  # oldest, in use
    _fake_cached(cold, "schemactl_cache_spec_0000000000000002", "2020-01-02T00:00:00Z")
    _fake_cached(cold, "schemactl_cache_spec_0000000000000003", "2020-01-03T00:00:00Z")
    long_ago = time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() - 3 * 3600))
    recent = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    killed, running = f"schemactl_diff_{long_ago}_0badc0de", f"schemactl_diff_{recent}_0badc0de"
    execute_autocommit(cold, f'CREATE DATABASE "{killed}"', f'CREATE DATABASE "{running}"')
    reader = connect(with_database(cold, "schemactl_cache_spec_0000000000000001"))
    try:
        with reader.connect():
            ddl, _ = spec_ddl(project)
            assert run_diff(head17, cold, ddl, keep_cached=2).spec_cache == "built"
            assert set(cached_specs(cold)) == {
                spec_database_name(ddl.key),
                "schemactl_cache_spec_0000000000000003",
                "schemactl_cache_spec_0000000000000001",
            }
        assert scratch_databases(cold) == {running}
    finally:
        reader.dispose()
        execute_autocommit(cold, f'DROP DATABASE "{running}"')
    drop_cached_specs(cold)


def test_two_cold_diffs_at_once(project: Path, cold: str, head17: str) -> None:
    """Both build; one publishes, the other finds the name taken and drops its copy."""
    reports: list = []
    errors: list[BaseException] = []

    def diff() -> None:
        try:
            reports.append(run_diff(head17, cold, spec_ddl(project)[0]))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=diff) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert [r.in_sync for r in reports] == [True, True]
    assert len(cached_specs(cold)) == 1 and not scratch_databases(cold)
    assert run_diff(head17, cold, spec_ddl(project)[0]).spec_cache == "hit"


def test_a_spec_without_a_key_is_built_in_a_scratch_database(
    project: Path, cold: str, head17: str
) -> None:
    """`schemactl up` passes a loaded Spec: built, compared, dropped; nothing cached."""
    report = run_diff(head17, cold, load_spec(project / "schema.yaml"))
    assert report.in_sync and report.spec_cache == "off"
    assert not cached_specs(cold) and not scratch_databases(cold)
