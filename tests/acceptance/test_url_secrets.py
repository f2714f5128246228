"""Issue 12 finding 4: no password, in any form a URL can carry it, is ever printed.

Every form is given to the real command line (the ``schemactl`` and ``alembic`` console
scripts in subprocesses) through each way a URL arrives: ``--db``, ``DATABASE_URL``,
``SCHEMACTL_DEV_DATABASE_URL`` and ``alembic -x db=``; against a real server that checks
passwords (so the password is wrong) and against a port where nothing listens. Each run must
exit 1 with one ``error:`` line and no traceback, and the secret must not appear on stdout or
stderr, also with ``--debug`` (whose traceback may carry driver messages).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pgservers
import pytest
from pgservers import pg_bin_dir

from generator.pg.server import LocalServer

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "Right-Horse-0451"
SECRET = "S3cret-Batt3ry-77"  # the wrong password every case carries
NOBODY_LISTENS = 1  # TCP port 1 on 127.0.0.1: connection refused


@pytest.fixture(scope="module", params=pgservers.selected_majors(), ids=lambda m: f"pg{m}")
def scram(request: pytest.FixtureRequest) -> Iterator[LocalServer]:
    """A server of its own that checks passwords (scram-sha-256)."""
    major = request.param
    if pg_bin_dir(major) is None:
        pytest.fail(f"PostgreSQL {major} binaries are missing: {pgservers.INSTALL_HINTS[major]}")
    root = pgservers.make_root()
    server = LocalServer(pg_bin_dir(major), root / "scram", name="password server", fsync=False)
    try:
        server.initdb(auth="scram-sha-256", password=PASSWORD)
        server.start()
        yield server
    finally:
        pgservers.stop_quietly(server)
        pgservers.remove_root(root)


def forms(port: int, passfile: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (URL carrying a secret, the secrets that must never be printed)."""
    at = f"Xy@{SECRET}"
    slashy = f"{SECRET}/@?#%"
    return {
        "keyword": (f"host=127.0.0.1 port={port} user=postgres password={SECRET} dbname=postgres", [SECRET]),
        "keyword_quoted": (f"host=127.0.0.1 port={port} user=postgres password='{SECRET} x' dbname=postgres", [SECRET]),
        "unencoded_at": (f"postgresql://postgres:{at}@127.0.0.1:{port}/postgres", [SECRET]),
        "upper_case_query": (f"postgresql://postgres@127.0.0.1:{port}/postgres?PASSWORD={SECRET}", [SECRET]),
        "query_password": (f"postgresql://postgres@127.0.0.1:{port}/postgres?password={SECRET}", [SECRET]),
        "percent_encoded": (
            f"postgresql://postgres:{quote(slashy, safe='')}@127.0.0.1:{port}/postgres",
            [SECRET, quote(slashy, safe="")],
        ),
        "sqlalchemy": (f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:{port}/postgres", [SECRET]),
        "passfile": (f"host=127.0.0.1 port={port} user=postgres passfile={passfile} dbname=postgres", [SECRET]),
    }


def run(args: list[str], env_extra: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "SCHEMACTL_", "DATABASE_URL"))}
    env.update(env_extra)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def assert_refused_quietly(result: subprocess.CompletedProcess[str], secrets: list[str], debug: bool) -> None:
    shown = result.stdout + result.stderr
    for secret in secrets:
        assert secret not in shown, shown
    assert result.returncode == 1, shown
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, shown
    if not debug:
        assert "Traceback" not in shown, shown
        assert "internal error" not in shown, shown


@pytest.fixture(scope="module")
def passfile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pgpass") / "pgpass"
    path.write_text(f"*:*:*:postgres:{SECRET}\n")
    path.chmod(0o600)
    return path


ENTRY_POINTS = ["--db", "DATABASE_URL", "SCHEMACTL_DEV_DATABASE_URL", "alembic -x db"]


def command(entry: str, url: str, debug: bool) -> tuple[list[str], dict[str, str]]:
    schemactl = [str(BIN / "schemactl"), *(["--debug"] if debug else [])]
    if entry == "--db":
        return [*schemactl, "status", "--db", url], {}
    if entry == "DATABASE_URL":
        return [*schemactl, "status"], {"DATABASE_URL": url}
    if entry == "SCHEMACTL_DEV_DATABASE_URL":
        return [*schemactl, "db", "clear-cache"], {"SCHEMACTL_DEV_DATABASE_URL": url}
    return [str(BIN / "alembic"), "-x", f"db={url}", "current"], {}


REACH_THE_SERVER = ["keyword", "keyword_quoted", "query_password", "percent_encoded", "sqlalchemy", "passfile"]
REFUSED_BEFORE_CONNECTING = ["unencoded_at", "upper_case_query"]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("form", REACH_THE_SERVER)
def test_a_wrong_password_is_never_printed(scram: LocalServer, passfile: Path, form: str, entry: str) -> None:
    url, secrets = forms(scram.port or 0, passfile)[form]
    args, env = command(entry, url, debug=False)
    result = run(args, env)
    assert_refused_quietly(result, secrets, debug=False)
    assert "password authentication failed for user" in result.stderr, result.stderr


@pytest.mark.parametrize("entry", ["--db", "DATABASE_URL", "SCHEMACTL_DEV_DATABASE_URL"])
@pytest.mark.parametrize("form", ["keyword", "percent_encoded", "passfile"])
def test_debug_tracebacks_are_scrubbed(scram: LocalServer, passfile: Path, form: str, entry: str) -> None:
    url, secrets = forms(scram.port or 0, passfile)[form]
    args, env = command(entry, url, debug=True)
    assert_refused_quietly(run(args, env), secrets, debug=True)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("form", REFUSED_BEFORE_CONNECTING)
def test_a_url_libpq_would_misread_is_refused_unrepeated(passfile: Path, form: str, entry: str) -> None:
    """An unencoded '@' (whose tail libpq would take for the host) and ``?PASSWORD=`` are
    refused before any connection, naming only where the URL came from."""
    url, secrets = forms(NOBODY_LISTENS, passfile)[form]
    for debug in (False, True) if entry != "alembic -x db" else (False,):
        args, env = command(entry, url, debug=debug)
        result = run(args, env)
        assert_refused_quietly(result, secrets, debug=debug)
        source = entry.replace("alembic ", "")
        assert f"error: {source} " in result.stderr, result.stderr


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("form", ["keyword", "query_password", "percent_encoded", "sqlalchemy"])
def test_an_unreachable_server_prints_no_password(passfile: Path, form: str, entry: str) -> None:
    url, secrets = forms(NOBODY_LISTENS, passfile)[form]
    for debug in (False, True) if entry == "--db" else (False,):
        args, env = command(entry, url, debug=debug)
        result = run(args, env)
        assert_refused_quietly(result, secrets, debug=debug)
        assert f"could not connect to 127.0.0.1:{NOBODY_LISTENS}: connection refused" in result.stderr


def test_the_right_password_in_a_keyword_string_works(scram: LocalServer) -> None:
    """Keyword strings are accepted as psql accepts them, not just refused politely."""
    url = f"host=127.0.0.1 port={scram.port} user=postgres password={PASSWORD} dbname=postgres"
    result = run([str(BIN / "schemactl"), "status", "--db", url], {})
    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert f"database: postgresql+psycopg://postgres:***@127.0.0.1:{scram.port}/postgres (from --db)" in result.stderr
