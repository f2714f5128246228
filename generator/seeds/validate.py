"""``schemactl validate``: schema.yaml and seeds.yaml checked together, as one result. Pure.

The seeds layer is the lowest that knows both files (seeds are checked against the spec), so
the report is assembled here, not in cli/, which only renders it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import Problem, SpecError

if TYPE_CHECKING:
    from generator.spec.model import Spec

FORMAT_VERSION = 1  # of the JSON document of `schemactl validate` (ValidateReport.as_dict)


@dataclass
class ValidateReport:
    """Every problem of the files checked; ``status`` is "ok" or "invalid"."""

    files: list[str]  # as shown to the user
    problems: list[Problem] = field(default_factory=list)
    summary: str = ""  # "3 tables, 20 columns, 2 enums; 12 seed rows (0.05s)"; "" when the spec is invalid

    @property
    def status(self) -> str:
        return "invalid" if self.problems else "ok"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "format_version": FORMAT_VERSION,
            "files": list(self.files),
            "problems": [p.as_dict() for p in sorted(self.problems)],
            "summary": self.summary,
        }


def validate(
    load_spec: Callable[[], Spec], spec_shown: str, seeds: Path | None, seeds_shown: str = "seeds.yaml"
) -> ValidateReport:
    """Check the spec (``load_spec()``, which raises SpecError) and, when ``seeds`` is a path
    that exists, seeds.yaml against it. Never raises SpecError: its problems are the report's."""
    from generator.seeds.spec import load_seeds

    started = time.perf_counter()
    problems: list[Problem] = []
    files = [spec_shown]
    spec = None
    try:
        spec = load_spec()
    except SpecError as exc:
        problems.extend(exc.problems)
    seeds_checked = None
    if seeds is not None and seeds.exists():
        files.append(seeds_shown)
        if spec is not None:
            try:
                seeds_checked = load_seeds(seeds, spec, display=seeds_shown)
            except SpecError as exc:
                problems.extend(exc.problems)
    summary = ""
    if spec is not None:
        n_cols = sum(len(t.columns) for t in spec.tables.values())
        counts = ((len(spec.tables), "table"), (n_cols, "column"), (len(spec.enums), "enum"))
        summary = ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in counts)
        if seeds_checked is not None:
            summary += f"; {seeds_checked.row_count} seed rows"
        summary += f" ({time.perf_counter() - started:.2f}s)"
    return ValidateReport(files, sorted(problems), summary)
