"""seed: upsert seeds.yaml on natural keys; --check and --revision ship seed changes as data revisions."""

from __future__ import annotations

import time

import typer

from cli.output import OUT
from cli.state import Format, State, shown_path

DB_HELP = "Live database URL; default $DATABASE_URL, else the embedded server."
DEV_HELP = "With --revision: dev server URL for the proof's scratch database; default $SCHEMACTL_DEV_DATABASE_URL, else the embedded server."


def register(app: typer.Typer) -> None:
    @app.command()
    def seed(
        ctx: typer.Context,
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
        dry_run: bool = typer.Option(False, "--dry-run", help="Run in a transaction that is rolled back; report what would change."),
        format: Format = typer.Option(Format.text, "--format", "-f", help="text or json."),
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
            raise ConfigError("--dry-run applies to seeding a database, not to --check or --revision")
        seeds = load(state)
        if check:
            raise typer.Exit(_check(state, seeds, format))
        if revision:
            raise typer.Exit(_revision(state, seeds, message, dev_db, format))
        from generator.pg.database import resolve_live
        from generator.seeds.apply import run_seed

        live = resolve_live(db, state.root)
        OUT.note(f"[dim]database: {live.display} (from {live.source})[/]")
        started = time.perf_counter()
        with OUT.stderr.status("dry run: seeding in a transaction that is rolled back..." if dry_run else "seeding..."):
            report = run_seed(live.url, seeds, state.root, dry_run=dry_run)
        if format == Format.json:
            OUT.json(report.as_dict())
            return
        for line in report_lines(report):
            OUT.line(line)
        OUT.note(summary(report) + f" ({time.perf_counter() - started:.2f}s)")


def load(state: State):  # -> generator.seeds.spec.Seeds
    from generator.seeds.spec import load_seeds

    return load_seeds(state.seeds, state.load_spec(), display=shown_path(state.seeds))


def report_lines(report) -> list[str]:
    """One line per table, then a line per inserted (+) or updated (~) row."""
    width = max((len(t.table) for t in report.tables), default=5)
    verb = ("would insert", "would update") if report.dry_run else ("inserted", "updated")
    lines = []
    for t in report.tables:
        lines.append(f"{t.table:<{width}}  {verb[0]} {len(t.inserted):>3}  {verb[1]} {len(t.updated):>3}  unchanged {t.unchanged:>3}")
        lines += [f"  + {_key(k)}" for k in t.inserted]
        lines += [f"  ~ {_key(k)}" for k in t.updated]
    return lines


def summary(report) -> str:
    at = f" at revision {report.revision}" if report.revision else ""
    if report.dry_run:
        return (f"dry run{at}, rolled back: would insert {report.inserted}, update {report.updated}; "
                f"{report.unchanged} unchanged; nothing was written")  # fmt: skip
    return f"seeded {report.rows} rows{at}: {report.inserted} inserted, {report.updated} updated, {report.unchanged} unchanged"


def up_step(state: State, url: str) -> int:
    """The seed step of `schemactl up` (after the upgrade): one summary line, exit code."""
    from generator.seeds.apply import run_seed

    started = time.perf_counter()
    report = run_seed(url, load(state), state.root)
    counts = f"{report.inserted} inserted, {report.updated} updated, {report.unchanged} unchanged"
    OUT.note(f"[green]✓ seed[/]      {report.rows} rows: {counts} ({time.perf_counter() - started:.1f}s)")
    return 0


def _key(key: dict) -> str:
    return "/".join(str(v) for v in key.values())


def _check(state: State, seeds, format: Format) -> int:
    from generator.seeds.revision import committed_state, pending_changes

    changes = pending_changes(seeds, state.root)
    latest, _ = committed_state(state.root)
    if format == Format.json:
        OUT.json({"status": "needed" if changes else "in sync", "revision": latest.revision if latest else None, "changes": changes})
        return 2 if changes else 0
    if not changes:
        at = f"data revision {latest.revision}" if latest else "the data revisions"
        OUT.note(f"[green]in sync[/]: seeds.yaml matches {at}")
        return 0
    for line in changes:
        OUT.line(f"  {line}")
    OUT.note('[yellow]a data revision is needed[/]: seeds.yaml changed since the last one; run schemactl seed --revision -m "what changed"')
    return 2


def _revision(state: State, seeds, message: str | None, dev_db: str | None, format: Format) -> int:
    from generator.pg.database import resolve_dev
    from generator.seeds.revision import write_revision

    dev = resolve_dev(dev_db, state.root)
    OUT.note(f"[dim]dev server: {dev.display} (from {dev.source})[/]")
    from generator.project import migrations_lock

    with migrations_lock(state.root), OUT.stderr.status("rendering the data revision...") as status:  # one writer of migrations/
        result = write_revision(state.root, seeds, message or "", dev.url, progress=lambda phrase: status.update(phrase + "..."))
    if format == Format.json:
        OUT.json({
            "status": result.status, "revision": result.revision, "down_revision": result.down_revision,
            "path": str(result.path) if result.path else None, "changes": result.changes,
        })  # fmt: skip
        return 0
    for line in result.changes:
        OUT.line(f"  {line}")
    if result.status == "no changes":
        OUT.note("[green]no changes[/]: the data revisions already match seeds.yaml")
    else:
        OUT.note(f"[green]wrote[/] {shown_path(result.path)} (data revision {result.revision}, proven on a scratch database)")
    return 0


