"""generate, upgrade, downgrade, status."""

from __future__ import annotations

import contextlib

import typer

from cli.output import OUT
from cli.reporters import GENERATE, STATUS, format_choice, format_option, reporter
from cli.state import State

GenerateFormat = format_choice("generate", GENERATE)
StatusFormat = format_choice("status", STATUS)


def _dev(state: State, dev_db: str | None):
    from generator.pg.database import resolve_dev

    dev = resolve_dev(dev_db, state.root)
    OUT.note(f"[dim]dev server: {dev.display} (from {dev.source})[/]")
    return dev


def _live(state: State, db: str | None):
    from generator.pg.database import resolve_live

    live = resolve_live(db, state.root)
    OUT.note(f"[dim]database: {live.display} (from {live.source})[/]")
    return live


DB_HELP = "Live database URL; default $DATABASE_URL, else the embedded server."
DEV_HELP = "Dev server URL for scratch databases; default $SCHEMACTL_DEV_DATABASE_URL, else the embedded server."


def register(app: typer.Typer) -> None:
    @app.command()
    def generate(
        ctx: typer.Context,
        message: str | None = typer.Option(None, "--message", "-m", help="What the revision does; becomes its docstring and file name."),
        check: bool = typer.Option(False, "--check", help="Write nothing; exit 2 if the spec needs a new revision (for CI)."),
        allow_destructive: bool = typer.Option(False, "--allow-destructive", help="Permit steps that lose data (drops, narrowing types)."),
        allow_hazard: list[str] = typer.Option([], "--allow-hazard", metavar="KIND", help="Permit a hazardous step on tables with rows: table_rewrite, access_exclusive, data_loss, enum_value_removal (repeatable; docs/online-migrations.md)."),
        empty: bool = typer.Option(False, "--empty", help="Write an empty revision (e.g. a base anchor)."),
        no_data_proof: bool = typer.Option(False, "--no-data-proof", help="Skip the proof on synthetic rows (docs/preflight.md)."),
        dev_db: str | None = typer.Option(None, "--dev-db", help=DEV_HELP),
        format: GenerateFormat = format_option(GenerateFormat),
    ) -> None:
        """Write a new Alembic revision for what changed in schema.yaml, proven before it is written.

        The revision is applied to a scratch database at the previous head and compared (migra plus
        the catalog) with a database built straight from the spec; then its downgrade is applied and
        compared with the previous head. Only when both are identical is the file written to
        migrations/versions/. Exit 0 written or no changes, 1 error, 2 (with --check) a revision is needed.
        """
        from generator.drift.spec_db import cache_key
        from generator.errors import MigrationError
        from generator.migrate.online_hazards import KINDS, unknown_kinds
        from generator.migrate.revision import generate as run_generate

        state: State = ctx.obj
        if unknown_kinds(allow_hazard):
            raise MigrationError(f"--allow-hazard {unknown_kinds(allow_hazard)[0]}: no such hazard",
                                 f"pass one of {', '.join(KINDS)}")
        _need_migrations(state)
        spec = state.load_spec()
        dev = _dev(state, dev_db)
        _warn_unproven(state)
        # --check writes nothing: it needs no lock; a writing generate holds the migrations
        # folder's lock from reading the head to writing the file, so a second one chains onto it
        with contextlib.nullcontext() if check else _generate_lock(state):
            with OUT.stderr.status("generating...") as status:
                result = run_generate(
                    state.root, spec, dev.url, message, check=check, allow_destructive=allow_destructive,
                    allow_hazards=tuple(allow_hazard),
                    empty=empty, progress=lambda phrase: status.update(phrase + "..."), spec_key=cache_key(state.spec),
                    data_proof=not no_data_proof,
                )
        reporter(format).report(result)
        raise typer.Exit({"written": 0, "no_changes": 0, "needed": 2, "unexpressible": 1}[result.status])

    @app.command()
    def upgrade(
        ctx: typer.Context,
        revision: str = typer.Argument("head", help="Target revision (default: head)."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
        no_preflight: bool = typer.Option(False, "--no-preflight", help="Skip the read-only check of the pending revisions against the data (schemactl preflight)."),
    ) -> None:
        """Upgrade the database to REVISION (default head). Concurrent upgrades wait on an advisory lock.

        First runs schemactl preflight (read-only): when the data would make a pending revision
        fail, prints the problems and stops before anything runs (exit 1); --no-preflight skips it."""
        from generator.migrate import api as migrate

        state: State = ctx.obj
        live = _live(state, db)
        migrate.status(state.root, live.url)  # refuses a database at a revision this repo doesn't know
        if not no_preflight:
            _preflight_gate(state, live, revision)
        with OUT.stderr.status(f"upgrading to {revision} (waits if another upgrade holds the migration lock)..."):
            moved = migrate.upgrade(state.root, live.url, revision)
        applied = migrate.revisions_between(state.root, moved)
        OUT.note(f"[green]upgraded[/]: {len(applied)} revision(s) applied; now at {', '.join(moved.after) or 'base'}")

    # ignore_unknown_options: "-1" (one revision down) is a revision, not an option
    @app.command(context_settings={"ignore_unknown_options": True})
    def downgrade(
        ctx: typer.Context,
        revision: str = typer.Argument(..., help="Target revision: an id, -1, or base."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
        yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask before a step that loses data (for scripts)."),
    ) -> None:
        """Downgrade the database to REVISION. Prints each revision's Rollback: note first; when a
        step loses data, asks for confirmation (--yes for scripts; without a terminal and without
        --yes it refuses). Exit 0 done, 1 error or refused."""
        from generator.migrate import api as migrate

        state: State = ctx.obj
        live = _live(state, db)
        _confirm_downgrade(migrate.downgrade_plan(state.root, live.url, revision), revision, yes)
        with OUT.stderr.status(f"downgrading to {revision}..."):
            migrate.downgrade(state.root, live.url, revision)
        after = migrate.status(state.root, live.url)
        OUT.note(f"[green]downgraded[/]: now at {', '.join(after.current) or 'base'}")

    @app.command()
    def status(
        ctx: typer.Context,
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
        format: StatusFormat = format_option(StatusFormat),
        check: bool = typer.Option(False, "--check", help="Exit 2 when revisions are pending (for CI and deploys)."),
    ) -> None:
        """Show the database's current revision, the pending ones, and whether it is at head.

        Exit 0; with --check, 2 when revisions are pending; 1 on errors."""
        from generator.migrate import api as migrate

        state: State = ctx.obj
        live = _live(state, db)
        st = migrate.status(state.root, live.url)
        reporter(format).report(st)
        raise typer.Exit(2 if check and st.pending else 0)


def _need_migrations(state: State) -> None:
    """A project without migrations/ (or its env.py and script.py.mako): one line with a hint,
    not Alembic's CommandError."""
    from generator.errors import MigrationError

    folder = state.root / "migrations"
    missing = [name for name in ("env.py", "script.py.mako") if not (folder / name).is_file()]
    if not folder.is_dir():
        raise MigrationError(
            f"this project has no migrations/ folder (looked in {folder})",
            "copy migrations/env.py and migrations/script.py.mako from schemactl's repository (or run `alembic init "
            "migrations` and replace its env.py), then run schemactl generate again",
        )
    if missing:
        raise MigrationError(
            f"migrations/ has no {' or '.join(missing)}",
            "copy them from schemactl's repository (migrations/env.py runs generator.migrate.env)",
        )
def _preflight_gate(state: State, live, revision: str) -> None:
    """schemactl preflight before an upgrade: its findings, then a refusal (docs/preflight.md)."""
    from cli.preflight import run_preflight
    from cli.text import preflight_lines
    from generator.errors import MigrationError

    report = run_preflight(state, None, live=live, target=revision)
    if report.status == "safe":
        return
    from rich.markup import escape

    for line in preflight_lines(report):
        OUT.note(escape(line))
    raise MigrationError(
        f"preflight: {len(report.findings)} problem(s) in the pending revisions; nothing was applied",
        "fix the rows listed above (or the revision), or pass --no-preflight to upgrade anyway",
    )


def _generate_lock(state: State):
    from generator.project import migrations_lock

    return migrations_lock(
        state.root, on_wait=lambda: OUT.note("waiting: another schemactl generate is writing a revision in this project...")
    )


def _warn_unproven(state: State) -> None:
    from generator.migrate.env import unproven_revisions

    for name in unproven_revisions(state.root):
        OUT.note(
            f"[yellow]warning:[/] migrations/versions/{name} is marked Unproven (written by alembic revision "
            "--autogenerate); a new revision chains onto it. Review it and delete its Unproven: paragraph, "
            "or delete it and regenerate"
        )


def _stdin_is_terminal() -> bool:
    import sys

    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):  # closed or replaced stdin
        return False


def _confirm_downgrade(steps, target: str, yes: bool) -> None:  # steps: list[migrate.DowngradeStep]
    """Print each step's rollback note; ask (or refuse) when one loses data."""
    from generator.errors import MigrationError

    for step in steps:
        mark = "[red]loses data[/]" if step.loses_data else "[green]no data lost[/]"
        OUT.note(f"{step.revision} ({step.message}): {mark}: {step.rollback or 'no Rollback: note in the revision'}")
    losing = [s.revision for s in steps if s.loses_data]
    if not losing or yes:
        return
    what = f"downgrade to {target} loses data (revision{'s' if len(losing) != 1 else ''} {', '.join(losing)})"
    if not _stdin_is_terminal():
        raise MigrationError(f"{what}; refusing without confirmation", "read the notes above, take a backup, then pass --yes")
    if not typer.confirm(f"{what}. Continue?", default=False, err=True):
        raise MigrationError("downgrade cancelled", "nothing was changed")


