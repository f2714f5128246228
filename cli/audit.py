"""schemactl audit verify: recompute every audit chain of the live database."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer

from cli.output import OUT
from cli.reporters import VERIFY, format_choice, format_option, reporter
from cli.state import State

VerifyFormat = format_choice("audit verify", VERIFY)

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
    format: VerifyFormat = format_option(VerifyFormat),
    workers: int | None = typer.Option(
        None, "--workers", min=1, metavar="N",
        help="Processes that check a large table's chains in parallel, in one snapshot (default: one per CPU, at most 8; 1: this process only).",
    ),
) -> None:
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
    out = reporter(format)
    scopes = []
    try:
        with engine.connect() as conn, conn.begin():
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            with _progress(audit.count_rows(conn, wanted)) as advance:
                for result in audit.iter_verify(conn, wanted, progress=advance, workers=workers):
                    out.stream(result)  # text: a line per scope as it is verified
                    scopes.append(result)
    finally:
        engine.dispose()
    report = audit.VerifyReport(tuple(scopes), wanted, time.perf_counter() - started)
    out.report(report)
    raise typer.Exit(0 if report.intact else 2)


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
