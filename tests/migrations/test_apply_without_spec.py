"""Issue 13.2: a half-edited schema.yaml must not block the committed migrations. upgrade,
downgrade, status and plain ``alembic upgrade/current/downgrade`` never read the spec; only
autogenerate does (``alembic check``, ``revision --autogenerate``, ``schemactl generate``),
and then a broken spec is one line, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from checkout import copy_project
from migration_helpers import REPO

ALEMBIC = str(Path(sys.executable).with_name("alembic"))


@pytest.fixture
def broken_project(tmp_path: Path) -> Path:
    text = (REPO / "schema.yaml").read_text()
    return copy_project(tmp_path / "proj", text.replace("tables:", "tabels:", 1) + "\n  oops: [\n")  # a typo and an open [


def _alembic(root: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ALEMBIC, "-x", f"db={url}", *args], cwd=root, capture_output=True, text=True, timeout=300)


def test_schemactl_upgrade_downgrade_status_with_a_broken_spec(run_cli, monkeypatch, broken_project: Path, empty_db: str) -> None:
    monkeypatch.chdir(broken_project)
    assert run_cli("validate").code == 1  # the spec really is broken
    up = run_cli("upgrade", "--db", empty_db)
    assert up.code == 0, up.stderr
    assert "upgraded: 8 revision(s) applied" in up.stderr or "upgraded:" in up.stderr
    status = run_cli("status", "--db", empty_db, "--check")
    assert status.code == 0, status.stderr
    assert "at_head" in status.stdout
    down = run_cli("downgrade", "base", "--db", empty_db, "--yes")
    assert down.code == 0, down.stderr
    assert "downgraded: now at base" in down.stderr


def test_plain_alembic_with_a_broken_spec(broken_project: Path, empty_db: str) -> None:
    """Before: `alembic upgrade head` and `alembic current` failed with a 33-line traceback."""
    up = _alembic(broken_project, empty_db, "upgrade", "head")
    assert up.returncode == 0, up.stderr
    current = _alembic(broken_project, empty_db, "current")
    assert current.returncode == 0, current.stderr
    assert "(head)" in current.stdout
    down = _alembic(broken_project, empty_db, "downgrade", "0006")
    assert down.returncode == 0, down.stderr


def test_autogenerate_with_a_broken_spec_is_one_line(broken_project: Path, empty_db: str) -> None:
    assert _alembic(broken_project, empty_db, "upgrade", "head").returncode == 0
    for args in (["check"], ["revision", "--autogenerate", "-m", "x"]):
        result = _alembic(broken_project, empty_db, *args)
        assert result.returncode == 255, (args, result.stderr)  # Alembic's exit code for a CommandError
        assert "Traceback" not in result.stdout + result.stderr
        lines = [ln for ln in (result.stdout + result.stderr).splitlines() if ln.strip()]  # Alembic prints FAILED on stdout
        assert len(lines) == 1, lines
        assert lines[0].startswith("FAILED: autogenerate needs a valid spec:"), lines
        assert "schema.yaml:" in lines[0] and "schemactl validate" in lines[0]
    assert sorted(p.name for p in (broken_project / "migrations" / "versions").glob("*.py")) == sorted(
        p.name for p in (REPO / "migrations" / "versions").glob("*.py")
    )
