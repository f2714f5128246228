"""scripts/install-pg17.sh puts PostgreSQL 17.6 in <checkout>/.schemactl/dist/pg-17.6; the
test servers look for it there (tests/pgservers.py PG17_DIST) when SCHEMACTL_PG17_BIN is not
set. A module move once pointed it one folder too deep and every 17.6 test errored in CI.
The tool itself knows nothing of the checkout: the lookup lives in the tests."""

from __future__ import annotations

import re
from pathlib import Path

import pgservers

import generator.pg.server

CHECKOUT = Path(__file__).resolve().parents[2]


def test_the_dist_folder_is_where_the_install_script_puts_it() -> None:
    assert pgservers.CHECKOUT == CHECKOUT
    script = (CHECKOUT / "scripts" / "install-pg17.sh").read_text()
    assert 'DIST="$REPO/.schemactl/dist/pg-$PG_VERSION"' in script
    version = re.search(r'^PG_VERSION="([0-9.]+)"', script, re.M)
    assert version is not None
    assert pgservers.PG17_DIST == CHECKOUT / ".schemactl" / "dist" / f"pg-{version.group(1)}"


def test_schemactl_pg17_bin_wins_over_the_dist_folder(tmp_path: Path) -> None:
    (tmp_path / "postgres").write_text("")
    assert pgservers.pg_bin_dir("17", {"SCHEMACTL_PG17_BIN": str(tmp_path)}) == tmp_path
    assert pgservers.pg_bin_dir("17", {"SCHEMACTL_PG17_BIN": str(tmp_path / "nothing")}) is None


def test_the_tool_does_not_know_the_checkout() -> None:
    for name in ("PG17_DIST", "REPO_ROOT", "pg_bin_dir"):
        assert not hasattr(generator.pg.server, name)
    for path in (CHECKOUT / "generator").rglob("*.py"):
        assert '"dist"' not in path.read_text(encoding="utf-8"), path
