"""The drift corpus through `schemactl diff`, in-process, on every server of SCHEMACTL_TEST_PG.

For each case of tests/drift/cases: a copy of a database upgraded to head gets the case's
hand-written SQL; `diff --format json` must exit 2 and report exactly the expected changes;
the `--format sql` script, applied as psql would, must bring the database back (a second
diff exits 0). The clean database exits 0. The dev server is the same server here;
tests/drift/test_cross_version.py pairs different majors.
"""

from __future__ import annotations

import json

import pytest
from drift_corpus import REQUIRED_KINDS, Case, drifted, load_cases
from drift_helpers import apply_script, scratch_databases

from generator.pg.server import LocalServer

CASES = load_cases()


def test_every_required_kind_has_a_case() -> None:
    kinds = {case.kind for case in CASES if case.required}
    assert kinds == set(REQUIRED_KINDS)
    assert len([c for c in CASES if c.required]) == 18


def test_clean_database_is_in_sync(run_cli, pg: LocalServer, head: str) -> None:
    result = run_cli("diff", "--db", head, "--dev-db", pg.url(), "--format", "json")
    assert result.code == 0, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "in_sync"
    assert report["changes"] == [] and report["statements"] == []
    text = run_cli("diff", "--db", head, "--dev-db", pg.url())
    assert text.code == 0 and text.stdout == ""
    assert "in_sync: the database matches the spec" in text.stderr
    assert not scratch_databases(pg.url())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_is_detected_and_fixed(run_cli, pg: LocalServer, head: str, case: Case) -> None:
    with drifted(pg.url(), head, case) as url:
        result = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "json")
        assert result.code == 2, result.output
        report = json.loads(result.stdout)
        assert report["status"] == "drift"
        found = {(c["kind"], c["name"], c["action"]) for c in report["changes"]}
        assert found == set(case.expected), report["changes"]
        assert report["statements"], "drift without SQL"
        assert report["complete"] is case.complete

        script = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "sql")
        assert script.code == 2
        if not case.complete:
            return
        apply_script(url, script.stdout)
        again = run_cli("diff", "--db", url, "--dev-db", pg.url(), "--format", "json")
        assert again.code == 0, again.stdout
    assert not scratch_databases(pg.url())


TEXT_CASES = ["extra_column", "enum_value_missing", "table_comment_changed"]


@pytest.mark.parametrize("name", TEXT_CASES)
def test_text_output_names_each_object_then_the_sql(run_cli, pg: LocalServer, head: str, name: str) -> None:
    case = next(c for c in CASES if c.name == name)
    with drifted(pg.url(), head, case) as url:
        text = run_cli("diff", "--db", url, "--dev-db", pg.url())
    assert text.code == 2
    lines = text.stdout.splitlines()
    assert lines[0] == f"{len(case.expected)} difference{'s' if len(case.expected) > 1 else ''} between the database and the spec:"
    for kind, obj, _action in case.expected:
        assert any(line.split(None, 1)[:1] == [kind] and f" {obj} " in line for line in lines), text.stdout
    assert any(line.startswith("SQL to bring the database to the spec (") for line in lines)
    assert "drift: " in text.stderr and "Traceback" not in text.output
