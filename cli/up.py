"""schemactl up: the whole path a newcomer runs first, with a one-line summary per step.

validate -> upgrade to head (the committed migrations) -> seed -> diff (must be clean).
Exit 0 ok, 2 drift left behind, 1 error.
"""

from __future__ import annotations

import time

import typer

from cli.output import OUT
from cli.spec import validate_files
from cli.state import State


def register(app: typer.Typer) -> None:
    @app.command()
    def up(
        ctx: typer.Context,
        db: str | None = typer.Option(None, "--db", help="Live database URL; default $DATABASE_URL, else the embedded server."),
        dev_db: str | None = typer.Option(None, "--dev-db", help="Dev server for the final diff's scratch database; default $SCHEMACTL_DEV_DATABASE_URL, else the embedded server."),
    ) -> None:
        """The whole path, what a newcomer runs first: validate, upgrade to head, seed, then diff.

        Prints a short summary of each step. Exit 0 ok, 2 drift left after the upgrade, 1 error.
        """
        raise typer.Exit(run_up(ctx.obj, db, dev_db))


def run_up(state: State, db: str | None, dev_db: str | None = None) -> int:
    started = time.perf_counter()
    report = validate_files(state)
    if report.status != "ok":
        for problem in report.problems:
            OUT.line(str(problem))
        OUT.error(f"validate: {len(report.problems)} problem(s); fix them and rerun")
        return 1
    OUT.note(f"[green]✓ validate[/]  {report.summary}")

    from generator.migrate import api as migrate
    from generator.pg.database import resolve_live

    target = resolve_live(db, state.root)
    OUT.note(f"  database  {target.display} (from {target.source})")
    t = time.perf_counter()
    migrate.status(state.root, target.url)  # refuses a database at a revision this repo doesn't know
    with OUT.stderr.status("upgrading to head..."):
        moved = migrate.upgrade(state.root, target.url)
    applied = len(migrate.revisions_between(state.root, moved))
    OUT.note(
        f"[green]✓ upgrade[/]   {applied} revision(s) applied, at {', '.join(moved.after) or 'base'} "
        f"({time.perf_counter() - t:.1f}s)"
    )
    code = 0
    for step in (_seed_step, _diff_step):
        code = max(code, step(state, target.url, dev_db))
        if code == 1:
            return 1
    OUT.note(f"[green]done[/] in {time.perf_counter() - started:.1f}s" if code == 0 else
             f"[yellow]done with drift left[/] in {time.perf_counter() - started:.1f}s")
    return code


def _seed_step(state: State, url: str, dev_db: str | None) -> int:
    if not state.seeds.exists():
        return 0
    from cli.seed import up_step

    return up_step(state, url)


def _diff_step(state: State, url: str, dev_db: str | None) -> int:
    """The database must now match the spec; anything left is drift (exit 2), shown in full."""
    from cli.text import diff_body
    from generator.drift.engine import run_diff
    from generator.drift.spec_db import SpecDDL
    from generator.drift.unmanaged import declared
    from generator.pg.database import resolve_dev

    t = time.perf_counter()
    dev = resolve_dev(dev_db, state.root)
    spec = SpecDDL.load_cached(state.spec, state.root, state.load_spec)  # as diff: its cached spec database
    unmanaged = declared(state.spec, spec)
    with OUT.stderr.status("comparing the database with the spec...") as status:
        report = run_diff(url, dev.url, spec, progress=lambda p: status.update(p + "..."), unmanaged=unmanaged)
    if report.in_sync:
        OUT.note(f"[green]✓ diff[/]      in sync with the spec ({time.perf_counter() - t:.1f}s)")
        return 0
    diff_body(report)
    OUT.note(f"[yellow]✗ diff[/]      {len(report.changes)} difference(s) left after the upgrade: run schemactl diff")
    return 2
