"""Thin wrappers over Alembic commands: upgrade, downgrade, status, and a Config for a project.

Alembic's own errors (an unknown revision in the database, several heads) become
``MigrationError`` with a hint; the CLI prints them as one line.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import MigrationError

# pg_advisory_lock key: the bytes "schemactl" folded into a bigint; fixed so every deploy agrees.
# Taken by upgrade/downgrade here, by plain `alembic` in migrations/env.py (generator.migrate.env)
# and, shared, by `schemactl seed`.
MIGRATION_LOCK_KEY = 0x736368656D6163


def alembic_config(root: Path, *, url: str | None = None, connection: Any = None, script_location: Path | None = None):
    from alembic.config import Config

    ini = root / "alembic.ini"
    cfg = Config(str(ini) if ini.exists() else None, stdout=io.StringIO())
    cfg.set_main_option("script_location", str(script_location or root / "migrations"))
    cfg.set_main_option("schemactl_root", str(root))
    if url is not None:
        cfg.cmd_opts = None
        cfg.attributes["url"] = url
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def script_directory(root: Path, script_location: Path | None = None):
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(root, script_location=script_location))


def single_head(root: Path, script_location: Path | None = None) -> str | None:
    heads = script_directory(root, script_location).get_heads()
    if len(heads) > 1:
        raise MigrationError(
            f"the migrations have {len(heads)} heads ({', '.join(sorted(heads))})",
            "merge them with `alembic merge heads -m merge` and commit the merge revision",
        )
    return heads[0] if heads else None


@contextlib.contextmanager
def _translated(target: str | None = None) -> Iterator[None]:
    """Alembic's CommandError as a MigrationError. An unknown revision (Alembic's
    ResolutionError, which CommandError wraps; its ``argument`` names the revision, so no
    message is parsed) is either the one asked for (a typo) or the one the database is at (a
    newer deploy migrated it)."""
    from alembic.script.revision import ResolutionError
    from alembic.util import CommandError

    try:
        yield
    except (CommandError, ResolutionError) as exc:
        text = str(exc)
        resolution = next((e for e in (exc, exc.__cause__, exc.__context__) if isinstance(e, ResolutionError)), None)
        if resolution is not None:
            unknown = str(resolution.argument)
            if target is not None and unknown == target:
                raise MigrationError(
                    f"no revision {target!r} in the migrations",
                    "pass head, base, a revision id (see `alembic history`) or a relative step like -1",
                ) from None
            raise MigrationError(
                f"the database is at a revision this repository does not know ({unknown})",
                "a newer deploy migrated it: pull the latest migrations before running this",
            ) from None
        raise MigrationError(text, "check the revisions with `alembic history` and `schemactl status`") from None


@dataclass
class Moved:
    """Revisions before and after an upgrade or downgrade, both read under the migration lock,
    so a deploy that waited for another one reports only its own work."""

    before: list[str]
    after: list[str]


def _run(root: Path, url: str, fn, *args: Any, script_location: Path | None = None) -> Moved:
    from generator.pg.database import connect

    engine = connect(url)
    try:
        with engine.connect() as conn:
            cfg = alembic_config(root, connection=conn, script_location=script_location)
            _lock(conn)
            try:
                before = current_revisions(conn)
                conn.commit()
                with _translated(str(args[0]) if args else None):
                    fn(cfg, *args)
                after = current_revisions(conn)
                conn.commit()
                return Moved(before, after)
            finally:
                _unlock(conn)
    finally:
        engine.dispose()


def _lock(conn: Any) -> None:
    # our own session: revisions name public's objects bare, whatever search_path the database sets
    conn.exec_driver_sql("SELECT pg_catalog.set_config('search_path', 'public', false)")
    conn.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
    conn.commit()


def _unlock(conn: Any) -> None:
    if conn.in_transaction():
        conn.rollback()
    conn.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
    conn.commit()


def upgrade(root: Path, url: str, revision: str = "head", script_location: Path | None = None) -> Moved:
    from alembic import command

    return _run(root, url, command.upgrade, revision, script_location=script_location)


def downgrade(root: Path, url: str, revision: str, script_location: Path | None = None) -> Moved:
    from alembic import command

    return _run(root, url, command.downgrade, revision, script_location=script_location)


def stamp(root: Path, url: str, revision: str) -> Moved:
    """Mark the database as being at ``revision`` without running it (``alembic stamp``):
    ``schemactl import --baseline --stamp`` on a database that already has the schema."""
    from alembic import command

    return _run(root, url, command.stamp, revision)


def revisions_between(root: Path, moved: Moved) -> list[str]:
    """The revisions applied going from ``moved.before`` to ``moved.after`` (oldest first)."""
    script = script_directory(root)
    if not moved.after:
        return []
    lower = moved.before[0] if moved.before else "base"
    revs = [r.revision for r in script.iterate_revisions(moved.after[0], lower)]
    return [r for r in reversed(revs) if r not in moved.before]


@dataclass
class Status:
    """``schemactl status``: where the database is; ``status`` is "at_head" or "behind"."""

    current: list[str]
    heads: list[str]
    pending: list[str]  # revisions between current and head, oldest first

    @property
    def at_head(self) -> bool:
        return sorted(self.current) == sorted(self.heads)

    @property
    def status(self) -> str:
        return "at_head" if self.at_head else "behind"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "format_version": 1,
            "current": list(self.current),
            "heads": list(self.heads),
            "pending": list(self.pending),
            "at_head": self.at_head,
        }


def current_revisions(conn: Any) -> list[str]:
    from alembic.runtime.migration import MigrationContext

    return list(MigrationContext.configure(conn).get_current_heads())


def status(root: Path, url: str) -> Status:
    from generator.pg.database import connect

    script = script_directory(root)
    engine = connect(url)
    try:
        with engine.connect() as conn:
            current = current_revisions(conn)
    finally:
        engine.dispose()
    heads = list(script.get_heads())
    known = {r.revision for r in script.walk_revisions()}
    unknown = [c for c in current if c not in known]
    if unknown:
        raise MigrationError(
            f"the database is at revision {', '.join(unknown)}, which this repository does not know",
            "a newer deploy migrated it: pull the latest migrations before running this",
        )
    pending: list[str] = []
    with _translated():
        for head in heads:
            for rev in script.iterate_revisions(head, current[0] if current else "base"):
                if rev.revision not in current:
                    pending.append(rev.revision)
    return Status(current, heads, list(reversed(pending)))


def pending_count(root: Path, url: str) -> int | None:
    """How many committed revisions the database at ``url`` has not applied yet; None when it
    is not managed by Alembic (no alembic_version table), at a revision this checkout does not
    know, or unreadable (the caller's own connection reports that).

    Whether the table exists is one psycopg query, so a database Alembic does not manage (the
    usual case of ``diff``) costs neither an SQLAlchemy engine nor Alembic's import (issue 19)."""
    import psycopg

    from generator.pg.database import libpq_url

    try:
        with psycopg.connect(libpq_url(url), connect_timeout=10) as conn:
            row = conn.execute("SELECT to_regclass(quote_ident(coalesce(current_schema(), 'public')) || '.alembic_version')").fetchone()
    except (psycopg.Error, ValueError):  # unreachable, refused: the diff's own connection reports it
        return None
    if row is None or row[0] is None:
        return None
    import sqlalchemy as sa
    from alembic.util.exc import CommandError

    from generator.errors import SchemactlError

    try:
        return len(status(root, url).pending)
    # e.g. a read-only role without SELECT on alembic_version; or a project with no migrations/
    # (a spec just imported) diffing a database another Alembic project manages
    except (SchemactlError, sa.exc.SQLAlchemyError, CommandError):
        return None


# --------------------------------------------------------------------- downgrade plans

SAFE_ROLLBACK = ("loses no rows", "nothing to roll back")


@dataclass
class DowngradeStep:
    """One revision a downgrade undoes, with its docstring's ``Rollback:`` note."""

    revision: str
    message: str
    rollback: str  # the note, "" when the revision has none
    loses_data: bool  # unless the note says it loses nothing, assume it does


def rollback_note(longdoc: str | None) -> str:
    """The ``Rollback:`` paragraph of a revision's docstring, joined into one line."""
    lines = (longdoc or "").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Rollback:"):
            para = [line.removeprefix("Rollback:").strip()]
            for more in lines[i + 1 :]:
                if not more.strip() or re.match(r"^[A-Z][A-Za-z ]*:", more):
                    break
                para.append(more.strip())
            return " ".join(p for p in para if p)
    return ""


def downgrade_plan(root: Path, url: str, target: str) -> list[DowngradeStep]:
    """The revisions ``downgrade target`` would undo on the database at ``url``, newest first."""
    st = status(root, url)
    script = script_directory(root)
    current = st.current[0] if st.current else None
    if current is None:
        return []
    from alembic.script.revision import RangeNotAncestorError

    if target != "base" and not re.fullmatch(r"-\d+|[0-9A-Za-z_]+", target):
        raise MigrationError(
            f"downgrade target {target!r}: pass a revision id, base, or -N",
            "for Alembic's other forms (branch@rev, rev-N) run alembic downgrade directly",
        )
    revs: list[Any] = []
    with _translated(target):
        if re.fullmatch(r"-\d+", target):
            rev = script.get_revision(current)
            for _ in range(int(target[1:])):
                if rev is None:
                    break
                revs.append(rev)
                rev = script.get_revision(rev.down_revision) if rev.down_revision else None
        else:
            lower = script.get_revision(target) if target != "base" else None
            try:
                revs = [r for r in script.iterate_revisions(current, target) if lower is None or r.revision != lower.revision]
            except RangeNotAncestorError:
                raise MigrationError(
                    f"cannot downgrade to {target}: it is not below the database's revision {current}",
                    "downgrade goes to an older revision (see schemactl status), base, or -N; to go up, run schemactl upgrade",
                ) from None
    steps = []
    for rev in revs:
        note = rollback_note(rev.longdoc)
        steps.append(DowngradeStep(rev.revision, rev.doc, note, not any(s in note for s in SAFE_ROLLBACK)))
    return steps
