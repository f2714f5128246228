"""scripts/install-pg17.sh puts PostgreSQL 17.6 in <checkout>/.schemactl/dist/pg-17.6; the
test servers look for it there (generator.pg.server.PG17_DIST) when SCHEMACTL_PG17_BIN is not
set. A module move once pointed it one folder too deep and every 17.6 test errored in CI."""

from __future__ import annotations

import re
from pathlib import Path

from generator.pg.server import PG17_DIST, REPO_ROOT

CHECKOUT = Path(__file__).resolve().parents[2]


def test_the_dist_folder_is_where_the_install_script_puts_it() -> None:
    assert REPO_ROOT == CHECKOUT
    script = (CHECKOUT / "scripts" / "install-pg17.sh").read_text()
    assert 'DIST="$REPO/.schemactl/dist/pg-$PG_VERSION"' in script
    version = re.search(r'^PG_VERSION="([0-9.]+)"', script, re.M)
    assert version is not None
    assert PG17_DIST == CHECKOUT / ".schemactl" / "dist" / f"pg-{version.group(1)}"
