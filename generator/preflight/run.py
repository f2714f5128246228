"""``schemactl preflight``: the pending revisions' checks, run read-only on the target.

One READ ONLY, REPEATABLE READ transaction (one snapshot of the data for every probe), with
a statement timeout and a short lock timeout, rolled back at the end: preflight never writes
to the target, not even ``alembic_version``. The result is a ``PreflightReport`` (``safe``
or ``unsafe``; exit 0 / 2 in the CLI).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.preflight import plan as P
from generator.preflight.probe import RATES, Prober

DEFAULT_STATEMENT_TIMEOUT = "30s"
DEFAULT_MAX_SECONDS = 60.0  # an estimated rewrite / index build / scan longer than this is a finding
DEFAULT_MAX_TRANSACTION_AGE = 60.0  # another session's transaction older than this is a finding

# a finding of these kinds means the revision would fail, or exceed a threshold (exit 2)
SLOW = "slow"
LONG_TRANSACTION = "long_transaction"
PROBE_FAILED = "probe_failed"
BLOCKED = "blocked"  # a probe waited longer than the lock timeout: another session holds a conflicting lock
DEFAULT_LOCK_TIMEOUT = "5s"


@dataclass
class Finding:
    revision: str | None
    kind: str
    table: str
    object: str
    count: int
    samples: list[Any] = field(default_factory=list)
    message: str = ""
    rows: int | None = None  # UNIQUE: rows in the duplicate groups

    def as_dict(self) -> dict[str, Any]:
        out = {"revision": self.revision, "kind": self.kind, "table": self.table, "object": self.object,
               "count": self.count, "sample_keys": list(self.samples), "message": self.message}
        if self.rows is not None:
            out["rows"] = self.rows
        return out


@dataclass
class TableCost:
    table: str
    bytes: int
    rows: int | None  # pg_class.reltuples; None: never analyzed
    work: list[str]  # "rewrite 0010 (priority)", ...
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "bytes": self.bytes, "rows": self.rows, "work": list(self.work),
                "estimated_seconds": self.seconds}


@dataclass
class PreflightReport:
    current: list[str]
    pending: list[dict[str, str]]  # {"revision", "message"}
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be checked, and why
    tables: list[TableCost] = field(default_factory=list)
    probes: int = 0

    @property
    def status(self) -> str:
        return "unsafe" if self.findings else "safe"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "format_version": 1,
            "current": list(self.current),
            "pending": [dict(p) for p in self.pending],
            "probes": self.probes,
            "findings": [f.as_dict() for f in self.findings],
            "tables": [t.as_dict() for t in self.tables],
            "notes": list(self.notes),
        }


def pending_revisions(root: Path, url: str, target: str | None = None) -> tuple[list[str], list[tuple[str, str | None, str]]]:
    """The database's current revisions and the pending ones (revision, down revision, message),
    oldest first; with ``target`` (a revision id of ``upgrade REV``) only those up to it."""
    from generator.migrate import api as migrate

    st = migrate.status(root, url)
    script = migrate.script_directory(root)
    pending = list(st.pending)
    if target in st.current:
        pending = []
    elif target in pending:
        pending = pending[: pending.index(target) + 1]
    out = []
    for rev_id in pending:
        rev = script.get_revision(rev_id)
        down = rev.down_revision if isinstance(rev.down_revision, str) or rev.down_revision is None else rev.down_revision[0]
        out.append((rev_id, down, rev.doc or ""))
    return st.current, out


def preflight(
    root: Path,
    url: str,
    *,
    statement_timeout: str = DEFAULT_STATEMENT_TIMEOUT,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    max_transaction_age: float = DEFAULT_MAX_TRANSACTION_AGE,
    lock_timeout: str = DEFAULT_LOCK_TIMEOUT,
    target: str | None = None,
) -> PreflightReport:
    current, pending = pending_revisions(root, url, target)
    report = PreflightReport(current, [{"revision": r, "message": m} for r, _, m in pending])
    if not pending:
        return report
    plans = P.plan_revisions(root, pending)
    for plan in plans:
        for text in plan.unparsed:
            report.notes.append(f"{plan.revision}: a statement was not read, so not checked: {text}")
    from generator.pg.database import connect

    engine = connect(url)
    try:
        raw = engine.raw_connection()
        try:
            conn = raw.driver_connection
            conn.autocommit = True
            prober = Prober(conn)
            prober.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                prober.query("SELECT set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true)",
                             (statement_timeout, lock_timeout))
                _run_checks(prober, plans, report)
                _costs(prober, plans, report, max_seconds)
                _blockers(prober, plans, report, max_transaction_age)
            finally:
                prober.query("ROLLBACK")
        finally:
            raw.close()
    finally:
        engine.dispose()
    return report


def _run_checks(prober: Prober, plans: list[P.RevisionPlan], report: PreflightReport) -> None:
    locked: set[str] = set()  # tables another session locks: probed once, then left
    for plan in plans:
        for check in plan.checks:
            if check.table in locked:
                report.notes.append(f"{plan.revision}: {check.kind} {check.table}.{check.object} not checked: the table is locked")
                continue
            for obj, outcome in prober.probe(check):
                report.probes += 1
                table = check.table or obj.split(".", 1)[0]
                if outcome.not_checked:
                    report.notes.append(f"{plan.revision}: {check.kind} {table}.{obj} not checked: {outcome.not_checked}")
                elif outcome.sqlstate == "55P03":
                    locked.add(table)
                    report.findings.append(Finding(
                        plan.revision, BLOCKED, table, obj, 0,
                        message=f"another session holds a lock on {table} (the probe waited past lock_timeout): "
                                "the migration would wait for it, and every query on the table behind the migration"))
                elif outcome.error:
                    report.findings.append(Finding(
                        plan.revision, PROBE_FAILED if outcome.sqlstate != "57014" else SLOW, table, obj, 0,
                        message=f"the probe failed [{outcome.sqlstate}]: {outcome.error}"))
                elif outcome.count:
                    report.findings.append(Finding(
                        plan.revision, check.kind, table, obj, outcome.count, outcome.samples,
                        _message(check, outcome.count, outcome.rows), rows=outcome.rows))


def _message(check: P.Check, count: int, rows: int | None) -> str:
    n = f"{count:,}"
    return {
        P.NOT_NULL: f"{n} row(s) hold NULL: SET NOT NULL fails",
        P.NEW_NOT_NULL_COLUMN: f"{n} existing row(s) would get NULL: ADD COLUMN ... NOT NULL without a default fails",
        P.CHECK: f"{n} row(s) violate the CHECK",
        P.UNIQUE: f"{n} duplicate group(s) ({rows or 0:,} rows): the unique index cannot be built",
        P.FOREIGN_KEY: f"{n} orphan row(s): no matching row in {check.ref_table}",
        P.TYPE_CHANGE: f"{n} row(s) do not convert to {check.new_type}",
        P.ENUM_VALUE_REMOVED: f"{n} row(s) hold a removed value",
    }[check.kind]


def _costs(prober: Prober, plans: list[P.RevisionPlan], report: PreflightReport, max_seconds: float) -> None:
    work: dict[str, list[P.Cost]] = {}
    for plan in plans:
        for cost in plan.costs:
            work.setdefault(cost.table, []).append(cost)
    sizes = prober.table_sizes(sorted(work))
    for table in sorted(work):
        size, rows = sizes.get(table, (0, None))
        seconds = round(sum(size / RATES[c.what] for c in work[table]), 2)
        report.tables.append(TableCost(table, size, rows, [f"{c.what} {c.revision} ({c.object})" for c in work[table]], seconds))
        if seconds > max_seconds:
            report.findings.append(Finding(
                None, SLOW, table, ", ".join(sorted({c.object for c in work[table]})), 1,
                message=f"estimated {seconds:,.0f} s of rewrite/index build/scan on {size:,} bytes (threshold {max_seconds:,.0f} s)"))


def _blockers(prober: Prober, plans: list[P.RevisionPlan], report: PreflightReport, max_age: float) -> None:
    touched = sorted({c.table for p in plans for c in p.checks if c.table} | {c.table for p in plans for c in p.costs})
    for tx in prober.long_transactions(touched, max_age):
        locks = f", holding locks on {', '.join(tx['locks'])}" if tx["locks"] else ""
        report.findings.append(Finding(
            None, LONG_TRANSACTION, ", ".join(tx["locks"]), f"pid {tx['pid']}", 1,
            message=f"session pid {tx['pid']} ({tx['user']}, {tx['state']}) has had a transaction open for "
                    f"{tx['seconds']:,.0f} s{locks}: the migration's locks would wait for it"))
