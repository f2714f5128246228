"""cli/output.py: which --format a run asked for, read before click parses (issue 13.6)."""

from __future__ import annotations

import pytest

from cli.output import error_document, format_in


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["diff"], "text"),
        (["diff", "-f", "json"], "json"),
        (["diff", "--format", "sql"], "sql"),
        (["diff", "--format=json"], "json"),
        (["diff", "-fjson"], "json"),
        (["--spec", "x.yaml", "seed", "-f", "json", "--db", "u"], "json"),
        (["diff", "-f", "yaml"], "text"),  # click reports the mistake; stdout stays plain
        (["diff", "-f"], "text"),
        (["diff", "--", "-f", "json"], "text"),
    ],
)
def test_format_in(args: list[str], expected: str) -> None:
    assert format_in(args) == expected


def test_error_document_is_stable() -> None:
    doc = error_document("m", None, kind="spec", details=[{"file": "schema.yaml", "line": 1, "column": 1, "message": "x"}])
    assert list(doc) == ["status", "format_version", "error"]
    assert doc["status"] == "error" and doc["format_version"] == 1
    assert list(doc["error"]) == ["kind", "message", "hint", "exit_code", "details"]
