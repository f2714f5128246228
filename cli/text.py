"""The text reporter's renderings, one per result class (cli/reporters.py chooses them).

The body goes to stdout (data a script may read: problems, differences, the SQL, one line per
table or scope), the verdict to stderr, starting with the result's status word where it has
one (``in_sync: ...``, ``no_changes: ...``, ``intact: ...``). Nothing here computes: every
figure comes from the result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cli.output import OUT
from cli.state import shown_path

ACTION_TEXT = {
    "added": "missing from the database",
    "removed": "not in the spec",
    "changed": "differs",
}

_RENDERERS: dict[str, Callable[[Any], None]] = {}


def _renders(result: str) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    def register(fn: Callable[[Any], None]) -> Callable[[Any], None]:
        _RENDERERS[result] = fn
        return fn

    return register


def renders() -> frozenset[str]:
    """The result classes (module.QualName) this reporter has a rendering for."""
    return frozenset(_RENDERERS)


def render(result: Any, streamed: set[int] | None = None) -> None:
    cls = type(result)
    name = f"{cls.__module__}.{cls.__qualname__}"
    if name == "cadb.audit.VerifyReport":
        verify(result, streamed or set())
        return
    _RENDERERS[name](result)


def render_item(item: Any) -> None:
    """A part of a result printed as soon as it is known (a verified audit scope)."""
    scope_line(item)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


# ---------------------------------------------------------------------------- validate


@_renders("generator.seeds.validate.ValidateReport")
def validate(report: Any) -> None:
    for problem in sorted(report.problems):
        OUT.line(str(problem))
    if report.status == "ok":
        OUT.note(f"[green]ok[/]: {report.summary}")
    else:
        OUT.note(f"[red]{plural(len(report.problems), 'problem')}[/] in {', '.join(report.files)}")


# -------------------------------------------------------------------------------- diff


@_renders("generator.drift.report.DiffReport")
def diff(report: Any) -> None:
    diff_body(report)
    if report.unmanaged:
        OUT.note(unmanaged_line(report))
    OUT.note(diff_verdict(report))


def unmanaged_line(report: Any, shown: int = 5) -> str:
    """What this diff leaves unchecked because the spec marks it ``unmanaged:`` (stderr)."""
    from rich.markup import escape

    from generator.drift.report import plural as count

    names = [escape(str(u)) for u in report.unmanaged]
    more = f", ... {len(names) - shown} more" if len(names) > shown else ""
    return (f"[yellow]unchecked[/]: {count(len(names), 'object')} the spec marks unmanaged "
            f"({', '.join(names[:shown])}{more}); their differences are set aside, not drift")


def diff_body(report: Any) -> None:
    """The differences, one line per object, then the fixing SQL (``schemactl up`` shows it too)."""
    from generator.drift.report import plural as count

    if report.in_sync:
        return
    OUT.line(f"{count(len(report.changes), 'difference')} between the database and the spec:")
    kind_width = max((len(c.kind) for c in report.changes), default=0)
    name_width = min(max((len(c.name) for c in report.changes), default=0), 48)
    for c in report.changes:
        text = ACTION_TEXT.get(c.action, c.action) + (f": {c.detail}" if c.detail else "")
        OUT.line(f"  {c.kind:<{kind_width}}  {c.name:<{name_width}}  {text}")
    if report.statements or report.missing_sql:
        destructive = sum(s.destructive for s in report.statements)
        OUT.line("")
        OUT.line(
            f"SQL to bring the database to the spec ({count(len(report.statements), 'statement')}, {destructive} destructive):"
        )
        OUT.line(report.sql_script(header=False).rstrip("\n"))


def diff_verdict(report: Any) -> str:
    """One line for stderr, in every format: the status word, what differs, where, how long."""
    from generator.drift.report import plural as count

    seconds = report.timings.get("total", 0.0)
    versions = report.server_versions
    where = f"PostgreSQL {versions.get('database', '?')} vs spec on {versions.get('dev', '?')}"
    if report.in_sync:
        return f"[green]in_sync[/]: the database matches the spec ({where}, {seconds:.1f}s)"
    parts = [count(len(report.changes), "difference")]
    if report.destructive:
        parts.append("the fix has destructive statements")
    if not report.complete:
        parts.append(f"{len(report.missing_sql)} without SQL")
    return f"[yellow]drift[/]: {'; '.join(parts)} ({where}, {seconds:.1f}s)"


# ---------------------------------------------------------------------------- generate


@_renders("generator.migrate.revision.GenerateResult")
def generate(result: Any) -> None:
    if result.status == "no_changes":
        OUT.note("[green]no_changes[/]: the migrations already match the spec")
    elif result.status == "unexpressible":
        OUT.error("the spec differs from the migrations' head, but autogenerate found no operation for it:")
        for line in result.leftover:
            OUT.line(f"  {line}")
    else:
        for line in result.summary:
            mark = "[red]![/] " if any(line in d for d in result.destructive) else "  "
            OUT.rich(f"{mark}{line}")
        if result.status == "needed":
            OUT.note(f"[yellow]a revision is needed[/]: {len(result.summary)} operation(s); run schemactl generate -m MSG")
        else:
            proof = result.timings.get("proof", 0)
            data_proof_lines(result.data_proof)
            OUT.note(f"[green]wrote[/] {shown_path(result.path)} (revision {result.revision}, proven in {proof:.1f}s)")
        if result.hazards:
            OUT.note(f"hazards ({len(result.hazards)}, listed in the revision's docstring):")
            for hazard in result.hazards:
                OUT.note(f"  {hazard}")


@_renders("generator.lint.squawk.LintReport")
def lint(result: Any) -> None:
    for f in result.findings:
        OUT.line(f"{f.revision} ({f.file}): sql line {f.line}: {f.rule}: {f.message}")
        if f.statement:
            OUT.line(f"    {f.statement}")
    for note in result.notes:
        OUT.note(f"warning: {note}")
    explained = sum(e.count for e in result.explained)
    scope = f"{len(result.revisions)} revision(s)" + (f" after {result.baseline}" if result.baseline else "")
    if result.findings:
        OUT.note(f"[yellow]findings[/]: {len(result.findings)} squawk finding(s) in {scope} "
                 f"({explained} explained in revision headers)")
    else:
        OUT.note(f"[green]clean[/]: no squawk findings in {scope} ({explained} explained in revision headers)")


def data_proof_lines(proof: Any) -> None:
    """The proof on synthetic rows: how many rows, and each table it could not fill, and why."""
    if proof is None:
        return
    from rich.markup import escape

    OUT.note(f"[dim]data proof: {plural(sum(proof.rows.values()), 'synthetic row')} in "
             f"{plural(len(proof.rows), 'table')}, {proof.seconds:.1f}s[/]")
    for table, why in sorted(proof.skipped.items()):
        OUT.note(f"[yellow]data proof skipped {escape(table)}[/]: {escape(why)}")


# ------------------------------------------------------------------------------ import


@_renders("generator.adopt.importer.ImportResult")
def import_(result: Any) -> None:
    """The spec (when it goes to stdout) and the verdict; the skipped objects are in its header."""
    if result.output is None:
        OUT.stdout.file.write(result.text)
        OUT.stdout.file.flush()
    plan = result.plan
    skipped = len(plan.unsupported) + len(plan.excluded)
    where = "stdout" if result.output is None else result.output
    proof = "round trip proven" if result.verified else "NOT verified (--no-verify)"
    note = f"; {plural(skipped, 'object')} skipped (listed at its top)" if skipped else ""
    total = result.timings.get("total", 0)
    OUT.note(f"[green]imported[/] {plural(len(plan.tables), 'table')} to {where}: {proof}{note} "
             f"(PostgreSQL {result.server_version}, {total:.1f}s)")
    if result.baseline:
        b = result.baseline
        OUT.note(f"[green]wrote[/] {b['path']} (revision {b['revision']}, proven)")
        if b.get("stamped"):
            OUT.note(f"[green]stamped[/] the database at {b['revision']}: `schemactl generate` continues from here")


# -------------------------------------------------------------------------------- seed


@_renders("generator.seeds.apply.SeedReport")
def seed(report: Any) -> None:
    for line in seed_lines(report):
        OUT.line(line)
    OUT.note(seed_summary(report) + f" ({report.seconds:.2f}s)")


def seed_lines(report: Any) -> list[str]:
    """One line per table, then a line per inserted (+) or updated (~) row."""
    width = max((len(t.table) for t in report.tables), default=5)
    verb = ("would insert", "would update") if report.dry_run else ("inserted", "updated")
    lines = []
    for t in report.tables:
        lines.append(f"{t.table:<{width}}  {verb[0]} {len(t.inserted):>3}  {verb[1]} {len(t.updated):>3}  unchanged {t.unchanged:>3}")
        lines += [f"  + {_key(k)}" for k in t.inserted]
        lines += [f"  ~ {_key(k)}" for k in t.updated]
    return lines


def seed_summary(report: Any) -> str:
    at = f" at revision {report.revision}" if report.revision else ""
    if report.dry_run:
        return (
            f"dry run{at}, rolled back: would insert {report.inserted}, update {report.updated}; "
            f"{report.unchanged} unchanged; nothing was written"
        )
    return f"seeded {report.rows} rows{at}: {report.inserted} inserted, {report.updated} updated, {report.unchanged} unchanged"


def _key(key: dict[str, Any]) -> str:
    return "/".join(str(v) for v in key.values())


@_renders("generator.seeds.revision.SeedCheck")
def seed_check(check: Any) -> None:
    if check.status == "in_sync":
        at = f"data revision {check.revision}" if check.revision else "the data revisions"
        OUT.note(f"[green]in_sync[/]: seeds.yaml matches {at}")
        return
    for line in check.changes:
        OUT.line(f"  {line}")
    OUT.note('[yellow]a data revision is needed[/]: seeds.yaml changed since the last one; run schemactl seed --revision -m "what changed"')


@_renders("generator.seeds.revision.SeedRevisionResult")
def seed_revision(result: Any) -> None:
    for line in result.changes:
        OUT.line(f"  {line}")
    if result.status == "no_changes":
        OUT.note("[green]no_changes[/]: the data revisions already match seeds.yaml")
    else:
        OUT.note(f"[green]wrote[/] {shown_path(result.path)} (data revision {result.revision}, proven on a scratch database)")


# ------------------------------------------------------------------------ audit verify


@_renders("cadb.audit.VerifyReport")
def _verify(report: Any) -> None:
    verify(report, set())


def verify(report: Any, streamed: set[int]) -> None:
    """A line per scope not printed yet (``TextReporter.stream`` prints them as they come),
    then the verdict."""
    for scope in report.scopes:
        if id(scope) not in streamed:
            scope_line(scope)
    if report.rows == 0:
        OUT.note(f"[yellow]no rows[/] in {f'scope {report.scope}' if report.scope else 'audit_logs'}: nothing to verify")
        return
    rate = f" ({report.rows / report.seconds:,.0f} rows/s)" if report.seconds > 0.05 else ""
    summary = f"{plural(len(report.scopes), 'scope')}, {plural(report.rows, 'row')} in {report.seconds:.2f} s{rate}"
    if report.broken:
        OUT.note(f"[bold red]broken[/]: {len(report.broken)} of {summary}")
    else:
        OUT.note(f"[green]intact[/]: {summary}")


def scope_line(result: Any) -> None:
    rows = plural(result.rows, "row")
    if result.intact:
        OUT.line(f"ok      {result.scope}  {rows}")
        return
    brk = result.first_break
    OUT.line(
        f"BROKEN  {result.scope}  {rows}, {result.broken_rows} broken; "
        f"first broken row id {brk.id}: {brk.kind.replace('_', ' ')}: {brk.message}"
    )


# ------------------------------------------------------------------------------ status


@_renders("generator.migrate.api.Status")
def status(st: Any) -> None:
    OUT.line(f"current: {', '.join(st.current) or 'base (empty)'}")
    OUT.line(f"head:    {', '.join(st.heads) or '(no revisions)'}")
    OUT.line(f"pending: {', '.join(st.pending) if st.pending else 'none'}")
    OUT.line("at_head" if st.at_head else f"behind by {len(st.pending)} revision(s): run schemactl upgrade")


# --------------------------------------------------------------------------- preflight


@_renders("generator.preflight.run.PreflightReport")
def preflight(report: Any) -> None:
    for line in preflight_lines(report):
        OUT.line(line)
    from rich.markup import escape

    for note in report.notes:
        OUT.note(f"[dim]note: {escape(note)}[/]")
    OUT.note(preflight_verdict(report))


def preflight_lines(report: Any) -> list[str]:
    lines = []
    for f in report.findings:
        where = f"{f.table}.{f.object}" if f.table and not f.object.startswith(f.table + ".") else f.object
        keys = f" (keys {', '.join(_sample(k) for k in f.samples)})" if f.samples else ""
        lines.append(f"{f.revision or '-'} {where}: {f.message}{keys}")
    for t in report.tables:
        rows = f"~{t.rows:,} rows" if t.rows is not None else "rows not estimated (never analyzed)"
        lines.append(f"  {t.table}: {t.bytes:,} bytes, {rows}, ~{t.seconds:,.1f} s ({'; '.join(t.work)})")
    return lines


def _sample(key: Any) -> str:
    return "(" + ", ".join(str(k) for k in key) + ")" if isinstance(key, list) else str(key)


def preflight_verdict(report: Any) -> str:
    pending = ", ".join(p["revision"] for p in report.pending)
    if not report.pending:
        return "[green]safe[/]: no pending revision"
    if report.status == "safe":
        return f"[green]safe[/]: {plural(report.probes, 'probe')} on the data found nothing that would make {pending} fail"
    return f"[red]unsafe[/]: {plural(len(report.findings), 'problem')} in the pending revision(s) {pending}"
