"""lint: squawk over the revisions' offline SQL (issue 18)."""

from __future__ import annotations

import typer

from cli.output import OUT
from cli.reporters import LINT, format_choice, format_option, reporter
from cli.state import State

LintFormat = format_choice("lint", LINT)


def register(app: typer.Typer) -> None:
    @app.command()
    def lint(
        ctx: typer.Context,
        db: str | None = typer.Option(None, "--db", help="Lint only the revisions not yet applied to this database."),
        since: str | None = typer.Option(None, "--since", metavar="REV", help="Lint only the revisions after REV "
                                         "(base: all); default: the id in migrations/lint_since.txt."),
        pg_version: str = typer.Option("17", "--pg-version", help="The PostgreSQL version squawk assumes."),
        format: LintFormat = format_option(LintFormat),
    ) -> None:
        """Run squawk (lock and safety rules) over each revision's offline SQL (alembic upgrade --sql).

        A revision explains a rule with a line '# squawk: ignore RULE -- reason' in its source.
        Exit 0 clean, 2 findings, 1 error (docs/online-migrations.md)."""
        from generator.lint.squawk import lint as run_lint

        state: State = ctx.obj
        url = None
        if db is not None:
            from generator.pg.database import resolve_live

            live = resolve_live(db, state.root)
            OUT.note(f"[dim]database: {live.display} (from {live.source})[/]")
            url = live.url
        with OUT.stderr.status("rendering each revision's SQL and running squawk..."):
            result = run_lint(state.root, db_url=url, since=since, pg_version=pg_version)
        reporter(format).report(result)
        raise typer.Exit(2 if result.status == "findings" else 0)
