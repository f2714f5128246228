"""Counts and revisions the tests compare output with, derived from the project's own files.

Tests never hard-code "17 tables", "10 seed rows" or head "0008": following the README or
docs/seeds.md (add a table, a tool, ``seed --revision``, ``generate``) changes them, and the
suite must keep passing (issue 13, item 15). Everything here is read straight from the YAML and
the file names, independently of the code under test (yaml.safe_load, not generator.spec).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
_REVISION_FILE = re.compile(r"^(\d{4})_.*\.py$")


@dataclass(frozen=True)
class Facts:
    tables: int
    columns: int
    enums: int
    seed_rows: int
    seed_rows_by_table: dict[str, int]
    seed_keys: dict[str, list]  # table -> each row's natural key (the value, or a tuple if composite)
    revisions: tuple[str, ...]  # revision ids in order, e.g. ("0001", ..., "0009")

    @property
    def head(self) -> str:
        return self.revisions[-1]

    @property
    def previous(self) -> str:
        """The revision before head."""
        return self.revisions[-2]

    @property
    def next_revision(self) -> str:
        """The id the next generated revision gets (generator.migrate.revision numbers them)."""
        return f"{int(self.head) + 1:04d}"

    @property
    def validate_summary(self) -> str:
        """What ``schemactl validate`` prints after ``ok: ``."""
        return f"{self.tables} tables, {self.columns} columns, {self.enums} enums; {self.seed_rows} seed rows"


def facts(root: Path = REPO) -> Facts:
    spec = yaml.safe_load((root / "schema.yaml").read_text(encoding="utf-8"))
    tables = spec.get("tables") or {}
    seeds_path = root / "seeds.yaml"
    seeds = yaml.safe_load(seeds_path.read_text(encoding="utf-8")) if seeds_path.is_file() else {}
    by_table = {name: len(body.get("rows") or []) for name, body in ((seeds or {}).get("tables") or {}).items()}
    keys = {}
    for name, body in ((seeds or {}).get("tables") or {}).items():
        cols = body.get("key") or []
        keys[name] = [row.get(cols[0]) if len(cols) == 1 else tuple(row.get(c) for c in cols) for row in body.get("rows") or []]
    names = sorted(p.name for p in (root / "migrations" / "versions").glob("*.py") if _REVISION_FILE.match(p.name))
    return Facts(
        tables=len(tables),
        columns=sum(len(body.get("columns") or {}) for body in tables.values()),
        enums=len(spec.get("enums") or {}),
        seed_rows=sum(by_table.values()),
        seed_rows_by_table=by_table,
        seed_keys=keys,
        revisions=tuple(name[:4] for name in names),
    )


FACTS = facts()
