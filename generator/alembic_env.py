"""What migrations/env.py does, kept in the library so it is tested and reused.

The database URL comes from, in order: a connection (or an engine, as pytest-alembic passes
one) handed over in ``config.attributes["connection"]``, ``-x db=URL``, ``DATABASE_URL``, the
embedded server.
Target metadata is built from the spec next to alembic.ini. Every migration runs in its own
transaction; a session advisory lock serialises concurrent upgrades (two deploy pods: the
second waits, then finds nothing to do).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from generator import autogen, ops  # noqa: F401  (importing registers the custom ops and the plugin)
from generator.metadata import build_metadata
from generator.spec import load_spec

# pg_advisory_lock key: the bytes "schemactl" folded into a bigint; fixed so every deploy agrees.
MIGRATION_LOCK_KEY = 0x736368656D6163


def project_root(config: Any) -> Path:
    configured = config.get_main_option("schemactl_root")
    if configured:
        return Path(configured)
    return Path(config.config_file_name).resolve().parent if config.config_file_name else Path.cwd()


def database_url(context: Any, root: Path) -> str:
    from generator.database import resolve_live

    x = context.get_x_argument(as_dictionary=True)
    return resolve_live(x.get("db"), root).url


def run(context: Any) -> None:
    config = context.config
    root = project_root(config)
    spec = config.attributes.get("spec") or load_spec(root / "schema.yaml")
    metadata = config.attributes.get("metadata") or build_metadata(spec)
    if context.is_offline_mode():
        # paramstyle "named": the SQL is printed, not sent through a driver, so "%" must not
        # be doubled (the append-only trigger's RAISE, a CHECK's LIKE '5%'); and literals
        # follow standard_conforming_strings (backslashes are not doubled). Issue 13 item 3.
        context.configure(url=database_url(context, root), target_metadata=metadata, literal_binds=True,
                          transaction_per_migration=True, dialect_opts={"paramstyle": "named"})  # fmt: skip
        context.get_context().dialect._backslash_escapes = False
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
    from generator.database import connect

    engine = connect(database_url(context, root))
    try:
        with engine.connect() as conn:
            _run_on(context, conn, spec, metadata, root, lock=True)
    finally:
        engine.dispose()


def _run_on(context: Any, conn: Any, spec: Any, metadata: sa.MetaData, root: Path, lock: bool) -> None:
    config = context.config
    support = autogen.AutogenSupport(
        spec=spec,
        metadata=metadata,
        connection=conn,
        target_factory=config.attributes.get("target_snapshot_factory") or _scratch_target(spec, metadata, root),
        prepend=list(config.attributes.get("prepend_ops") or []),
    )
    if lock:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
        conn.commit()
    try:
        context.configure(
            connection=conn,
            target_metadata=metadata,
            compare_type=support.compare_type,
            compare_server_default=False,  # compared from catalog snapshots instead, see autogen._defaults
            render_item=support.render_item,
            transaction_per_migration=True,
            autogenerate_plugins=["alembic.autogenerate.*", autogen.PLUGIN_NAME],
            schemactl=support,
        )
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if lock:
            if conn.in_transaction():
                conn.rollback()
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
            conn.commit()


def _scratch_target(spec: Any, metadata: sa.MetaData, root: Path):
    """For plain ``alembic check``/``revision --autogenerate``: build the spec in a scratch
    database on the dev server, snapshot it, drop it."""

    def factory():
        from generator.catalog import read_snapshot
        from generator.database import connect, resolve_dev, scratch_database
        from generator.materialize import materialize

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
