"""``schemactl diff --format sql`` prints a script an operator applies with ``psql -f``; spec
values in it must stay literals (issue 12, redteam pass).

The drift engine (schemainspect) pasted enum values between quotes as they were, in
``create type ... as enum (...)`` and ``alter type ... add value ...``: the value
``x'); CREATE ROLE pwned_diff; --`` from a pull request's spec became a statement of its own
in the fixing script. Here the script is applied statement by statement, as psql splits it;
no role may appear, the labels must come back exactly and a second diff must find no drift.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from drift_helpers import apply_script, execute_autocommit

from generator.pg.database import scratch_database
from generator.pg.server import LocalServer

VALUES = ["it's", "a", "x'); CREATE ROLE pwned_diff; --", "back\\slash", "b\\'); CREATE ROLE pwned_diff2; --"]


def spec_yaml() -> str:
    values = ", ".join(json.dumps(v) for v in VALUES)
    return f"""version: 1
enums:
  grown: {{comment: Gains values., values: [{values}]}}
  fresh: {{comment: Missing from the database., values: [{values}]}}
tables:
  things:
    comment: Things.
    columns:
      id: {{type: bigint, primary_key: true, identity: always, comment: Id.}}
      g: {{type: grown, comment: Grown.}}
      f: {{type: fresh, comment: Fresh.}}
"""


def test_enum_values_in_the_fixing_script_stay_literals(
    pg: LocalServer, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "schema.yaml").write_text(spec_yaml(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    dev = pg.url("postgres")
    roles = "SELECT rolname FROM pg_roles WHERE rolname LIKE 'pwned%%'"
    before = execute_autocommit(dev, roles)
    with scratch_database(dev, prefix="schemactl_diff_literals") as live:
        execute_autocommit(live, "CREATE TYPE grown AS ENUM ('a')")
        first = run_cli("--spec", "schema.yaml", "diff", "--db", live, "--dev-db", dev, "--format", "sql")
        assert first.code == 2, first.stdout + first.stderr
        assert "add value" in first.stdout.lower() and "create type" in first.stdout.lower()
        apply_script(live, first.stdout)
        assert execute_autocommit(dev, roles) == before, "the fixing script ran a statement of the spec's"
        for name in ("grown", "fresh"):
            labels = execute_autocommit(
                live, f"SELECT enumlabel FROM pg_enum WHERE enumtypid = '{name}'::regtype ORDER BY enumsortorder"
            )
            assert [r[0] for r in labels] == VALUES, name
        again = run_cli("--spec", "schema.yaml", "diff", "--db", live, "--dev-db", dev)
        assert again.code == 0, again.stdout + again.stderr
