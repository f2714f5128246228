"""Lint the revisions' offline SQL with squawk (``pip install squawk-cli``, pinned in pyproject).

For each selected revision, ``alembic upgrade PREV:REV --sql`` renders exactly what the
revision runs (the same env.py, ``op.*`` implementations in offline mode) into a file named
after the revision; one squawk run reads them all (``--reporter json``). A revision may
explain a rule in its own source, one line per rule::

    # squawk: ignore prefer-robust-stmts -- the table is created in this revision

(a reason after `` -- `` is required; without one the line is not honoured). Findings of an
explained rule in that revision are listed as ``explained``, not as findings.

Which revisions: all of them after the baseline, or with ``db_url`` only those not yet
applied to that database. The baseline is ``since`` (a revision id: lint only the revisions
after it; ``"base"``: everything), else the id in migrations/lint_since.txt: the committed
chain that ran before schemactl generated online-safe revisions is not rewritten
(docs/online-migrations.md says why), so the project names its last revision there.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import MigrationError, SchemactlError

FORMAT_VERSION = 1
IGNORE = re.compile(r"^\s*#\s*squawk:\s*ignore\s+([a-z0-9_, -]+?)\s+--\s+(\S.*)$", re.MULTILINE)
BARE_IGNORE = re.compile(r"^\s*#\s*squawk:\s*ignore\b", re.MULTILINE)


class LintError(SchemactlError):
    kind = "lint"


@dataclass(frozen=True)
class Finding:
    revision: str
    file: str  # the revision's file, relative to the project
    line: int  # in the offline SQL
    rule: str
    message: str
    help: str = ""
    statement: str = ""  # the SQL line the finding points at

    def as_dict(self) -> dict[str, Any]:
        return {"revision": self.revision, "file": self.file, "sql_line": self.line, "rule": self.rule,
                "message": self.message, "help": self.help, "statement": self.statement}


@dataclass(frozen=True)
class Explained:
    revision: str
    rule: str
    reason: str
    count: int

    def as_dict(self) -> dict[str, Any]:
        return {"revision": self.revision, "rule": self.rule, "reason": self.reason, "count": self.count}


@dataclass
class LintReport:
    """``status``: "clean" (no finding) or "findings"."""

    revisions: list[str]
    findings: list[Finding] = field(default_factory=list)
    explained: list[Explained] = field(default_factory=list)
    baseline: str | None = None  # revisions up to this one were not linted
    squawk_version: str = ""
    notes: list[str] = field(default_factory=list)  # e.g. an ignore line without a reason

    @property
    def status(self) -> str:
        return "findings" if self.findings else "clean"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "format_version": FORMAT_VERSION,
            "revisions": list(self.revisions),
            "baseline": self.baseline,
            "squawk_version": self.squawk_version,
            "findings": [f.as_dict() for f in self.findings],
            "explained": [e.as_dict() for e in self.explained],
            "notes": list(self.notes),
        }


def squawk_binary() -> str:
    """squawk next to this Python (the venv's bin/, where ``pip install squawk-cli`` puts it),
    else on PATH."""
    here = Path(sys.executable).parent / "squawk"
    if here.is_file():
        return str(here)
    found = shutil.which("squawk")
    if not found:
        raise LintError("squawk is not installed", "pip install squawk-cli (pyproject.toml pins the version)")
    return found


def offline_sql(root: Path, revision: str, down_revision: str | None) -> str:
    """What ``alembic upgrade DOWN:REV --sql`` prints for one revision."""
    from alembic import command

    from generator.migrate import api as migrate

    cfg = migrate.alembic_config(root)
    buffer = io.StringIO()
    cfg.output_buffer = buffer
    with migrate._translated(revision):
        command.upgrade(cfg, f"{down_revision or 'base'}:{revision}", sql=True)
    return buffer.getvalue()


def explanations(source: str) -> tuple[dict[str, str], bool]:
    """``{rule: reason}`` from the ``# squawk: ignore RULE -- reason`` lines of a revision, and
    whether it has an ignore line without a reason (not honoured)."""
    rules: dict[str, str] = {}
    honoured = 0
    for m in IGNORE.finditer(source):
        honoured += 1
        for rule in re.split(r"[,\s]+", m.group(1).strip()):
            if rule:
                rules[rule] = m.group(2).strip()
    return rules, len(BARE_IGNORE.findall(source)) > honoured


BASELINE_FILE = "migrations/lint_since.txt"


def baseline(root: Path, since: str | None) -> str | None:
    """``since`` ("base": none), else the revision id in migrations/lint_since.txt (lines
    starting with # are comments), else none."""
    if since is not None:
        return None if since == "base" else since
    path = root / BASELINE_FILE
    if not path.is_file():
        return None
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    ids = [ln for ln in lines if ln and not ln.startswith("#")]
    return ids[0] if ids else None


def select(root: Path, db_url: str | None, since: str | None) -> tuple[list[Any], str | None]:
    """The revisions to lint (Alembic Script objects, oldest first) and the baseline used."""
    from generator.migrate import api as migrate

    script = migrate.script_directory(root)
    migrate.single_head(root)
    chain = list(reversed(list(script.walk_revisions())))
    ids = [r.revision for r in chain]
    base = baseline(root, since)
    if base is not None and base not in ids:
        raise MigrationError(f"lint baseline {base!r} is not a revision of migrations/",
                             f"pass --since with a revision id (see alembic history) or base; or fix {BASELINE_FILE}")
    if base is not None:
        chain = chain[ids.index(base) + 1:]
    if db_url is not None:
        pending = set(migrate.status(root, db_url).pending)
        chain = [r for r in chain if r.revision in pending]
    return chain, base


def lint(root: Path, *, db_url: str | None = None, since: str | None = None, pg_version: str = "17") -> LintReport:
    chain, base = select(root, db_url, since)
    report = LintReport([r.revision for r in chain], baseline=base)
    if not chain:
        return report
    binary = squawk_binary()
    report.squawk_version = _version(binary)
    with tempfile.TemporaryDirectory(prefix="schemactl-lint-") as tmp:
        files: dict[str, Any] = {}
        sql_lines: dict[str, list[str]] = {}
        for rev in chain:
            sql = offline_sql(root, rev.revision, rev.down_revision if isinstance(rev.down_revision, str) else None)
            path = Path(tmp) / f"{rev.revision}.sql"
            path.write_text(sql, encoding="utf-8")
            files[str(path)] = rev
            sql_lines[str(path)] = sql.splitlines()
        raw = _run(binary, list(files), pg_version)
    counts: dict[tuple[str, str], int] = {}
    for item in raw:
        rev = files.get(item.get("file", ""))
        if rev is None:
            continue
        rules, _ = explanations(Path(rev.path).read_text(encoding="utf-8"))
        rule = str(item.get("rule_name", ""))
        if rule in rules:
            counts[(rev.revision, rule)] = counts.get((rev.revision, rule), 0) + 1
            continue
        line = int(item.get("line", 0))
        lines = sql_lines.get(item.get("file", ""), [])
        report.findings.append(Finding(
            rev.revision, _relative(root, rev.path), line + 1, rule, str(item.get("message", "")),
            str(item.get("help", "") or ""), lines[line].strip() if 0 <= line < len(lines) else ""))
    for rev in chain:
        rules, bare = explanations(Path(rev.path).read_text(encoding="utf-8"))
        for rule, reason in rules.items():
            report.explained.append(Explained(rev.revision, rule, reason, counts.get((rev.revision, rule), 0)))
        if bare:
            report.notes.append(f"{rev.revision}: a '# squawk: ignore' line without ' -- reason' is not honoured")
    return report


def _relative(root: Path, path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return path


def _version(binary: str) -> str:
    done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60)
    return done.stdout.strip().removeprefix("squawk ").strip()


def _run(binary: str, files: list[str], pg_version: str) -> list[dict[str, Any]]:
    """squawk's findings (its JSON reporter): exit 0 none, 1 some; anything else is an error."""
    done = subprocess.run([binary, "--reporter", "json", f"--pg-version={pg_version}", *files],
                          capture_output=True, text=True, timeout=600)
    text = done.stdout.strip()
    if done.returncode not in (0, 1) or (done.returncode == 1 and not text.startswith("[")):
        first = (done.stderr or done.stdout).strip().splitlines()
        raise LintError(f"squawk failed (exit {done.returncode}): {first[0] if first else 'no output'}",
                        "run squawk on the offline SQL by hand: alembic upgrade PREV:REV --sql > x.sql; squawk x.sql")
    try:
        found = json.loads(text) if text else []
    except json.JSONDecodeError as exc:
        raise LintError(f"squawk printed something that is not JSON: {exc}", "check squawk --version") from None
    return found if isinstance(found, list) else []
