"""``schemactl lint`` (issue 18 item 3) on the committed chain, in-process: the baseline in
migrations/lint_since.txt (0009) leaves nothing to lint, ``--since base`` finds squawk's
findings in the chain written before online-safe generation, ``--db`` lints only what the
database has not applied, and the error paths are one line."""

from __future__ import annotations

import json
from collections import Counter

from checkout import project_copy

from generator.migrate import api as migrate


def cli(run_cli, *args: str):
    return run_cli("--spec", str(project_copy() / "schema.yaml"), *args)


def test_lint_default_baseline_is_clean(run_cli) -> None:
    result = cli(run_cli, "lint")
    assert result.code == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "clean: no squawk findings in 1 revision(s) after 0009 (0 explained in revision headers)")  # 0010


def test_lint_whole_chain_has_findings(run_cli) -> None:
    result = cli(run_cli, "lint", "--since", "base", "--format", "json")
    assert result.code == 2
    doc = json.loads(result.stdout)
    assert doc["status"] == "findings" and doc["baseline"] is None
    assert doc["revisions"] == ["0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010"]
    rules = Counter(f["rule"] for f in doc["findings"])
    # what issue 18 reported: non-concurrent index builds on existing tables, 0008's DROP INDEX, no timeouts
    assert rules["require-concurrent-index-creation"] == 14
    assert rules["require-concurrent-index-deletion"] == 1
    assert [f["revision"] for f in doc["findings"] if f["rule"] == "require-concurrent-index-deletion"] == ["0008"]
    assert rules["require-lock-timeout"] == rules["require-statement-timeout"] > 0


def test_lint_with_db_lints_only_pending(run_cli, empty_db: str) -> None:
    migrate.upgrade(project_copy(), empty_db, "0008")
    result = cli(run_cli, "lint", "--db", empty_db, "--since", "0006", "--format", "json")
    assert result.code == 2, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert doc["revisions"] == ["0009", "0010"], "0001..0008 are applied there"
    assert {f["revision"] for f in doc["findings"]} == {"0009"}


def test_lint_unknown_baseline_is_one_line(run_cli) -> None:
    result = cli(run_cli, "lint", "--since", "9999")
    assert result.code == 1
    assert result.stderr.strip().splitlines() == [
        "error: lint baseline '9999' is not a revision of migrations/",
        "hint: pass --since with a revision id (see alembic history) or base; or fix migrations/lint_since.txt",
    ]
