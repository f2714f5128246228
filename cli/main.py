"""The schemactl command line: parse, call generator/, report, exit. Nothing else.

Exit codes (as migra and ``prisma migrate diff --exit-code``): 0 ok, 1 error, 2 differences
found (drift, a revision needed, a broken chain). Usage mistakes exit 1, not click's 2, so a
CI gate never reads a typo as drift.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from cli import fast_options
from cli.output import OUT
from cli.state import State

app = typer.Typer(
    name="schemactl",
    help=(
        "Schema repository tooling: schema.yaml is the source of truth; validate it, generate "
        "proven Alembic revisions, check a live database for drift, load seeds, verify the audit chain.\n\n"
        "The project is the folder holding schema.yaml: the working directory or the nearest one "
        "above it (as git finds .git), or --project DIR. Global options (--spec, --project, --debug) "
        "may come before or after the command.\n\n"
        "Exit codes: 0 ok, 1 error, 2 differences found."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain click help: typer's rich help imports rich.markdown and pygments (about 0.2 s of
    # every `--help`; the start-up target is 0.3 s, bench/run.py measures it)
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _main(
    ctx: typer.Context,
    spec: Path | None = typer.Option(
        None, "--spec", envvar="SCHEMACTL_SPEC",
        help="The spec file; its folder is the project root (default: schema.yaml of the project).",
    ),
    project: Path | None = typer.Option(
        None, "--project", envvar="SCHEMACTL_PROJECT",
        help="The project folder (holding schema.yaml); default: the working directory or the nearest folder above it that holds one.",
    ),
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on errors."),
) -> None:
    ctx.obj = State(spec=spec, debug=debug, project=project)


_GLOBAL_WITH_VALUE = ("--spec", "--project")
_GLOBAL_FLAGS = ("--debug",)


def hoist_global_options(args: list[str]) -> list[str]:
    """``schemactl validate --spec X`` as ``schemactl --spec X validate``: click only knows the
    group's options before the command name. Everything after ``--`` stays where it is."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        name = arg.split("=", 1)[0]
        if name in _GLOBAL_WITH_VALUE and "=" in arg:
            front.append(arg)
        elif name in _GLOBAL_WITH_VALUE and i + 1 < len(args):
            front.extend(args[i : i + 2])
            i += 1
        elif arg in _GLOBAL_FLAGS:
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


_registered = False


def _register() -> None:
    """Add every command group (imported on first use: `schemactl --help` stays fast)."""
    global _registered
    if _registered:
        return
    _registered = True
    from cli import audit, db, diff, importer, lint, migrate, models, preflight, seed, spec, up

    spec.register(app)  # validate, erd, docs
    up.register(app)
    migrate.register(app)  # generate, upgrade, downgrade, status
    diff.register(app)
    seed.register(app)
    audit.register(app)
    models.register(app)
    importer.register(app)  # import
    lint.register(app)  # lint (issue 18)
    preflight.register(app)  # preflight (issue 18)
    app.add_typer(db.db_app, name="db")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code (tests call this in-process)."""
    from generator.errors import SchemactlError

    click = _click_exceptions()

    args = hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    debug = "--debug" in args or os.environ.get("SCHEMACTL_DEBUG") == "1"
    if not debug:
        _quiet_library_logs()
    try:
        fast_options.install()  # option values without pydantic where typer's answer is certain
        _register()  # imports every command group: Ctrl-C here is an interrupt like any other
        OUT.begin(args)  # the --format, so every error follows the output contract (cli/output.py)
        result = app(args=args, prog_name="schemactl", standalone_mode=False)
        return int(result or 0)
    except click.Exit as exc:
        return exc.exit_code
    except click.Abort:
        OUT.report("aborted", exit_code=130)
        return 130
    except click.ClickException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # no command (click >= 8.2): its message is the help
            OUT.stderr.print(exc.format_message(), markup=False, highlight=False, soft_wrap=True)
            OUT.report("missing command", "see schemactl --help" if exc.ctx is None else f"see {exc.ctx.command_path} --help")
            return 1
        OUT.report(exc.format_message() or "missing command", "see schemactl --help" if not isinstance(exc, click.UsageError) or exc.ctx is None
                  else f"see {exc.ctx.command_path} --help")
        return 1
    except SchemactlError as exc:
        if debug:
            OUT.traceback()  # scrubbed: a driver's message may repeat a connection string
        return OUT.fail(exc)
    except KeyboardInterrupt:
        OUT.report("interrupted", exit_code=130)
        return 130
    except Exception as exc:  # a bug, not a user mistake: say so, and how to see more
        from generator.errors import from_database_exception

        if _caused_by_interrupt(exc):  # e.g. Python 3.11 wraps one raised in __set_name__
            OUT.report("interrupted", exit_code=130)
            return 130
        if debug:
            OUT.traceback()  # scrubbed: a driver's message may repeat a connection string
            return 1
        known = from_database_exception(exc)  # a server error by SQLSTATE: the user's or the environment's
        if known is not None:
            return OUT.fail(known)
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        OUT.report(f"internal error: {type(exc).__name__}: {first}", "rerun with --debug for a traceback and report it", kind="internal")
        return 1


def _quiet_library_logs() -> None:
    """SQLAlchemy logs a pool's failure to close a connection (a Ctrl-C while it closes, a
    server gone) with a traceback, which Python's last-resort handler prints to stderr: the
    command's own error line already says what happened. Shown with --debug."""
    import logging

    logger = logging.getLogger("sqlalchemy")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


def _caused_by_interrupt(exc: BaseException) -> bool:
    """Is a KeyboardInterrupt what ``exc`` was raised from (Ctrl-C wrapped by Python)?"""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _click_exceptions():
    """Typer >= 0.29 vendors click; older typer uses the click package. One namespace for both."""
    import types

    try:
        from typer._click import exceptions as ce
        from typer.exceptions import Abort, Exit
    except ImportError:  # pragma: no cover - typer < 0.29
        import click.exceptions as ce
        from click.exceptions import Abort, Exit
    return types.SimpleNamespace(Exit=Exit, Abort=Abort, ClickException=ce.ClickException, UsageError=ce.UsageError)


def run() -> None:
    """One command, then the process ends (the console script, ``cli.entry.run``, calls this
    once the command line is imported)."""
    import cli.state
    from cli import interrupts

    interrupts.install()  # idempotent: Ctrl-C never inside the import machinery
    cli.state.PROCESS_LIFETIME = True
    try:
        code = main()
    except KeyboardInterrupt:  # before main's own handler is in place
        sys.stderr.write("error: interrupted\n")
        code = 130
    sys.exit(code)
