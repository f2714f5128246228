"""Issue 12 "Also": schemactl needs no superuser on the dev server, only CREATEDB.

A dev role with LOGIN CREATEDB and nothing else runs ``generate --check``, ``diff`` and a
proven ``generate`` (revision applied and rolled back in its own scratch databases; the
spec's trusted extension citext created by it). An extension that is not trusted is the one
thing that needs a superuser dev role, and says so in one line (docs/ci.md).
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from migration_helpers import REPO, revision_files
from sqlalchemy import text

from generator.pg.database import connect, scratch_database
from generator.pg.server import LocalServer


def _execute(url: str, *statements: str) -> list[object]:
    engine = connect(url, autocommit=True)
    try:
        with engine.connect() as conn:
            results = [conn.execute(text(statement)) for statement in statements]
            return [result.fetchall() if result.returns_rows else None for result in results]
    finally:
        engine.dispose()


@pytest.fixture
def dev_role(pg: LocalServer) -> Iterator[str]:
    """URL of the maintenance database as a fresh LOGIN CREATEDB role (no superuser); the
    databases it made (its cache) and the role are dropped afterwards."""
    role = f"schemactl_dev_{secrets.token_hex(4)}"
    admin = pg.url("postgres")
    _execute(admin, f'CREATE ROLE "{role}" LOGIN CREATEDB NOSUPERUSER NOCREATEROLE')
    try:
        yield admin.replace("postgres@", f"{role}@", 1)
    finally:
        engine = connect(admin, autocommit=True)
        try:
            with engine.connect() as conn:
                owned = conn.execute(
                    text("SELECT datname FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = :r)"),
                    {"r": role},
                ).scalars().all()
                for name in owned:
                    conn.execute(text(f'ALTER DATABASE "{name}" IS_TEMPLATE false'))
                    conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                conn.execute(text(f'DROP ROLE "{role}"'))
        finally:
            engine.dispose()


def whole_project(new_project) -> Path:
    """A project with the repo's spec, seeds and committed revisions."""
    root = new_project()
    for name in ("schema.yaml", "seeds.yaml"):
        shutil.copy(REPO / name, root / name)
    for revision in (REPO / "migrations" / "versions").glob("*.py"):
        shutil.copy(revision, root / "migrations" / "versions" / revision.name)
    return root


def test_a_createdb_role_is_enough_for_generate_and_diff(new_project, run_cli, pg: LocalServer, dev_role: str) -> None:
    (is_super,) = _execute(dev_role, "SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = current_user")
    assert is_super == [(False, True)]
    root = whole_project(new_project)
    spec = str(root / "schema.yaml")
    with scratch_database(pg.url("postgres")) as live:
        upgraded = run_cli("--spec", spec, "upgrade", "--db", live)
        assert upgraded.code == 0, upgraded.stderr

        checked = run_cli("--spec", spec, "generate", "--check", "--dev-db", dev_role)
        assert checked.code == 0, checked.stderr
        assert "no_changes" in (checked.stdout + checked.stderr)

        diffed = run_cli("--spec", spec, "diff", "--db", live, "--dev-db", dev_role)
        assert diffed.code == 0, (diffed.stdout + diffed.stderr)
        assert "in_sync" in (diffed.stdout + diffed.stderr)

    # a proven revision: applied and rolled back in scratch databases the dev role made
    source = (root / "schema.yaml").read_text()
    marker = '      coating: {type: text, comment: "Coating (e.g. TiAlN, AlCrN, DLC); NULL if uncoated."}\n'
    assert marker in source
    (root / "schema.yaml").write_text(
        source.replace(marker, marker + '      supplier: {type: citext, comment: "Who sells it."}\n')
    )
    before = revision_files(root)
    written = run_cli("--spec", spec, "generate", "-m", "tool supplier", "--dev-db", dev_role)
    assert written.code == 0, (written.stdout + written.stderr)
    assert len(revision_files(root)) == len(before) + 1


def test_an_untrusted_extension_asks_for_a_superuser_dev_role(new_project, run_cli, dev_role: str) -> None:
    root = whole_project(new_project)
    source = (root / "schema.yaml").read_text()
    assert "extensions:\n  - citext\n" in source
    (root / "schema.yaml").write_text(
        source.replace("extensions:\n  - citext\n", "extensions:\n  - citext\n  - pg_stat_statements\n")
    )
    result = run_cli("--spec", str(root / "schema.yaml"), "generate", "--check", "--dev-db", dev_role)
    assert result.code == 1 and "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        'error: the dev database user may not create extension "pg_stat_statements": only a '
        "superuser may create an extension that is not trusted"
    ]
    assert "hint: use a superuser dev role" in result.stderr
