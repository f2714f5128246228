"""`schemactl up`, the main command: validate, upgrade to head, seed, diff, on 17 and 18."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from project_facts import FACTS

from generator.pg.database import connect
from generator.pg.server import LocalServer

HEAD = FACTS.head
REVISIONS = len(FACTS.revisions)
N = FACTS.seed_rows


def _steps(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line[:1] in "✓✗"]


def test_up_on_an_empty_database_then_again(
    run_cli, in_repo: Path, empty_db: str, pg: LocalServer
) -> None:
    first = run_cli("up", "--db", empty_db, "--dev-db", pg.url())
    assert first.code == 0, first.stderr
    steps = _steps(first.stderr)
    assert [s.split()[1] for s in steps] == ["validate", "upgrade", "seed", "diff"]
    assert steps[0].startswith(f"✓ validate  {FACTS.validate_summary} (")
    assert steps[1].startswith(f"✓ upgrade   {REVISIONS} revision(s) applied, at {HEAD} (")
    assert steps[2].startswith(f"✓ seed      {N} rows: 0 inserted, 0 updated, {N} unchanged (")
    assert steps[3].startswith("✓ diff      in sync with the spec (")
    again = run_cli("up", "--db", empty_db, "--dev-db", pg.url())
    assert again.code == 0, again.stderr
    assert _steps(again.stderr)[1].startswith(f"✓ upgrade   0 revision(s) applied, at {HEAD} (")


def test_up_exits_2_on_drift_left_after_the_upgrade(
    run_cli, in_repo: Path, empty_db: str, pg: LocalServer
) -> None:
    assert run_cli("up", "--db", empty_db, "--dev-db", pg.url()).code == 0
    engine = connect(empty_db, autocommit=True)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("ALTER TABLE jobs ADD COLUMN junk integer"))
    finally:
        engine.dispose()
    result = run_cli("up", "--db", empty_db, "--dev-db", pg.url())
    assert result.code == 2
    assert _steps(result.stderr)[-1].startswith(
        "✗ diff      1 difference(s) left after the upgrade"
    )
    assert "jobs.junk" in result.stdout + result.stderr
    assert 'alter table "public"."jobs" drop column "junk";' in result.stdout + result.stderr
