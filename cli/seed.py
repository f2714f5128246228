"""seed: upsert seeds.yaml on natural keys; --check and --revision ship seed changes as data revisions."""

from __future__ import annotations

import typer

from cli.output import OUT
from cli.reporters import SEED, SEED_CHECK, SEED_REVISION, format_choice, format_option, reporter
from cli.state import State, shown_path

SeedFormat = format_choice("seed", SEED, SEED_CHECK, SEED_REVISION)

DB_HELP = "Live database URL; default $DATABASE_URL, else the embedded server."
DEV_HELP = "With --revision: dev server URL for the proof's scratch database; default $SCHEMACTL_DEV_DATABASE_URL, else the embedded server."


def register(app: typer.Typer) -> None:
    @app.command()
    def seed(
        ctx: typer.Context,
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
        dry_run: bool = typer.Option(False, "--dry-run", help="Run in a transaction that is rolled back; report what would change."),
        format: SeedFormat = format_option(SeedFormat),
        check: bool = typer.Option(False, "--check", help="Touch no database; exit 2 if seeds.yaml changed since the last data revision (for CI)."),
        revision: bool = typer.Option(False, "--revision", help="Write the next data revision for what changed in seeds.yaml (needs -m), proven on a scratch database."),
        message: str | None = typer.Option(None, "--message", "-m", help="With --revision: what changed; becomes the revision's docstring and file name."),
        dev_db: str | None = typer.Option(None, "--dev-db", help=DEV_HELP),
    ) -> None:
        """Upsert seeds.yaml into the database on each table's natural key, in one transaction.

        Tables go in foreign-key order; each row is inserted, updated (only the columns it gives,
        and only if a value differs) or left unchanged; rows not in seeds.yaml are never touched.
        The database must be at head. Prints inserted/updated/unchanged per table. Exit 0 ok, 1
        error; with --check, 2 when a data revision is needed.
        """
        from generator.errors import ConfigError

        state: State = ctx.obj
        if check and revision:
            raise ConfigError("--check and --revision exclude each other", "run seed --check in CI, seed --revision -m MSG to write one")
        if (check or revision) and dry_run:
            raise ConfigError(
                "--dry-run applies to seeding a database, not to --check or --revision", "drop --dry-run"
            )
        seeds = load(state)
        if check:
            from generator.seeds.revision import check_seeds

            result = check_seeds(seeds, state.root)
            reporter(format).report(result)
            raise typer.Exit(2 if result.status == "needed" else 0)
        if revision:
            reporter(format).report(_revision(state, seeds, message, dev_db))
            return
        from generator.pg.database import resolve_live
        from generator.seeds.apply import run_seed

        live = resolve_live(db, state.root)
        OUT.note(f"[dim]database: {live.display} (from {live.source})[/]")
        with OUT.stderr.status("dry run: seeding in a transaction that is rolled back..." if dry_run else "seeding..."):
            report = run_seed(live.url, seeds, state.root, dry_run=dry_run)
        reporter(format).report(report)


def load(state: State):  # -> generator.seeds.spec.Seeds
    from generator.seeds.spec import load_seeds

    return load_seeds(state.seeds, state.load_spec(), display=shown_path(state.seeds))


def up_step(state: State, url: str) -> int:
    """The seed step of `schemactl up` (after the upgrade): one summary line, exit code."""
    from generator.seeds.apply import run_seed

    report = run_seed(url, load(state), state.root)
    counts = f"{report.inserted} inserted, {report.updated} updated, {report.unchanged} unchanged"
    OUT.note(f"[green]✓ seed[/]      {report.rows} rows: {counts} ({report.seconds:.1f}s)")
    return 0


def _revision(state: State, seeds, message: str | None, dev_db: str | None):  # -> SeedRevisionResult
    from generator.pg.database import resolve_dev
    from generator.seeds.revision import write_revision

    dev = resolve_dev(dev_db, state.root)
    OUT.note(f"[dim]dev server: {dev.display} (from {dev.source})[/]")
    from generator.project import migrations_lock

    with migrations_lock(state.root), OUT.stderr.status("rendering the data revision...") as status:  # one writer of migrations/
        return write_revision(state.root, seeds, message or "", dev.url, progress=lambda phrase: status.update(phrase + "..."))


