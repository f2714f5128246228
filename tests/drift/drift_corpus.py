"""The drift case corpus: tests/drift/cases/<case>.sql, each hand-written SQL that drifts a
database upgraded to head away from the spec, with a header saying what must be found.

Header lines (SQL comments at the top of the file):

    -- kind: extra column                      what kind of drift this is
    -- expect: column users.nickname removed   a change the diff must report (kind, name, action);
                                              several lines when one edit causes several changes
    -- complete: no                           (optional) the emitted SQL cannot fully repair it

``action`` is what the fixing SQL does to the live database (see docs/drift.md): a column
that is in the database but not in the spec is ``removed``. Case names starting with ``x_``
are extras beyond the 18 kinds of the issue.

Shared by the corpus tests (tests/drift/test_corpus.py) and the engine comparison
(tests/drift/compare_engines.py). Also: database helpers both need (template clones,
running SQL).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CASES_DIR = Path(__file__).resolve().parent / "cases"
REPO = Path(__file__).resolve().parents[2]

# The 18 kinds of drift the issue asks for, each with at least one case.
REQUIRED_KINDS = (
    "extra column",
    "missing column",
    "type change",
    "nullability",
    "default changed",
    "index dropped",
    "index with a different WHERE or USING",
    "extra index",
    "CHECK expression changed",
    "FK ON DELETE changed",
    "FK dropped",
    "unique dropped",
    "enum value added",
    "enum value missing",
    "table comment changed",
    "column comment changed",
    "extension missing",
    "extra table",
)

_HEADER = re.compile(r"^--\s*(kind|expect|complete):\s*(.+?)\s*$")


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    sql: str
    expected: tuple[tuple[str, str, str], ...]  # (kind, name, action)
    complete: bool = True

    @property
    def required(self) -> bool:
        return not self.name.startswith("x_")


def parse_case(name: str, text: str) -> Case:
    kind, expected, complete = "", [], True
    for line in text.splitlines():
        match = _HEADER.match(line.strip())
        if not match:
            continue
        key, value = match.groups()
        if key == "kind":
            kind = value
        elif key == "expect":
            parts = value.split()
            if len(parts) < 3:
                raise ValueError(f"{name}: expect needs 'KIND NAME ACTION', got {value!r}")
            expected.append((parts[0], " ".join(parts[1:-1]), parts[-1]))
        else:
            complete = value.lower() not in ("no", "false")
    if not kind or not expected:
        raise ValueError(f"{name}: a case needs '-- kind:' and at least one '-- expect:' line")
    return Case(name, kind, text, tuple(expected), complete)


def load_cases() -> list[Case]:
    return [parse_case(p.stem, p.read_text()) for p in sorted(CASES_DIR.glob("*.sql"))]


# ------------------------------------------------------------------ database helpers


def execute(url: str, sql: str) -> None:
    """Run a script (several statements) in one transaction."""
    from generator.pg.database import connect

    engine = connect(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(sql.replace("%", "%%"))
    finally:
        engine.dispose()


def db_name(url: str) -> str:
    return url.rsplit("/", 1)[1].split("?", 1)[0]


@contextmanager
def upgraded_database(server_url: str, prefix: str = "drift_head") -> Iterator[str]:
    """A scratch database upgraded to head with the committed migrations."""
    from generator.migrate import api as migrate
    from generator.pg.database import scratch_database

    with scratch_database(server_url, prefix=prefix) as url:
        migrate.upgrade(REPO, url)
        yield url


@contextmanager
def clone(server_url: str, template_url: str, prefix: str = "drift_case") -> Iterator[str]:
    """A copy of ``template_url`` (CREATE DATABASE ... TEMPLATE), dropped afterwards."""
    from generator.pg.database import scratch_database

    with scratch_database(server_url, prefix=prefix, template=db_name(template_url)) as url:
        yield url


@contextmanager
def drifted(server_url: str, head_url: str, case: Case) -> Iterator[str]:
    """A copy of the head database with the case's SQL applied."""
    with clone(server_url, head_url) as url:
        execute(url, case.sql)
        yield url
