from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import checkout
import pgservers
import pytest
from clirunner import RunCli, make_run_cli

from generator.pg.database import scratch_database
from generator.pg.server import LocalServer

# ---------------------------------------------------------------------------------------
# Real PostgreSQL servers (helpers in tests/pgservers.py).
#   pg17, pg18, pg15 - session-wide servers, started on first use, stopped at session end
#                      (17 and 18 are required: missing binaries fail, never skip; 15 skips)
#   pg               - parametrized over SCHEMACTL_TEST_PG (default "17", CI: "17,18"): the
#                      servers the whole suite runs against
#   empty_db         - URL of a fresh scratch database on `pg`, dropped afterwards
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_root() -> Iterator[Path]:
    root = pgservers.make_root()
    yield root
    pgservers.remove_root(root)


@pytest.fixture(scope="session")
def pg17(pg_root: Path) -> Iterator[LocalServer]:
    yield from pgservers.serve("17", pg_root)


@pytest.fixture(scope="session")
def pg18(pg_root: Path) -> Iterator[LocalServer]:
    yield from pgservers.serve("18", pg_root)


@pytest.fixture(scope="session")
def pg15(pg_root: Path) -> Iterator[LocalServer]:
    yield from pgservers.serve("15", pg_root)


@pytest.fixture(params=pgservers.selected_majors(), ids=lambda major: f"pg{major}")
def pg(request: pytest.FixtureRequest) -> LocalServer:
    return request.getfixturevalue(f"pg{request.param}")


@pytest.fixture
def empty_db(pg: LocalServer) -> Iterator[str]:
    with scratch_database(pg.url()) as url:
        yield url


@pytest.fixture
def repo_copy() -> Path:
    """The process's copy of the repo's project (tests/checkout.py ``project_copy``): commands
    that would otherwise run in the checkout run here, so their caches stay out of it."""
    return checkout.project_copy()


# ---------------------------------------------------------------------------------------


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> RunCli:
    """The CLI in-process (tests/clirunner.py): ``run_cli(*args, cwd=None, env=None) -> Run``."""
    return make_run_cli(monkeypatch, capsys)


# ---------------------------------------------------------------------------------------
# The `pg` marker: every test that needs a PostgreSQL server carries it, applied here from
# the fixtures it uses (directly or through other fixtures), so `pytest -m "not pg"` is the
# seconds-long loop without a server and nobody has to remember to mark a test by hand.
# ---------------------------------------------------------------------------------------
# (plus the fixtures that reach a server through request.getfixturevalue, invisible statically)
SERVER_FIXTURES = frozenset(
    {
        "pg_root", "pg", "pg15", "pg17", "pg18", "server_root", "scram_server", "drifted_live",
        "drift_setup", "own_server", "projects_root", "scram",
    }
)


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _fixture_caches() -> set[Path]:
    return set(FIXTURES.rglob(".schemactl"))


@pytest.fixture(scope="session", autouse=True)
def fixtures_stay_clean() -> Iterator[None]:
    """Tests run commands on copies (tmp_path): none may leave a cache in tests/fixtures/."""
    before = _fixture_caches()
    yield
    left = sorted(str(p.relative_to(FIXTURES)) for p in _fixture_caches() - before)
    assert not left, f"tests wrote caches into tests/fixtures/: {left}"


@pytest.fixture(autouse=True)
def checkout_stays_clean() -> Iterator[None]:
    """No test may create or change state in the checkout's own .schemactl/ (tests/checkout.py):
    run commands on a copy (the ``repo_copy`` fixture, ``checkout.copy_project``)."""
    before = checkout.state_snapshot()
    yield
    changed = checkout.state_changes(before)
    if changed:
        pytest.fail(
            f"the test wrote into the checkout's .schemactl/: {changed}: run the command on a "
            "copy of the project (repo_copy fixture, tests/checkout.py); with several workers "
            "the writer may be a test running at the same time on another one",
            pytrace=False,
        )


# ---------------------------------------------------------------------------------------
# What a run runs, and in how many processes (README "Tests"):
#   SCHEMACTL_TEST_PG      servers of the `pg` tests: default "17" (17.6, the production
#                          target); CI runs "17,18" (.ci/run). In the whole-suite run, tests
#                          that need 18.6 besides (the pg18 fixture or marker: cross-version)
#                          run only when 18 is selected.
#   SCHEMACTL_TEST_SLOW=1  also the `slow` tests (concurrency, volume, subprocess runs), which
#                          the whole-suite run deselects (counted as "deselected" in the
#                          summary); `-m slow`, or naming their file, runs them too. CI sets it.
#   SCHEMACTL_TEST_WORKERS pytest-xdist workers when the run names no test paths (the whole
#                          suite): default DEFAULT_WORKERS, 0 = one process. An explicit
#                          `-n N` wins; a run of chosen files stays in one process.
# Each worker is a pytest session of its own: its own servers (tests/pgservers.py makes a
# root per session), its own tmp_path and repo_copy, so workers share no data directory,
# database, port or cache.
# ---------------------------------------------------------------------------------------

# One more than the 2 cores here: the server tests spend much of their time waiting on
# PostgreSQL and on subprocesses. README "Tests" has the measured figures.
DEFAULT_WORKERS = 3


def _flag(name: str) -> bool:
    return (os.environ.get(name) or "0").strip().lower() not in ("", "0", "false", "no")


def _workers() -> int:
    raw = (os.environ.get("SCHEMACTL_TEST_WORKERS") or str(DEFAULT_WORKERS)).strip()
    if not raw.isdigit():
        raise pytest.UsageError(
            f"SCHEMACTL_TEST_WORKERS={raw!r}: a number of workers (0 = one process)"
        )
    return int(raw)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """The whole suite (no test paths given) runs on SCHEMACTL_TEST_WORKERS xdist workers
    unless the command line says otherwise (-n, -p no:xdist, --pdb, --collect-only)."""
    if hasattr(config, "workerinput") or not config.pluginmanager.hasplugin("xdist"):
        return
    if config.option.numprocesses is not None or config.option.usepdb:
        return
    if config.option.collectonly or not _whole_suite(config):
        return
    workers = _workers()
    if workers > 0:
        config.option.numprocesses = workers  # xdist's own hook (after this one) starts them


def pytest_configure(config: pytest.Config) -> None:
    markexpr = (config.getoption("markexpr", default="") or "").replace(" ", "")
    pgservers.SERVERS_FORBIDDEN = "notpg" in markexpr


def _whole_suite(config: pytest.Config) -> bool:
    """No test paths on the command line: the run is the whole suite (testpaths)."""
    return config.args_source == pytest.Config.ArgsSource.TESTPATHS


def _runs_slow(config: pytest.Config) -> bool:
    """The slow tests run with SCHEMACTL_TEST_SLOW=1, when -m names them, or when the command
    line names test paths (a file you name runs whole); only the whole suite leaves them out."""
    markexpr = config.getoption("markexpr", default="") or ""
    return _flag("SCHEMACTL_TEST_SLOW") or "slow" in markexpr or not _whole_suite(config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    slow = "run" if _runs_slow(config) else "deselected (SCHEMACTL_TEST_SLOW=1 runs them)"
    return [f"schemactl: PostgreSQL {', '.join(pgservers.selected_majors())} (SCHEMACTL_TEST_PG); slow tests {slow}"]


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """Say what the run left out (under xdist the summary's "deselected" count is missing)."""
    left = []
    if not _runs_slow(config):
        left.append("the slow tests (SCHEMACTL_TEST_SLOW=1 runs them)")
    if _whole_suite(config) and "18" not in pgservers.selected_majors():
        left.append("PostgreSQL 18.6 (SCHEMACTL_TEST_PG=17,18 runs it)")
    if left and not hasattr(config, "workerinput"):
        terminalreporter.write_line(
            f"schemactl: this run left out {' and '.join(left)}; CI runs everything (.ci/run)"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.pg)
    left_out = set()
    if not _runs_slow(config):
        left_out |= {item for item in items if item.get_closest_marker("slow") is not None}
    if _whole_suite(config) and "18" not in pgservers.selected_majors():
        left_out |= {item for item in items if _needs_pg18(item)}
    if left_out:
        config.hook.pytest_deselected(items=[item for item in items if item in left_out])
        items[:] = [item for item in items if item not in left_out]


def _needs_pg18(item: pytest.Item) -> bool:
    """Tests of 18.6 besides the selection (cross-version, the embedded version): the `pg18`
    fixture, or the `pg18` marker where the server comes through request.getfixturevalue."""
    return "pg18" in getattr(item, "fixturenames", ()) or item.get_closest_marker("pg18") is not None
