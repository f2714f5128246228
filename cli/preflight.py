"""schemactl preflight: would the pending revisions succeed on this database's rows (read-only)."""

from __future__ import annotations

import typer

from cli.output import OUT
from cli.reporters import PREFLIGHT, format_choice, format_option, reporter
from cli.state import State

PreflightFormat = format_choice("preflight", PREFLIGHT)
DB_HELP = "Database to check (only read); default $DATABASE_URL, else the embedded server."


def register(app: typer.Typer) -> None:
    @app.command()
    def preflight(
        ctx: typer.Context,
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
        format: PreflightFormat = format_option(PreflightFormat),
        statement_timeout: str = typer.Option("30s", "--statement-timeout", help="Per probe query (a PostgreSQL interval)."),
        max_seconds: float = typer.Option(60.0, "--max-seconds", help="Estimated rewrite/index build/scan time per table above which it is a finding."),
        max_transaction_age: float = typer.Option(60.0, "--max-transaction-age", help="Seconds an open transaction of another session may be old before it is a finding."),
        lock_timeout: str = typer.Option("5s", "--lock-timeout", help="How long a probe waits for a lock another session holds before that is a finding."),
    ) -> None:
        """Check the revisions not yet applied to the database against its rows, read-only.

        For each pending revision, its offline SQL says what it will do; preflight counts the rows
        that would make it fail (NULLs under a new NOT NULL, CHECK violations, duplicate groups
        under a new UNIQUE, orphans under a new FOREIGN KEY, values a narrowed type or a USING cast
        rejects, rows holding a removed enum value), with up to 5 primary keys each; it estimates
        the rewrite/index-build/scan time of each table touched and lists sessions whose open
        transactions would block the migration. Everything runs in one READ ONLY transaction that is
        rolled back. Exit 0 safe, 2 would fail or exceeds a threshold, 1 error (docs/preflight.md).
        """
        state: State = ctx.obj
        report = run_preflight(state, db, statement_timeout, max_seconds, max_transaction_age, lock_timeout=lock_timeout)
        reporter(format).report(report)
        raise typer.Exit(0 if report.status == "safe" else 2)


# the defaults are generator.preflight.run's (DEFAULT_*), repeated here so --help imports nothing
def run_preflight(state: State, db: str | None, statement_timeout: str = "30s", max_seconds: float = 60.0,
                  max_transaction_age: float = 60.0, live=None, lock_timeout: str = "5s", target: str | None = None):
    from generator.pg.database import resolve_live
    from generator.preflight.run import preflight as run

    if live is None:
        live = resolve_live(db, state.root)
        OUT.note(f"[dim]database: {live.display} (from {live.source})[/]")
    with OUT.stderr.status("preflight: checking the pending revisions against the data..."):
        return run(state.root, live.url, statement_timeout=statement_timeout, max_seconds=max_seconds,
                   max_transaction_age=max_transaction_age, lock_timeout=lock_timeout, target=target)
