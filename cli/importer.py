"""schemactl import: write the spec of an existing database, round trip proven."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from cli.output import OUT
from cli.reporters import IMPORT, format_choice, format_option, reporter
from cli.state import State, shown_path

ImportFormat = format_choice("import", IMPORT)

IMPORT_HELP = """Write the spec (schema.yaml) of an existing database, proven by a round trip before it is written.

The database (--db, else $DATABASE_URL, else the embedded server) is only read: one
REPEATABLE READ READ ONLY transaction over a session that cannot write, a fixed number of
catalog queries. The spec keeps the database's own names (settings: {naming: verbatim}),
comments, defaults and expressions as PostgreSQL prints them, in a stable order (enums by
name, tables referenced-first then by name, columns in their database order), so importing
the same database twice gives the same bytes.

The round trip (skip with --no-verify): the spec validates; built on an empty scratch
database of the dev server (--dev-db) it matches the source under the drift engine (what
`schemactl diff` compares); and `pg_dump --schema-only` of both agree. On any difference,
nothing is written and exit 1 lists them.

Objects the spec cannot express yet (views, functions, triggers, sequences, domains,
policies, grants, other schemas, ...) are never dropped silently: exit 1 names
each one. --skip-unsupported writes the rest with a comment block listing each skipped object.

--baseline -m MSG also writes migrations/ with a first revision that creates the schema
(proven like generate); --stamp then marks the source database as being at it, so the team
continues with `schemactl generate`. See docs/import.md.

--format json prints one JSON document on stdout (tables written, objects skipped, the proof,
the baseline; the spec itself under "spec" when it is not written to -o FILE).

Exit codes: 0 written, 1 error (unsupported objects, a failed round trip, -o FILE exists)."""


def register(app: typer.Typer) -> None:
    @app.command(name="import", help=IMPORT_HELP)
    def import_(
        ctx: typer.Context,
        db: str | None = typer.Option(None, "--db", metavar="URL", help="The database to import (only read); default $DATABASE_URL, else the embedded server."),
        dev_db: str | None = typer.Option(None, "--dev-db", metavar="URL", help="Dev server for the round trip's scratch database; default $SCHEMACTL_DEV_DATABASE_URL, else the embedded server."),
        schema: list[str] = typer.Option([], "--schema", metavar="NAME", help="Read only this schema (repeatable; default: every user schema). The spec holds only public: objects of other schemas are unsupported."),
        exclude: list[str] = typer.Option([], "--exclude", metavar="PATTERN", help="Leave out tables whose name (or public.name) matches this glob pattern (repeatable)."),
        output: str = typer.Option("-", "--output", "-o", metavar="FILE", help="Write the spec to FILE (default: stdout, also '-')."),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing -o FILE."),
        no_verify: bool = typer.Option(False, "--no-verify", help="Skip the round trip (the spec is then unproven)."),
        skip_unsupported: bool = typer.Option(False, "--skip-unsupported", help="Write what the spec can express; list every skipped object in a comment block at its top."),
        baseline: bool = typer.Option(False, "--baseline", help="Also write migrations/ with a first revision creating this schema (needs -o FILE and -m)."),
        message: str | None = typer.Option(None, "--message", "-m", metavar="MSG", help="The baseline revision's message."),
        stamp: bool = typer.Option(False, "--stamp", help="With --baseline: mark the source database as at the baseline revision (alembic stamp)."),
        format: ImportFormat = format_option(ImportFormat),  # type: ignore[valid-type]
    ) -> None:
        from generator.adopt.importer import run_import
        from generator.errors import ConfigError
        from generator.pg.database import resolve_dev, resolve_live

        state: State = ctx.obj
        target = None if output == "-" else Path(output)
        if target is not None and target.exists() and not force:
            raise ConfigError(f"{shown_path(target)} exists; nothing was written", "pass --force to overwrite it, or -o another file")
        if target is not None and target.exists() and not target.is_file():
            raise ConfigError(f"{shown_path(target)} is not a regular file", "pass -o a file path")
        if target is not None and not target.absolute().parent.is_dir():
            raise ConfigError(f"{shown_path(target.absolute().parent)}: no such folder; nothing was written", "create it first, or -o a file in an existing folder")
        if stamp and not baseline:
            raise ConfigError("--stamp needs --baseline", "pass --baseline -m MSG --stamp")
        if baseline and (target is None or not message):
            raise ConfigError("--baseline needs -o FILE and -m MSG", "e.g. schemactl import -o schema.yaml --baseline -m baseline")
        root = _root(state, target)
        if baseline:
            from generator.adopt.baseline import check_no_revisions

            check_no_revisions(root)
        live = resolve_live(db, root)
        OUT.note(f"[dim]database: {live.display} (from {live.source})[/]")
        dev = None
        if not no_verify or baseline:
            dev = resolve_dev(dev_db, root)
            OUT.note(f"[dim]dev server: {dev.display} (from {dev.source})[/]")
        with OUT.stderr.status("importing...") as status:
            result = run_import(
                live.url, dev.url if dev else None, schemas=list(schema) or None, exclude=tuple(exclude),
                skip_unsupported=skip_unsupported, verify=not no_verify,
                file=shown_path(target) if target else "schema.yaml",
                progress=lambda phrase: status.update(phrase + "..."),
            )
        if target is not None:
            _write_atomically(target, result.text, force)
            result.output = shown_path(target)
        if baseline:
            from generator.adopt.baseline import write_baseline

            assert target is not None and dev is not None and message
            with OUT.stderr.status("baseline...") as status:
                done = write_baseline(
                    root, target, dev.url, message, stamp_url=live.url if stamp else None,
                    progress=lambda phrase: status.update(phrase + "..."),
                )
            result.baseline = {"revision": done.revision, "path": shown_path(done.path), "stamped": stamp}
        reporter(format).report(result)


def _root(state: State, target: Path | None) -> Path:
    """The project: the -o FILE's folder, else the project around the working directory,
    else the working directory (a database is often imported before any project exists)."""
    if target is not None:
        return target.absolute().parent
    from generator.errors import ConfigError

    try:
        return state.root
    except ConfigError:
        return Path.cwd()


def _write_atomically(target: Path, text: str, force: bool) -> None:
    from generator.errors import ConfigError

    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        if not force and target.exists():  # created meanwhile
            raise ConfigError(f"{shown_path(target)} exists; nothing was written", "pass --force to overwrite it")
        os.replace(tmp, target)
    except OSError as exc:
        raise ConfigError(f"cannot write {shown_path(target)}: {exc.strerror}", "check the folder exists and is writable") from exc
    finally:
        tmp.unlink(missing_ok=True)
