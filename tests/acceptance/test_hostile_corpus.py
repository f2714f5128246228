"""The hostile corpus (issue 12): specs and seeds written as an attacker would, run through
every command CI runs on a pull request, on real PostgreSQL (each server in ``pg``).

One test per folder of tests/fixtures/hostile/ (any folder holding a case.yaml; other helpers
add cases). A case folder holds

    case.yaml     finding, about, expect (command -> exit code), message, args, secrets
    schema.yaml   optional: replaces the project's spec (else the repo's schema.yaml)
    seeds.yaml    optional: replaces the project's seeds (else the repo's seeds.yaml)

and case.yaml may say ``no_revisions: true``: the copy then starts with no revisions (for a
small spec that ``generate`` must accept and prove from scratch).

The project (spec, seeds, alembic.ini, migrations/ with the repo's revisions) is copied to a
temporary folder, ``@MARKER@`` in the spec and seeds becomes a path in a world-writable
folder (the server's own user could write there, so a payload that ran would leave the file),
and each command listed under ``expect`` runs in-process from the copy:

    validate        schemactl validate
    generate_check  schemactl generate --check
    generate        schemactl generate -m hostile         (args.generate replaces "-m hostile")
    diff            schemactl diff --db <empty scratch database on the server>
    seed_revision   schemactl seed --revision -m hostile
    models          schemactl models -o <copy>/cadb/models.py

with ``SCHEMACTL_DEV_DATABASE_URL`` and ``DATABASE_URL`` pointing at the test server, so no
embedded server is ever started. Each must exit with the expected code; one expected to exit
1 must print ``message`` on one line (stderr, or stdout for validate's problem list), and no command may print a traceback or an internal
error. Afterwards: the marker file does not exist, no role, database or table whose name
starts with ``pwned`` exists anywhere on the server, and no ``secrets`` string was printed.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from clirunner import REPO, Run

from generator.pg.database import connect, scratch_database, with_database
from generator.pg.server import LocalServer

CORPUS = REPO / "tests" / "fixtures" / "hostile"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "case.yaml").is_file()) if CORPUS.is_dir() else []
COMMANDS = ("validate", "generate_check", "generate", "diff", "seed_revision", "models")
MARKER = "@MARKER@"


def load_case(name: str) -> dict[str, Any]:
    case = yaml.safe_load((CORPUS / name / "case.yaml").read_text(encoding="utf-8"))
    assert isinstance(case, dict), f"{name}/case.yaml must be a mapping"
    unknown = set(case) - {"finding", "about", "expect", "message", "args", "secrets", "no_revisions"}
    assert not unknown, f"{name}/case.yaml: unknown keys {sorted(unknown)}"
    expect = case.get("expect") or {}
    assert expect and set(expect) <= set(COMMANDS), f"{name}/case.yaml: expect needs some of {COMMANDS}"
    if 1 in expect.values():
        assert case.get("message"), f"{name}/case.yaml: a case expecting exit 1 needs message"
    return case


@pytest.fixture
def marker_dir() -> Iterator[Path]:
    """A folder the server's user (``postgres`` when the tests run as root) can write to."""
    folder = Path(tempfile.mkdtemp(prefix="schemactl-hostile-"))
    os.chmod(folder, 0o777 | stat.S_ISVTX)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def make_project(root: Path, case_dir: Path, marker: Path, revisions: bool = True) -> Path:
    project = root / "project"
    (project / "migrations").mkdir(parents=True)
    (project / "cadb").mkdir()  # where schemactl models writes models.py
    shutil.copy(REPO / "alembic.ini", project / "alembic.ini")
    for name in ("env.py", "script.py.mako"):
        shutil.copy(REPO / "migrations" / name, project / "migrations" / name)
    if revisions:
        shutil.copytree(REPO / "migrations" / "versions", project / "migrations" / "versions",
                        ignore=shutil.ignore_patterns("__pycache__"))
    else:
        (project / "migrations" / "versions").mkdir()
    for name in ("schema.yaml", "seeds.yaml"):
        source = case_dir / name if (case_dir / name).is_file() else REPO / name
        text = source.read_text(encoding="utf-8").replace(MARKER, str(marker))
        (project / name).write_text(text, encoding="utf-8")
    return project


def command_args(command: str, case: dict[str, Any], project: Path, live_url: str) -> list[str]:
    extra = list((case.get("args") or {}).get(command) or [])
    spec = ["--spec", str(project / "schema.yaml")]
    if command == "validate":
        return [*spec, "validate", *extra]
    if command == "generate_check":
        return [*spec, "generate", "--check", *extra]
    if command == "generate":
        return [*spec, "generate", *(extra or ["-m", "hostile"])]
    if command == "diff":
        return [*spec, "diff", "--db", live_url, *extra]
    if command == "seed_revision":
        return [*spec, "seed", "--revision", *(extra or ["-m", "hostile"])]
    return [*spec, "models", "-o", str(project / "cadb" / "models.py"), *extra]


def pwned_objects(server: LocalServer) -> list[str]:
    """Every role, database and table on the server whose name starts with ``pwned``."""
    found: list[str] = []
    engine = connect(server.url("postgres"))
    try:
        with engine.connect() as conn:
            found += [f"role {r}" for r in conn.exec_driver_sql(
                "SELECT rolname FROM pg_roles WHERE rolname ILIKE 'pwned%%'", {}).scalars()]
            databases = conn.exec_driver_sql(
                "SELECT datname FROM pg_database WHERE datallowconn", {}).scalars().all()
    finally:
        engine.dispose()
    found += [f"database {d}" for d in databases if d.lower().startswith("pwned")]
    for name in databases:
        engine = connect(with_database(server.url("postgres"), name))
        try:
            with engine.connect() as conn:
                found += [f"table {name}.{t}" for t in conn.exec_driver_sql(
                    "SELECT relname FROM pg_class WHERE relname ILIKE 'pwned%%'", {}).scalars()]
        except Exception:  # dropped meanwhile by another test: nothing to look at
            pass
        finally:
            engine.dispose()
    return found


def assert_ran_as_expected(command: str, code: int, result: Run, case: dict[str, Any]) -> None:
    printed = result.stdout + result.stderr
    where = f"{command}: exit {result.code}\nstdout: {result.stdout[-1500:]}\nstderr: {result.stderr[-1500:]}"
    assert "Traceback" not in printed, where
    assert "internal error" not in printed.lower(), where
    assert result.code == code, where
    if code == 1:
        # on one line; validate lists problems on stdout (its summary goes to stderr)
        lines = [ln for ln in printed.splitlines() if case["message"] in ln]
        assert lines, f"{command} must say {case['message']!r}\n{where}"


@pytest.mark.parametrize("name", CASES)
def test_hostile_case(
    name: str, pg: LocalServer, run_cli, tmp_path: Path, marker_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = load_case(name)
    marker = marker_dir / "marker"
    project = make_project(tmp_path, CORPUS / name, marker, revisions=not case.get("no_revisions"))
    before = pwned_objects(pg)
    monkeypatch.chdir(project)
    monkeypatch.setenv("SCHEMACTL_DEV_DATABASE_URL", pg.url("postgres"))
    printed: list[str] = []
    failures: list[str] = []  # every command runs, so the checks below see what all of them did
    with scratch_database(pg.url("postgres"), prefix="schemactl_hostile_live") as live_url:
        monkeypatch.setenv("DATABASE_URL", live_url)
        for command in COMMANDS:
            if command not in case["expect"]:
                continue
            result = run_cli(*command_args(command, case, project, live_url))
            printed.append(result.stdout + result.stderr)
            try:
                assert_ran_as_expected(command, int(case["expect"][command]), result, case)
            except AssertionError as exc:
                failures.append(str(exc))
        live_tables = connect_and_list(live_url)
    if marker.exists() or list(marker_dir.iterdir()):
        failures.append(f"a payload ran: {sorted(p.name for p in marker_dir.iterdir())} in {marker_dir}")
    created = sorted(set(pwned_objects(pg)) - set(before))
    if created:
        failures.append(f"a payload created objects on the server: {created}")
    if live_tables:
        failures.append(f"the live database was written to: {live_tables}")
    for secret in case.get("secrets") or []:
        if any(secret in text for text in printed):
            failures.append(f"secret {secret!r} was printed")
    assert not failures, f"{name} ({case.get('about', '')}):\n" + "\n\n".join(failures)


def connect_and_list(url: str) -> list[str]:
    """The live database's relations: diff must never write there (issue 12 finding 1)."""
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql(
                "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')", {}
            ).scalars().all()
    finally:
        engine.dispose()
