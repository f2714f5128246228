"""schemactl audit verify: recompute every audit chain of the live database."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer

from cli.output import OUT
from cli.state import Format, State

DB_HELP = "Live database URL; default $DATABASE_URL, else the embedded server."
PROGRESS_FROM = 50_000  # rows; smaller tables verify in well under a second

audit_app = typer.Typer(
    help="The audit hash chain (docs/audit-chain.md). Exit codes: 0 intact, 2 broken, 1 error.",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help, as in cli/main.py
)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    scope: str | None = typer.Option(None, "--scope", metavar="TYPE:ID", help="Verify one chain only, e.g. job:8c0f... or system:global."),
    format: Format = typer.Option(Format.text, "--format", "-f", help="text or json."),
) -> None:  # fmt: skip
    """Recompute every chain (or one --scope) and report, per scope, the rows checked and the
    first broken row: its id and what is wrong (hash mismatch, wrong predecessor, gap).

    Reads audit_logs through a server-side cursor in one snapshot; never writes.
    Exit 0 every chain intact, 2 a chain is broken, 1 error.
    """
    from cadb import audit
    from generator.pg.database import connect, resolve_live

    state: State = ctx.obj
    wanted = audit.Scope.parse(scope) if scope is not None else None
    live = resolve_live(db, state.root)
    engine = connect(live.url)
    OUT.note(f"[dim]database: {live.display} (from {live.source})[/]")
    started = time.perf_counter()
    results: list[dict[str, Any]] = []  # for --format json only; text output streams
    checked = rows = broken = 0
    try:
        with engine.connect() as conn, conn.begin():
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            with _progress(audit.count_rows(conn, wanted)) as advance:
                for result in audit.iter_verify(conn, wanted, progress=advance):
                    checked, rows, broken = checked + 1, rows + result.rows, broken + (not result.intact)
                    if format == Format.json:
                        results.append(result.to_dict())
                    else:
                        _print_scope(result)
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    code = 2 if broken else 0
    if format == Format.json:
        OUT.json({"status": "broken" if broken else "intact", "format_version": audit.CHAIN_FORMAT_VERSION,
                  "scopes_checked": checked, "rows_checked": rows, "broken_scopes": broken, "scopes": results})  # fmt: skip
    elif rows == 0:
        OUT.note(f"[yellow]no rows[/] in {f'scope {wanted}' if wanted else 'audit_logs'}: nothing to verify")
    else:
        rate = f" ({rows / elapsed:,.0f} rows/s)" if elapsed > 0.05 else ""
        summary = f"{_n(checked, 'scope')}, {_n(rows, 'row')} in {elapsed:.2f} s{rate}"
        OUT.note(f"[bold red]broken[/]: {broken} of {summary}" if broken else f"[green]intact[/]: {summary}")
    raise typer.Exit(code)


def _print_scope(result: Any) -> None:
    rows = _n(result.rows, "row")
    if result.intact:
        OUT.line(f"ok      {result.scope}  {rows}")
        return
    brk = result.first_break
    OUT.line(f"BROKEN  {result.scope}  {rows}, {result.broken_rows} broken; "
             f"first broken row id {brk.id}: {brk.kind.replace('_', ' ')}: {brk.message}")  # fmt: skip


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


@contextmanager
def _progress(total: int | None) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on stderr for large tables (only on a terminal): yields
    advance(rows_done), or None when there is no bar."""
    if not OUT.stderr.is_terminal or (total is not None and total < PROGRESS_FROM):
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=OUT.stderr, transient=True) as progress:
        task = progress.add_task("verify", total=total)
        yield lambda done: progress.update(task, completed=done)
