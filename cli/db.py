"""schemactl db start|stop|status|url: the embedded PostgreSQL server the project uses by default."""

from __future__ import annotations

import typer

from cli.output import OUT
from cli.state import State

db_app = typer.Typer(
    help="Manage the embedded PostgreSQL 18.6 server (data in .schemactl/pg18, git-ignored). "
    "It listens on no TCP port, only on a unix socket in a private folder (mode 0700), so "
    "only you (and root) can connect. Other commands start it on demand; these are for "
    "doing it by hand.",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help, as in cli/main.py
)


def _server(ctx: typer.Context):
    from generator.pg.server import embedded_server

    state: State = ctx.obj
    return embedded_server(state.root)


@db_app.command()
def start(ctx: typer.Context) -> None:
    """Initialise (first time) and start the embedded server; print the libpq URL of its
    maintenance database (postgres)."""
    from generator.pg.database import libpq_url

    server = _server(ctx)
    if not server.is_initialized():
        OUT.note("initialising the embedded server (first run only)...")
    url = server.ensure_running()
    OUT.line(libpq_url(url))
    OUT.note(f"[green]running[/]: PostgreSQL {server.version()}, data in {server.data_dir}")


@db_app.command()
def stop(ctx: typer.Context) -> None:
    """Stop the embedded server (its data stays)."""
    server = _server(ctx)
    if not server.is_running():
        OUT.note("the embedded server is not running")
        return
    server.stop()
    OUT.note("stopped")


@db_app.command()
def status(ctx: typer.Context) -> None:
    """Say whether the embedded server runs, its version, where it listens and its data folder. Exit 0 running, 1 not."""
    server = _server(ctx)
    st = server.status()
    if st.running:
        OUT.line(f"running: PostgreSQL {st.version}, pid {st.pid}, {st.listens}, data {st.data_dir}")
    else:
        OUT.line(f"stopped: PostgreSQL {st.version}, data {st.data_dir}"
                 + ("" if server.is_initialized() else " (not initialised yet)"))
    raise typer.Exit(0 if st.running else 1)


@db_app.command()
def url(
    ctx: typer.Context,
    sqlalchemy: bool = typer.Option(
        False, "--sqlalchemy", help="Print the SQLAlchemy form (postgresql+psycopg://...) instead.",
    ),
) -> None:
    """Print the URL of the embedded live database (starting the server if needed): a libpq
    URL (postgresql://...) that psql, pg_dump and DATABASE_URL accept, e.g.
    psql "$(schemactl db url)". It names the server's private unix socket folder."""
    from generator.pg.database import libpq_url, resolve_live

    state: State = ctx.obj
    live = resolve_live(None, state.root, env={}).url
    OUT.line(live if sqlalchemy else libpq_url(live))


@db_app.command("clear-cache")
def clear_cache(
    ctx: typer.Context,
    dev_db: str | None = typer.Option(
        None, "--dev-db",
        help="Dev server URL; default $SCHEMACTL_DEV_DATABASE_URL, else the embedded server.",
    ),
) -> None:
    """Drop the databases schemactl keeps on the dev server between runs (schemactl_cache_*:
    the spec and the migrations' head, built once per change), and what
    killed runs left behind: their scratch databases (schemactl_head_*, schemactl_prev_*, ...)
    and folders under .schemactl/tmp. Scratch databases of runs still going are listed and
    kept. Safe at any time: the next generate or diff rebuilds what it needs."""
    from generator.pg import dbcache
    from generator.pg.database import resolve_dev
    from generator.pg.scratch import reap_dirs

    state: State = ctx.obj
    dev = resolve_dev(dev_db, state.root)
    reaped = dbcache.reap(dev.url)
    folders = reap_dirs(state.root)
    for name in reaped.dropped:
        OUT.line(f"dropped {name} (left by a run that is gone)")
    for path in folders:
        OUT.line(f"removed {path} (left by a run that is gone)")
    dropped = dbcache.clear(dev.url)  # a refusal lists what it dropped before in its details
    for name in dropped:
        OUT.line(f"dropped {name}")
    for name in reaped.kept:
        OUT.line(f"kept {name} (its run is still going)")
    kept = f"; kept {len(reaped.kept)} scratch database(s) of running processes" if reaped.kept else ""
    OUT.note(
        f"[green]cleared[/]: {len(dropped)} cached database(s), {len(reaped.dropped)} leftover scratch "
        f"database(s), {len(folders)} leftover folder(s){kept}"
    )
