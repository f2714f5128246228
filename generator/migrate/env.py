"""What migrations/env.py does, kept in the library so it is tested and reused.

The database URL comes from, in order: a connection (or an engine, as pytest-alembic passes
one) handed over in ``config.attributes["connection"]``, ``-x db=URL``, ``DATABASE_URL``, the
embedded server.
Target metadata is built from the spec next to alembic.ini, and only when Alembic
autogenerates (``revision --autogenerate``, ``check``): applying committed revisions never
needs a valid spec. Every migration runs in its own
transaction; a session advisory lock serialises concurrent upgrades (two deploy pods: the
second waits, then finds nothing to do).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from generator.migrate import (  # noqa: F401  (importing registers the custom ops and the plugin)
    autogen,
    ops,
    type_ops,
)
from generator.migrate.api import MIGRATION_LOCK_KEY
from generator.pg.catalog_schemas import READ_SEARCH_PATH
from generator.schema.metadata import build_metadata
from generator.spec import load_spec


def project_root(config: Any) -> Path:
    configured = config.get_main_option("schemactl_root")
    if configured:
        return Path(configured)
    return Path(config.config_file_name).resolve().parent if config.config_file_name else Path.cwd()


def database_url(context: Any, root: Path) -> str:
    from generator.pg.database import resolve_live

    x = context.get_x_argument(as_dictionary=True)
    return resolve_live(x.get("db"), root, cli_source="-x db").url


def is_autogenerate(context: Any) -> bool:
    """True when Alembic runs this environment to compare (``revision --autogenerate``,
    ``check``): only then are the spec and its metadata needed."""
    env = getattr(context, "_proxy", None) or context  # the alembic.context module, or the EnvironmentContext
    revision_context = (getattr(env, "context_opts", None) or {}).get("revision_context")
    return bool(revision_context is not None and revision_context.command_args.get("autogenerate"))


def target_metadata(config: Any, root: Path) -> tuple[Any, sa.MetaData]:
    """The spec and its metadata, for autogenerate. A spec with problems is one line (Alembic
    prints a CommandError as ``FAILED: ...``), not a traceback."""
    from alembic.util import CommandError

    from generator.errors import SchemactlError, SpecError

    spec = config.attributes.get("spec")
    if spec is None:
        try:
            spec = load_spec(root / "schema.yaml")
        except SpecError as exc:
            first = exc.problems[0] if exc.problems else exc.message
            raise CommandError(
                f"autogenerate needs a valid spec: {exc.message} in schema.yaml, the first: {first} "
                "(schemactl validate lists them all; upgrade, downgrade and current do not need the spec)"
            ) from None
        except SchemactlError as exc:
            raise CommandError(f"autogenerate needs the spec: {exc}") from None
    return spec, config.attributes.get("metadata") or build_metadata(spec)


def run(context: Any) -> None:
    with plain_alembic_errors(context.config):
        _run(context)


@contextlib.contextmanager
def plain_alembic_errors(config: Any) -> Iterator[None]:
    """Under the plain ``alembic`` command (it sets ``cmd_opts``; schemactl's own calls do
    not), a schemactl error (a bad ``-x db`` URL, a wrong password) ends the run with the
    CLI's one ``error:`` line, a ``hint:`` line and exit 1, passwords scrubbed, instead of a
    traceback that may repeat the URL. ``alembic --raiseerr`` keeps the traceback."""
    from generator.errors import SchemactlError

    options = getattr(config, "cmd_opts", None)
    try:
        yield
    except SchemactlError as exc:
        if options is None or getattr(options, "raiseerr", False):
            raise
        from generator.pg.urls import scrub

        print(f"error: {scrub(exc.message)}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {scrub(exc.hint)}", file=sys.stderr)
        raise SystemExit(1) from None


def _run(context: Any) -> None:
    """Applying committed revisions (upgrade, downgrade, current, offline SQL) never reads the
    spec: a half-edited schema.yaml must not block a deploy. Only autogenerate loads it."""
    config = context.config
    root = project_root(config)
    autogenerate = is_autogenerate(context)
    spec, metadata = target_metadata(config, root) if autogenerate else (None, None)
    if context.is_offline_mode():
        # paramstyle "named": the SQL is printed, not sent through a driver, so "%" must not
        # be doubled (the append-only trigger's RAISE, a CHECK's LIKE '5%'); and literals
        # follow standard_conforming_strings (backslashes are not doubled). Issue 13 item 3.
        context.configure(**_offline_target(context, root), target_metadata=metadata, literal_binds=True,
                          transaction_per_migration=True, dialect_opts={"paramstyle": "named"})
        context.get_context().dialect._backslash_escapes = False
        # The literals and the spec's SQL fragments are written for standard_conforming_strings
        # on; the script says so, whatever the database or role that runs it sets (issue 12).
        context.execute("SET standard_conforming_strings = on")
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if isinstance(connection, sa.engine.Engine):  # pytest-alembic hands over its engine
        with connection.connect() as conn:
            _run_on(context, conn, spec, metadata, root, lock=False)
        return
    if connection is not None:
        _run_on(context, connection, spec, metadata, root, lock=False)
        return
    from generator.pg.database import connect

    engine = connect(database_url(context, root))
    try:
        with engine.connect() as conn:
            _run_on(context, conn, spec, metadata, root, lock=True)
    finally:
        engine.dispose()


def _offline_target(context: Any, root: Path) -> dict[str, str]:
    """Offline SQL needs only the dialect: a URL if one is given, never a started server."""
    from generator.pg.database import normalize_url

    x_db = context.get_x_argument(as_dictionary=True).get("db")
    given, source = (x_db, "-x db") if x_db else (os.environ.get("DATABASE_URL"), "DATABASE_URL")
    return {"url": normalize_url(given, source)} if given else {"dialect_name": "postgresql"}


def _run_on(context: Any, conn: Any, spec: Any, metadata: sa.MetaData | None, root: Path, lock: bool) -> None:
    config = context.config
    hooks: dict[str, Any] = {}
    if spec is not None:
        support = autogen.AutogenSupport(
            spec=spec,
            metadata=metadata,
            connection=conn,
            target_factory=config.attributes.get("target_snapshot_factory") or _scratch_target(spec, metadata, root),
            prepend=list(config.attributes.get("prepend_ops") or []),
        )
        hooks = dict(
            compare_type=support.compare_type,
            compare_server_default=False,  # compared from catalog snapshots instead, see autogen._defaults
            render_item=support.render_item,
            include_schemas=True,  # the spec's schemas only: support.include_name
            include_name=support.include_name,
            autogenerate_plugins=["alembic.autogenerate.*", autogen.PLUGIN_NAME],
            schemactl=support,
            process_revision_directives=revision_directives(root),
        )
    if lock:  # our own session: revisions name public's objects bare, whatever search_path the database sets
        conn.exec_driver_sql(f"SELECT pg_catalog.set_config('search_path', '{READ_SEARCH_PATH}', false)")
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
        conn.commit()
    try:
        context.configure(connection=conn, target_metadata=metadata, transaction_per_migration=True, **hooks)
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if lock:
            if conn.in_transaction():
                conn.rollback()
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
            conn.commit()


UNPROVEN_MARK = "Unproven:"
UNPROVEN_NOTE = (
    f"{UNPROVEN_MARK} written by `alembic revision --autogenerate`, not by `schemactl generate`: nobody has\n"
    "applied it to a scratch database and compared the result with the spec. Review it by hand and\n"
    "delete this paragraph, or delete the file and run `schemactl generate -m MSG`, which proves its\n"
    "revision before writing it."
)


def revision_directives(root: Path):
    """process_revision_directives for plain ``alembic revision --autogenerate``: the same
    sequential ids as ``schemactl generate`` (0009, ...; ``--rev-id`` still wins), the same
    ``Rollback:`` note, and an ``Unproven:`` paragraph in the docstring (also said on stderr),
    because Alembic writes what it compared without proving it."""

    def process(context: Any, revision: Any, directives: list[Any]) -> None:
        import sys

        from alembic import context as env_module

        from generator.migrate.revision import next_revision_id, rollback_note

        # private Alembic API: pinned by tests/unit/test_alembic_private_api.py (alembic <2)
        opts = env_module._proxy.context_opts
        if "check." in getattr(opts.get("fn"), "__qualname__", ""):
            return  # `alembic check` writes nothing
        revision_context = opts["revision_context"]
        template_args = opts["template_args"]
        for script in directives:
            if not revision_context.command_args.get("rev_id"):
                script.rev_id = next_revision_id(root)
            template_args["rollback_note"] = rollback_note(script.upgrade_ops)
            from generator.migrate.qualified import IMPORT, uses_qname

            if uses_qname(script.upgrade_ops):  # names outside public: the revision imports QName
                script.imports.add(IMPORT)
            from generator.migrate.online_ops import timeouts_first

            for downgrade in script.downgrade_ops_list:  # op.set_timeouts first in the downgrade too
                timeouts_first(downgrade)
        template_args["unproven"] = UNPROVEN_NOTE.split(" ", 1)[1]
        ids = ", ".join(str(s.rev_id) for s in directives)
        print(
            f"warning: revision {ids} is unproven (alembic revision --autogenerate does not apply and compare it); "
            "review it, or delete it and run schemactl generate -m MSG",
            file=sys.stderr,
        )

    return process


def unproven_revisions(root: Path) -> list[str]:
    """Revision files under migrations/versions whose docstring still carries the Unproven: mark."""
    versions = root / "migrations" / "versions"
    found = []
    for path in sorted(versions.glob("*.py")):
        head = path.read_text(encoding="utf-8", errors="replace")[:4000]
        docstring = head.split('"""', 2)[1] if head.count('"""') >= 2 else ""
        if any(line.startswith(UNPROVEN_MARK) for line in docstring.splitlines()):
            found.append(path.name)
    return found


def _scratch_target(spec: Any, metadata: sa.MetaData, root: Path):
    """For plain ``alembic check``/``revision --autogenerate``: build the spec in a scratch
    database on the dev server, snapshot it, drop it."""

    def factory():
        from generator.drift.materialize import materialize
        from generator.pg.catalog import read_snapshot
        from generator.pg.database import connect, resolve_dev, scratch_database

        dev = resolve_dev(None, root, env=os.environ)
        with scratch_database(dev.url) as url:
            engine = connect(url)
            try:
                with engine.begin() as conn:
                    materialize(conn, spec, metadata)
                with engine.connect() as conn:
                    return read_snapshot(conn)
            finally:
                engine.dispose()

    return factory
