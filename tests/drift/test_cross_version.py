"""A live database on another major version than the dev server: 17.6 live with the spec
built on 18.6, and the reverse. No false drift on the committed schema, and real drift is
still found and fixed."""

from __future__ import annotations

import json

import pytest
from drift_corpus import drifted, load_cases
from drift_helpers import apply_script

# the servers come through request.getfixturevalue; pg18: run when SCHEMACTL_TEST_PG selects 18
pytestmark = [pytest.mark.pg, pytest.mark.pg18]

PAIRS = [("17", "18"), ("18", "17")]
CASES = {c.name: c for c in load_cases()}
SAMPLE = ["enum_value_missing", "column_comment_changed", "extension_missing", "x_unique_nulls_distinct", "index_where_changed"]


@pytest.mark.parametrize(("live", "dev"), PAIRS, ids=[f"live{a}-dev{b}" for a, b in PAIRS])
def test_committed_schema_has_no_false_drift(run_cli, request: pytest.FixtureRequest, live: str, dev: str) -> None:
    head = request.getfixturevalue(f"head{live}")
    dev_server = request.getfixturevalue(f"pg{dev}")
    result = run_cli("diff", "--db", head, "--dev-db", dev_server.url(), "--format", "json")
    assert result.code == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["status"] == "in_sync"
    assert report["server_versions"] == {"database": f"{live}.6", "dev": f"{dev}.6"}


@pytest.mark.parametrize(("live", "dev"), PAIRS, ids=[f"live{a}-dev{b}" for a, b in PAIRS])
@pytest.mark.parametrize("name", SAMPLE)
def test_drift_is_found_and_fixed_across_majors(run_cli, request: pytest.FixtureRequest, live: str, dev: str, name: str) -> None:
    live_server, head = request.getfixturevalue(f"pg{live}"), request.getfixturevalue(f"head{live}")
    dev_url = request.getfixturevalue(f"pg{dev}").url()
    case = CASES[name]
    with drifted(live_server.url(), head, case) as url:
        result = run_cli("diff", "--db", url, "--dev-db", dev_url, "--format", "json")
        assert result.code == 2
        assert {(c["kind"], c["name"], c["action"]) for c in json.loads(result.stdout)["changes"]} == set(case.expected)
        script = run_cli("diff", "--db", url, "--dev-db", dev_url, "--format", "sql")
        apply_script(url, script.stdout)
        assert run_cli("diff", "--db", url, "--dev-db", dev_url).code == 0
