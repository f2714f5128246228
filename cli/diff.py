"""schemactl diff: the live database against the spec, a summary per object and the fixing SQL."""

from __future__ import annotations

import typer

from cli.output import OUT
from cli.reporters import DIFF, format_choice, format_option, reporter
from cli.state import State
from generator.drift.report import UNCHECKED

DB_HELP = "Live database URL (only read); default $DATABASE_URL, else the embedded server."
DEV_HELP = (
    "Dev server URL for the scratch database; default $SCHEMACTL_DEV_DATABASE_URL, else the "
    "embedded server. Use the production major version."
)
DIFF_HELP = """Compare the live database with schema.yaml: a summary per object, then the SQL that would bring the database to the spec.

The spec is built once in a database on the dev server and kept there as a cache
(schemactl_cache_spec_<key>, the same one generate uses; the 3 newest specs; `schemactl db
clear-cache` drops them; a build
interrupted by an error or Ctrl-C is dropped), then compared with the live database by
migra plus schemactl's own catalog comparison (comments, enum values, index and constraint
definitions). The live database is only read, in one REPEATABLE READ READ ONLY transaction
(one consistent snapshot, also while a migration runs).

Tables, columns (type, NOT NULL, default, identity), indexes, constraints (primary key,
unique, foreign key with ON DELETE/UPDATE, CHECK, exclusion), enums and their values,
comments on tables, columns and enums, extensions, triggers and functions are compared;
views, sequences, policies and row-level security too, by migra.

Exit codes: 0 in sync, 2 drift, 1 error. --format sql prints only the script (destructive
statements are preceded by a "-- DESTRUCTIVE" comment); --format json is described in docs/drift.md."""

EPILOG = "Not compared (see docs/drift.md):\n\n" + "\n\n".join(
    f"- {item}" for item in UNCHECKED
)


DiffFormat = format_choice("diff", DIFF)


def register(app: typer.Typer) -> None:
    @app.command(help=DIFF_HELP, epilog=EPILOG)
    def diff(
        ctx: typer.Context,
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
        dev_db: str | None = typer.Option(None, "--dev-db", help=DEV_HELP),
        format: DiffFormat = format_option(DiffFormat),
    ) -> None:
        from generator.drift.engine import run_diff
        from generator.drift.spec_db import SpecDDL
        from generator.drift.unmanaged import declared
        from generator.pg.database import resolve_dev, resolve_live

        state: State = ctx.obj
        spec = SpecDDL.load_cached(state.spec, state.root, state.load_spec)
        unmanaged = declared(state.spec, spec)
        live = resolve_live(db, state.root)
        dev = resolve_dev(dev_db, state.root)
        pending = _pending_note(state, live.url)
        try:
            with OUT.stderr.status("comparing...") as status:
                report = run_diff(
                    live.url, dev.url, spec, progress=lambda phrase: status.update(phrase + "..."),
                    unmanaged=unmanaged,
                )
        except KeyboardInterrupt:  # typer would exit 130 silently
            OUT.report(
                "interrupted", "an unfinished spec database was dropped; the live database was only read", exit_code=130
            )
            raise typer.Exit(130) from None
        OUT.note(
            f"[dim]database: {live.display} (from {live.source}); dev server: {dev.display} (from {dev.source})[/]"
        )
        report.pending_revisions = pending
        reporter(format).report(report)
        if format != "text":  # the verdict is on stderr in every format (text prints its own)
            from cli.text import diff_verdict, unmanaged_line

            if report.unmanaged:
                OUT.note(unmanaged_line(report))
            OUT.note(diff_verdict(report))
        raise typer.Exit(0 if report.in_sync else 2)


def _pending_note(state: State, url: str) -> int | None:
    """Revisions the database has not applied yet (generator.migrate.api.pending_count), said
    before the differences: a database that is behind shows their changes as drift."""
    from generator.migrate.api import pending_count

    pending = pending_count(state.root, url)
    if pending:
        OUT.note(
            f"[yellow]note:[/] {pending} revision{'s' if pending != 1 else ''} pending: the database is behind "
            "the migrations' head, so their changes show as differences below; run schemactl upgrade first"
        )
    return pending
