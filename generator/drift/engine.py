"""Compare two databases: migra's SQL plus our catalog comparison for what migra cannot see.

This is the one comparison schemactl has, and the only module that imports the engine
(migra 3.0; chosen by measurement, see docs/drift.md). Two users:

- the revision proof (``compare_databases``): the upgraded scratch database must equal one
  built from the spec; the downgraded one must equal the previous head;
- ``schemactl diff`` and ``schemactl up`` (``run_diff``): the live database against the spec
  on the dev server. The live database is only read: its connection runs with
  ``default_transaction_read_only=on``, and migra inspects through that same connection.

The spec's database is kept on the dev server by the one kept-database store
(``generator.pg.dbcache``), one per SpecDDL key (``schemactl_cache_spec_<16 hex>``, the same
database ``generate`` uses): built once under a scratch name, published by a rename when
complete, then read directly (read-only) by every later diff of the same spec; see
``_spec_side`` and docs/drift.md. Each database is inspected once (``Inspection``: our catalog
snapshot and migra's inspector, both from one connection). ``run_diff`` connects to and
inspects the live database in a worker thread while the main thread reads (or builds) the
spec's; a scratch database is always dropped (errors, Ctrl-C).

migra ignores COMMENTs and gets some statements wrong; ``generator.pg.catalog`` compares what
it misses and ``generator.drift.fix_sql`` corrects the SQL (see there).
"""

from __future__ import annotations

import re
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator.errors import DatabaseError

# generator.pg.catalog (and the fix-ups built on it) is imported where it is used: a diff
# answered by the fingerprint shortcut never reads a snapshot, and skips importing it
if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from generator.drift.report import DiffReport
    from generator.drift.spec_db import SpecDDL
    from generator.pg.catalog import Change, Snapshot
    from generator.spec.model import Spec, UnmanagedSpec

ENGINE = "migra"
READ_ONLY_OPTION = "-c default_transaction_read_only=on"
SCRATCH_PREFIX = "schemactl_diff"
Progress = Callable[[str], None]


@dataclass
class DriftResult:
    """Differences that would turn ``source`` into ``target``."""

    statements: list[str] = field(default_factory=list)  # migra's SQL, in order
    changes: list[Change] = field(default_factory=list)  # per-object, from the catalog

    @property
    def empty(self) -> bool:
        return not self.statements and not self.changes

    def describe(self) -> list[str]:
        """Lines for a human: every catalog change, then migra's statements not explained by one."""
        lines = [str(c) for c in self.changes]
        if self.statements and not self.changes:
            lines += [f"sql: {s.strip()}" for s in self.statements]
        return lines


@dataclass
class Inspection:
    """One database, read once: the catalog snapshot and migra's inspector."""

    snapshot: Snapshot
    inspector: Any
    version: str = ""  # server version, e.g. "17.6"


_IMPORT_LOCK = threading.Lock()
_SQL_MODULE = "schemainspect.pg.obj"  # the module that reads schemainspect's SQL files

# generator.pg.catalog_access: compared only when the spec manages privileges
PRIVILEGE_KINDS = frozenset({"grant", "default privileges"})


def _quietly_import_engine() -> None:
    """Import migra (and schemainspect) quickly and without the UserWarning that its
    ``pkg_resources`` import prints on stderr.

    At import time schemainspect reads its 17 SQL files through ``pkg_resources`` (slow to
    import: it scans every installed distribution) and finds the calling module for each
    with ``inspect.stack()`` (slow: it reads the source of every frame, and maps every loaded
    module to its file). That was most of migra's start-up, paid on every ``schemactl diff``.
    So, for the duration of the import only: ``schemainspect.misc`` is loaded first with
    a ``pkg_resources`` shim whose ``resource_stream`` opens the file in the package
    directory (unless the real ``pkg_resources`` is loaded already), and told the caller
    directly. Anything unexpected falls back to a plain import."""
    if "migra" in sys.modules and "schemainspect" in sys.modules:
        return
    import warnings

    with _IMPORT_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shim = None
        if "pkg_resources" not in sys.modules:
            shim = types.ModuleType("pkg_resources")
            shim.resource_stream = _resource_stream  # type: ignore[attr-defined]
            sys.modules["pkg_resources"] = shim
        misc, caller = _preload_misc(), None
        if misc is not None:
            caller = misc.external_caller
            misc.external_caller = lambda: _SQL_MODULE
        try:
            import migra  # noqa: F401
            import schemainspect  # noqa: F401
        finally:
            if misc is not None:
                misc.external_caller = caller
                package = sys.modules.get("schemainspect")
                if package is not None and not hasattr(package, "misc"):
                    package.misc = misc  # what the import system does for a submodule
            if shim is not None and sys.modules.get("pkg_resources") is shim:
                del sys.modules["pkg_resources"]


def _schemainspect_dir() -> str | None:
    import importlib.util

    found = importlib.util.find_spec("schemainspect")  # does not import it
    locations = list(found.submodule_search_locations or []) if found else []
    return locations[0] if locations else None


def _preload_misc() -> Any:
    """schemainspect.misc, loaded on its own (before its package, which reads the SQL files)."""
    import importlib.util
    import os

    if "schemainspect" in sys.modules or "schemainspect.misc" in sys.modules:
        return None
    root = _schemainspect_dir()
    if root is None:
        return None
    spec = importlib.util.spec_from_file_location(
        "schemainspect.misc", os.path.join(root, "misc.py")
    )
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules["schemainspect.misc"] = module
    try:
        spec.loader.exec_module(module)
    except Exception:
        del sys.modules["schemainspect.misc"]
        return None
    return module if callable(getattr(module, "external_caller", None)) else None


def _resource_stream(module: str, path: str) -> Any:
    """pkg_resources.resource_stream for schemainspect's data files (the module's folder)."""
    import os

    root = _schemainspect_dir()
    if root is None or not module.startswith("schemainspect."):
        raise FileNotFoundError(f"{module}: {path}")
    return open(os.path.join(root, *module.split(".")[1:-1], path), "rb")  # noqa: SIM115


def inspect(conn: Any, schema: str | None = None) -> Inspection:
    """Read a database through a SQLAlchemy Connection (SELECTs only)."""
    _quietly_import_engine()
    from schemainspect import get_inspector

    from generator.pg.catalog import read_snapshot
    from generator.pg.catalog_schemas import pinned_search_path

    with pinned_search_path(conn):  # migra's definitions too print as on any database (catalog_schemas)
        snapshot = read_snapshot(conn)
        inspector = get_inspector(conn, schema=schema)
    info = conn.dialect.server_version_info or ()
    return Inspection(snapshot, inspector, ".".join(str(p) for p in info[:2]))


def engine_statements(
    source: Inspection, target: Inspection, *, ignore_extension_versions: bool = False
) -> list[str]:
    """The statements migra would run to turn source into target (unsafe ones included)."""
    _quietly_import_engine()
    _quote_enum_values()
    from migra import Migration

    from generator.drift import partition_sql  # a partition's copies of its parent's objects
    from generator.drift.fix_domains import hide_domain_enums, mark_virtual_columns

    partition_sql.patch_engine()

    _same_check_definitions(source.inspector, target.inspector)
    for side in (source, target):
        hide_domain_enums(side.inspector, side.snapshot.domains)
        mark_virtual_columns(side.inspector, side.snapshot.columns)
    m = Migration(
        source.inspector, target.inspector, ignore_extension_versions=ignore_extension_versions
    )
    m.set_safety(False)
    m.add_all_changes(privileges=False)
    statements = [s.strip() for s in m.statements if s.strip() and not _ignored(s)]
    return partition_sql.correct(statements, source.snapshot, target.snapshot)


def _quote_enum_values() -> None:
    """Make schemainspect write enum values as SQL literals. It pastes them between quotes
    as they are (``'{}'``), so a spec value ``x'); CREATE ROLE ...; --`` came out of
    ``diff --format sql``, the script an operator applies with ``psql -f``, as a statement of
    its own (issue 12, redteam pass). Values are now quoted like every other literal
    (``quote_literal``: quotes doubled, ``E''`` for a backslash)."""
    from schemainspect.pg import obj

    from generator.spec.types import quote_literal

    enum = obj.InspectedEnum
    if getattr(enum, "_schemactl_quoted", False):
        return

    def quoted_elements(self: Any) -> str:
        return ", ".join(quote_literal(e) for e in self.elements)

    def change_statements(self: Any, new: Any) -> list[str]:  # schemainspect's, with literals quoted
        if not self.can_be_changed_to(new):
            raise ValueError
        old, statements, previous = self.elements, [], None
        for value in new.elements:
            if value not in old:
                where = f"before {quote_literal(old[0])}" if previous is None else f"after {quote_literal(previous)}"
                statements.append(f"alter type {self.quoted_full_name} add value {quote_literal(value)} {where};")
            previous = value
        return statements

    enum.quoted_elements = property(quoted_elements)
    enum.change_statements = change_statements
    enum._schemactl_quoted = True


def _same_check_definitions(source: Any, target: Any) -> None:
    """Make a CHECK on both sides read the same where PostgreSQL stored one condition twice.

    ``pg_get_constraintdef`` is not a fixed point: ``a BETWEEN 1 AND 9 AND b`` is stored as a
    nested AND and printed as ``(((a >= 1) AND (a <= 9)) AND b)``, which PostgreSQL's parser
    flattens (a CHECK re-created from that text, as a downgrade re-creating a dropped table
    does, prints ``((a >= 1) AND (a <= 9) AND b)``). Two definitions whose parse trees (pglast,
    locations left out) are equal are the same constraint: the source takes the target's text,
    so migra does not drop and re-add it.
    """
    from generator.pg.catalog import same_check_definition

    theirs = getattr(target, "constraints", {})
    for key, mine in getattr(source, "constraints", {}).items():
        other = theirs.get(key)
        if other is None or mine.constraint_type != "CHECK" or other.constraint_type != "CHECK":
            continue
        if mine.definition != other.definition and same_check_definition(mine.definition, other.definition):
            mine.definition = other.definition




def engine_version() -> str:
    from importlib.metadata import version

    try:
        return f"{ENGINE} {version(ENGINE)}"
    except Exception:  # pragma: no cover - metadata missing
        return ENGINE


def _ignored(statement: str) -> bool:
    """Alembic's bookkeeping table is not part of the schema (the catalog skips it too)."""
    return '"alembic_version"' in statement or "alembic_version_pkc" in statement


def snapshot_of(url: str) -> Snapshot:
    from generator.pg.catalog import read_snapshot
    from generator.pg.database import connect

    engine = connect(url)
    try:
        with engine.connect() as conn:
            return read_snapshot(conn)
    finally:
        engine.dispose()


def _inspect_url(url: str) -> Inspection:
    from generator.pg.database import connect

    engine = connect(url)
    try:
        with engine.connect() as conn:
            return inspect(conn)
    finally:
        engine.dispose()


def compare_databases(source_url: str, target_url: str) -> DriftResult:
    """migra statements plus catalog changes from source to target. The two databases are
    inspected side by side (a worker thread reads the target): most of an inspection is the
    server answering catalog queries, so the two overlap."""
    from concurrent.futures import ThreadPoolExecutor

    from generator.pg.catalog import compare

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="schemactl-compare") as pool:
        target = pool.submit(_inspect_url, target_url)
        a = _inspect_url(source_url)
        b = target.result()
    return DriftResult(engine_statements(a, b), compare(a.snapshot, b.snapshot))


# ------------------------------------------------------------------ schemactl diff


def _read_only_engine(url: str) -> tuple[Engine, str]:
    """An Engine (not yet connected) whose sessions cannot write, and the normalized URL."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from generator.pg.database import CONNECT_TIMEOUT, normalize_url, pin_string_literals

    normalized = normalize_url(url)
    existing = str(make_url(normalized).query.get("options") or "")
    options = f"{existing} {READ_ONLY_OPTION}".strip()
    # pooled: the connection verified by the callers is the one the inspection uses
    engine = create_engine(
        normalized, connect_args={"connect_timeout": CONNECT_TIMEOUT, "options": options}
    )
    pin_string_literals(engine)
    return engine, normalized


def connect_read_only(url: str, *, missing_ok: bool = False) -> Engine | None:
    """An Engine whose sessions cannot write (``default_transaction_read_only=on``), its
    connection verified once. Connection failures become one clear DatabaseError; with
    ``missing_ok``, a database that does not exist (or this user may not connect to) is None."""
    import psycopg
    import sqlalchemy.exc

    from generator.pg.database import explain_operational_error

    engine, normalized = _read_only_engine(url)
    try:
        with engine.connect():
            pass
    except (sqlalchemy.exc.OperationalError, psycopg.OperationalError) as exc:
        engine.dispose()
        text = str(getattr(exc, "orig", None) or exc)
        if missing_ok and re.search(r'database "[^"]*" does not exist|permission denied for database', text):
            return None
        raise explain_operational_error(exc, normalized) from exc
    return engine


SNAPSHOT_OPTIONS = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}


def _read_live(live_url: str, shortcut: Shortcut | None = None, snapshot: str | None = None) -> Inspection | None:
    """Connect read-only and inspect (runs in the worker thread), in one REPEATABLE READ
    READ ONLY transaction: our catalog snapshot and every query of migra's inspector read the
    same snapshot of the catalog, so a migration committing meanwhile is seen whole or not
    at all (the SQL never mixes the two states).

    With ``shortcut``: the catalog fingerprint first (same transaction); None, nothing
    inspected, when it equals the cached spec database's (``Shortcut``). With ``snapshot``
    (exported by ``generator.drift.remembered``): that snapshot, imported first."""
    try:
        engine = connect_read_only(live_url)
    except BaseException:
        if shortcut is not None:
            shortcut.live_done()  # the spec side never waits for a fingerprint that will not come
        raise
    try:
        with _reading("the live database"), engine.connect() as conn:
            conn = conn.execution_options(**SNAPSHOT_OPTIONS)
            with conn.begin():
                if snapshot is not None:
                    from generator.drift.remembered import import_snapshot_sql

                    conn.exec_driver_sql(import_snapshot_sql(snapshot))
                if shortcut is not None and shortcut.live_equals_spec(conn):
                    return None
                return inspect(conn)  # every managed schema (catalog_schemas)
    finally:
        if shortcut is not None:
            shortcut.live_done()
        engine.dispose()


@contextmanager
def _reading(what: str) -> Iterator[None]:
    """A failing catalog query (a missing privilege, a dropped connection) becomes one line."""
    import sqlalchemy.exc

    try:
        yield
    except sqlalchemy.exc.DBAPIError as exc:
        first = (str(exc.orig or exc).strip().splitlines() or ["?"])[0]
        raise DatabaseError(
            f"reading the schema of {what} failed: {first}",
            "check the user's privileges and the server log",
        ) from exc


def _build_spec(
    scratch_url: str, spec: Spec | SpecDDL, timings: dict[str, float] | None = None
) -> Inspection:
    from generator.drift.spec_db import SpecDDL, build
    from generator.pg.database import connect

    ddl = spec if isinstance(spec, SpecDDL) else SpecDDL.from_spec(spec)
    engine = connect(scratch_url)
    try:
        with engine.connect() as conn:
            t0 = time.perf_counter()
            with conn.begin():
                build(conn, ddl)
            t1 = time.perf_counter()
            with _reading("the scratch database"):
                found = inspect(conn)  # every managed schema (catalog_schemas)
            if timings is not None:
                timings["spec_ddl"], timings["spec_inspect"] = (
                    round(t1 - t0, 3),
                    round(time.perf_counter() - t1, 3),
                )
            return found
    finally:
        engine.dispose()


def _noop(_: str) -> None:
    pass


# ------------------------------------------------------------ the spec's database, kept


def _read_kept_spec(
    url: str, timings: dict[str, float], shortcut: Shortcut | None = None
) -> Inspection | None | bool:
    """Inspect the kept spec database at ``url`` (read-only); None when it is gone (dropped
    between the store's answer and this connection); True, nothing inspected, when its
    catalog fingerprint equals the live database's (``Shortcut``)."""
    t0 = time.perf_counter()
    engine = connect_read_only(url, missing_ok=True)
    if engine is None:
        return None
    try:
        with _reading("the cached spec database"), engine.connect() as conn:
            t1 = time.perf_counter()
            if shortcut is not None and shortcut.spec_equals_live(conn):
                timings["spec_connect"] = round(t1 - t0, 3)
                return True
            inspection = inspect(conn)  # every managed schema (catalog_schemas)
            timings["spec_connect"], timings["spec_inspect"] = (
                round(t1 - t0, 3),
                round(time.perf_counter() - t1, 3),
            )
            return inspection
    finally:
        engine.dispose()


def _spec_side(
    dev_url: str,
    spec: Spec | SpecDDL,
    timings: dict[str, float],
    keep: int,
    check_live: Callable[[], None],
    progress: Progress = _noop,
    shortcut: Shortcut | None = None,
) -> tuple[Inspection | None, str]:
    """The spec, inspected: from its kept database on the dev server when there is one
    (``"hit"``), else built into the store (``generator.pg.dbcache``, the database ``generate``
    uses too) and inspected while it is built (``"built"``); a spec without a key, or ``keep``
    0, is built in a scratch database that is dropped afterwards (``"off"``)."""
    from generator.drift.spec_db import KIND, SpecDDL
    from generator.pg import dbcache
    from generator.pg.database import scratch_database, with_database

    key = spec.key if isinstance(spec, SpecDDL) else ""
    if key and keep > 0:
        built: list[Inspection] = []

        def build(url: str) -> None:
            if shortcut is not None:
                shortcut.spec_done()  # built now: the live side inspects at once
            check_live()
            built.append(_build_spec(url, spec, timings))

        for _ in range(2):  # a kept database pruned by another run just now: ask again
            t0 = time.perf_counter()
            name, now = dbcache.cached_database(
                dev_url, KIND, key, build, use="readonly", progress=progress, keep=keep
            )
            if now:
                timings["spec_built"] = round(time.perf_counter() - t0, 3)
                return built[0], "built"
            if shortcut is not None and shortcut.remembered(spec, dev_url, name):
                return None, "hit"  # the live catalog equals the spec database's, remembered
            found = _read_kept_spec(with_database(dev_url, name), timings, shortcut)
            if found is True:  # the same catalog as the live database's: nothing to compare
                return None, "hit"
            if isinstance(found, Inspection):
                return found, "hit"
        raise DatabaseError(f"the cached spec database {name} was dropped while this diff read it", "run it again")
    if shortcut is not None:
        shortcut.spec_done()
    t0 = time.perf_counter()
    with scratch_database(dev_url, prefix=SCRATCH_PREFIX) as scratch_url:
        timings["scratch_created"] = round(time.perf_counter() - t0, 3)
        check_live()
        target = _build_spec(scratch_url, spec, timings)
    timings["scratch_dropped"] = round(time.perf_counter() - t0, 3)
    return target, "off"


def run_diff(
    live_url: str,
    dev_url: str,
    spec: Spec | SpecDDL,
    progress: Progress = _noop,
    *,
    keep_cached: int | None = None,
    unmanaged: tuple[UnmanagedSpec, ...] | None = None,
) -> DiffReport:
    """Compare the live database with the spec, built on the dev server.

    ``spec``: the loaded Spec, or a ``generator.drift.spec_db.SpecDDL`` (``schemactl diff``
    passes one). A SpecDDL with a key is built once per dev server into the kept-database
    store (``generator.pg.dbcache``: ``schemactl_cache_spec_<key>``, read-only, the same
    database ``generate`` uses; at most ``keep_cached`` kept, default the store's ``KEEP``) and
    compared from there on later runs; anything else (or ``keep_cached=0``) is built in a
    scratch database that is dropped afterwards.

    ``unmanaged``: the spec's ``unmanaged:`` entries (default: those of a loaded spec; see
    ``generator.drift.unmanaged.declared``); their differences are set aside and listed in
    the report's ``unmanaged``, never drift.

    Never writes to the live database; a scratch database is always dropped. Raises
    DatabaseError (unreachable server, bad password, no CREATEDB on the dev server, ...) or
    SpecError (PostgreSQL refused the spec). Returns the report; prints nothing."""

    from generator.pg import dbcache

    started = time.perf_counter()
    timings: dict[str, float] = {}
    keep = dbcache.KEEP if keep_cached is None else keep_cached
    if unmanaged is None:
        from generator.drift.spec_db import SpecDDL

        loaded = spec if not isinstance(spec, SpecDDL) else spec.spec
        unmanaged = loaded.unmanaged if loaded is not None else ()
    progress("reading the live database and the spec")
    remembered = None
    if keep > 0:  # psycopg alone: no SQLAlchemy engine when the answer is "no drift"
        from generator.drift.remembered import remembered_in_sync

        remembered = remembered_in_sync(live_url, dev_url, spec, timings)
    if isinstance(remembered, dict):
        report = _in_sync_report(live_url, dev_url, timings, remembered, unmanaged)
        report.spec_cache = "hit"
        timings["total"] = round(time.perf_counter() - started, 3)
        return report
    try:
        return _full_diff(live_url, dev_url, spec, progress, keep, unmanaged, timings, started, remembered)
    finally:
        if remembered is not None:
            remembered.close()


def _full_diff(
    live_url: str, dev_url: str, spec: Spec | SpecDDL, progress: Progress, keep: int,
    unmanaged: tuple[UnmanagedSpec, ...], timings: dict[str, float], started: float, held: Any,
) -> DiffReport:
    """Both sides inspected and compared (``run_diff``); ``held``: the live snapshot the
    fingerprints were found different in (``generator.drift.remembered.HeldSnapshot``), which
    the live side reads again, without a second fingerprint."""
    from concurrent.futures import ThreadPoolExecutor

    snapshot = held.snapshot if held is not None else None
    shortcut = Shortcut(timings, enabled=held is None)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="schemactl-live") as pool:
        try:
            # the live side (connect, inspect) runs beside the spec side (read or build, inspect)
            live_future = pool.submit(_timed, timings, "live", _read_live, live_url, shortcut, snapshot)
            live_future.add_done_callback(lambda _: shortcut.live_done())  # however the live side ends

            def check_live() -> None:  # a live connection error: say so before building the spec
                if live_future.done():
                    live_future.result()

            t0 = time.perf_counter()
            target, cache = _spec_side(dev_url, spec, timings, keep, check_live, progress, shortcut)
        finally:  # however this ends (Ctrl-C included): the live side never waits for a spec
            shortcut.spec_done()  # fingerprint that will not come (the pool's exit waits for it)
        timings["spec"] = round(time.perf_counter() - t0, 3)
        progress("reading the live database")
        live = live_future.result()
        progress("comparing")
        t0 = time.perf_counter()
        if live is None or target is None:  # equal fingerprints: no drift (generator.pg.fingerprint)
            report = _in_sync_report(live_url, dev_url, timings, shortcut.reported_versions(), unmanaged)
        else:
            report = _compare(live, target, live_url, dev_url, timings, unmanaged)
        report.spec_cache = cache
        timings["compare"] = round(time.perf_counter() - t0, 3)
    timings["total"] = round(time.perf_counter() - started, 3)
    return report


class Shortcut:
    """The fingerprint shortcut of a diff (``generator.pg.fingerprint``): the live side (the
    worker thread) and the kept spec database (the main thread) each read their catalog
    fingerprint first and hand it to the other; when both are equal neither side is
    inspected, and the answer is "no drift". A spec built (or scratch) this run is never
    fingerprinted: ``spec_done`` releases the live side to inspect as before. Not ``enabled``:
    both were read before the engine started and differ (``generator.drift.remembered``), so
    neither side reads one again."""

    def __init__(self, timings: dict[str, float], *, enabled: bool = True) -> None:
        from concurrent.futures import Future

        self.enabled = enabled
        self.timings = timings
        self.live: Future[str | None] = Future()
        self.spec: Future[str | None] = Future()
        self.versions: dict[str, str] = {}
        self._remember: tuple[Any, str] | None = None  # (cache file, entry) to write the spec's to

    def _read(self, conn: Any, side: str) -> str:
        from generator.pg.fingerprint import fingerprint

        t0 = time.perf_counter()
        found = fingerprint(conn)
        info = conn.dialect.server_version_info or ()
        self.versions[side] = ".".join(str(p) for p in info[:2])
        self.timings[f"{side}_fingerprint"] = round(time.perf_counter() - t0, 3)
        return found

    def reported_versions(self) -> dict[str, str]:
        return {"database": self.versions.get("live", ""), "dev": self.versions.get("spec", "")}

    def live_equals_spec(self, conn: Any) -> bool:
        if not self.enabled:
            self.live_done()
            return False
        try:
            mine = self._read(conn, "live")
        except BaseException:
            self.live_done()
            raise
        self.live.set_result(mine)
        return self.spec.result() == mine  # None: the spec side is not fingerprinted

    def spec_equals_live(self, conn: Any) -> bool:
        if not self.enabled or self.spec.done():  # remembered, and not equal: inspect
            return False
        mine = self._read(conn, "spec")
        self.spec.set_result(mine)
        if self._remember is not None:
            from generator.drift import spec_fingerprint

            spec_fingerprint.write(*self._remember, mine, self.versions.get("spec", ""))
        return self._equal(mine)

    def remembered(self, spec: Any, dev_url: str, name: str) -> bool:
        """The kept spec database's fingerprint from the project's cache
        (``generator.drift.spec_fingerprint``), compared without connecting to it. When there
        is none, the next ``spec_equals_live`` reads and remembers it."""
        if not self.enabled:
            return False
        from generator.drift import spec_fingerprint

        path = spec_fingerprint.path_of(spec)
        entry_ident = spec_fingerprint.ident(getattr(spec, "key", ""), dev_url, name)
        found = spec_fingerprint.read(path, entry_ident)
        if found is None:
            self._remember = (path, entry_ident)
            return False
        value, self.versions["spec"] = found
        self.timings["spec_fingerprint_remembered"] = 1.0
        self.spec.set_result(value)
        return self._equal(value)

    def _equal(self, spec_value: str) -> bool:
        equal = self.live.result() == spec_value
        if equal:
            self.timings["fingerprint_equal"] = 1.0
        return equal

    def live_done(self) -> None:
        if not self.live.done():
            self.live.set_result(None)

    def spec_done(self) -> None:
        if not self.spec.done():
            self.spec.set_result(None)


def _in_sync_report(
    live_url: str, dev_url: str, timings: dict[str, float], versions: dict[str, str],
    unmanaged: tuple[UnmanagedSpec, ...],
) -> DiffReport:
    """The report of a diff whose two catalogs fingerprint equal: what ``_compare`` returns
    for two equal catalogs (no change, no statement)."""
    from generator.drift.report import DiffReport
    from generator.pg.database import mask_url

    return DiffReport(
        database=mask_url(live_url), dev_database=mask_url(dev_url), engine=engine_version(),
        server_versions=versions, timings=timings, unmanaged=list(unmanaged),
    )


def _compare(
    live: Inspection, target: Inspection, live_url: str, dev_url: str, timings: dict[str, float],
    unmanaged: tuple[UnmanagedSpec, ...] = (),
) -> DiffReport:
    from generator.drift.assemble import build_report
    from generator.drift.unmanaged import Allowance, set_aside
    from generator.pg.catalog import compare
    from generator.pg.database import mask_url

    statements = engine_statements(live, target, ignore_extension_versions=True)
    changes = compare(live.snapshot, target.snapshot)
    # objects the spec marks unmanaged: their findings and statements are not drift
    allow = Allowance.of_entries(unmanaged)
    if not allow.empty:  # the indexes of views and materialized views: only the inspector has them
        views = {i.name: i.table_name for i in live.inspector.indexes.values() if i.schema == "public"}
        allow = allow.with_snapshot(live.snapshot, views)
    changes, statements = set_aside(changes, statements, allow)
    if not target.snapshot.access.manages_privileges():  # the spec manages no privileges: not drift
        changes = [c for c in changes if c.kind not in PRIVILEGE_KINDS]
    # functions migra could not read on either side (it shows a function's definition only to
    # members of its owner's role): a read-only CI role on the live database, or a dev role
    # reading the cached spec database another user built; the catalog compares their bodies
    hidden = {
        f.name
        for inspection in (live, target)
        for f in inspection.inspector.functions.values()
        if getattr(f, "definition", "") is None
    }
    report = build_report(
        changes, statements, live.snapshot, target.snapshot, hidden_functions=hidden,
        database=mask_url(live_url), dev_database=mask_url(dev_url), engine=engine_version(),
        server_versions={"database": live.version, "dev": target.version}, timings=timings,
        unmanaged=list(unmanaged),
    )
    return report


def _timed(timings: dict[str, float], key: str, fn: Callable[..., Any], *args: Any) -> Any:
    t0 = time.perf_counter()
    try:
        return fn(*args)
    finally:
        timings[key] = round(time.perf_counter() - t0, 3)
