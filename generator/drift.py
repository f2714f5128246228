"""Compare two databases: migra's SQL plus our catalog comparison for what migra cannot see.

This is the one comparison schemactl has, and the only module that imports the engine
(migra 3.0; chosen by measurement, see docs/drift.md). Two users:

- the revision proof (``compare_databases``): the upgraded scratch database must equal one
  built from the spec; the downgraded one must equal the previous head;
- ``schemactl diff`` and ``schemactl up`` (``run_diff``): the live database against the spec
  built in a scratch database on the dev server. The live database is only read: its
  connection runs with ``default_transaction_read_only=on``, and migra inspects through
  that same connection.

Each database is inspected once (``Inspection``: our catalog snapshot and migra's
inspector, both from one connection). ``run_diff`` inspects the live database in a worker
thread while the main thread builds the spec in the scratch database; the scratch database
is dropped as soon as it has been inspected, and always (errors, Ctrl-C).

migra ignores COMMENTs and gets some statements wrong; ``generator.catalog`` compares what
it misses and ``generator.drift_sql`` corrects the SQL (see there).
"""

from __future__ import annotations

import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator.catalog import Change, Snapshot, compare, read_snapshot
from generator.errors import DatabaseError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from generator.drift_report import DiffReport
    from generator.drift_spec import SpecDDL
    from generator.spec.model import Spec

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
    spec = importlib.util.spec_from_file_location("schemainspect.misc", os.path.join(root, "misc.py"))
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

    snapshot = read_snapshot(conn)
    inspector = get_inspector(conn, schema=schema)
    info = conn.dialect.server_version_info or ()
    return Inspection(snapshot, inspector, ".".join(str(p) for p in info[:2]))


def engine_statements(source: Inspection, target: Inspection, *, ignore_extension_versions: bool = False) -> list[str]:
    """The statements migra would run to turn source into target (unsafe ones included)."""
    _quietly_import_engine()
    from migra import Migration

    m = Migration(source.inspector, target.inspector, ignore_extension_versions=ignore_extension_versions)
    m.set_safety(False)
    m.add_all_changes(privileges=False)
    return [s.strip() for s in m.statements if s.strip() and not _ignored(s)]


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
    from generator.database import connect

    engine = connect(url)
    try:
        with engine.connect() as conn:
            return read_snapshot(conn)
    finally:
        engine.dispose()


def _inspect_url(url: str) -> Inspection:
    from generator.database import connect

    engine = connect(url)
    try:
        with engine.connect() as conn:
            return inspect(conn)
    finally:
        engine.dispose()


def migra_statements(source_url: str, target_url: str) -> list[str]:
    """The statements migra would run to turn source into target (unsafe ones included)."""
    return engine_statements(_inspect_url(source_url), _inspect_url(target_url))


def compare_databases(source_url: str, target_url: str) -> DriftResult:
    """migra statements plus catalog changes from source to target."""
    a, b = _inspect_url(source_url), _inspect_url(target_url)
    return DriftResult(engine_statements(a, b), compare(a.snapshot, b.snapshot))


# ------------------------------------------------------------------ schemactl diff


def connect_read_only(url: str) -> Engine:
    """An Engine whose sessions cannot write (``default_transaction_read_only=on``), its
    connection verified once. Connection failures become one clear DatabaseError."""
    import psycopg
    import sqlalchemy.exc
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from generator.database import CONNECT_TIMEOUT, explain_operational_error, normalize_url

    normalized = normalize_url(url)
    existing = str(make_url(normalized).query.get("options") or "")
    options = f"{existing} {READ_ONLY_OPTION}".strip()
    # pooled: the connection verified here is the one the inspection uses
    engine = create_engine(normalized, connect_args={"connect_timeout": CONNECT_TIMEOUT, "options": options})
    try:
        with engine.connect():
            pass
    except (sqlalchemy.exc.OperationalError, psycopg.OperationalError) as exc:
        engine.dispose()
        raise explain_operational_error(exc, normalized) from exc
    return engine


def _read_live(live_url: str) -> Inspection:
    """Connect read-only and inspect (runs in the worker thread)."""
    engine = connect_read_only(live_url)
    try:
        with _reading("the live database"), engine.connect() as conn:
            return inspect(conn, schema="public")
    finally:
        engine.dispose()


@contextmanager
def _reading(what: str) -> Iterator[None]:
    """A failing catalog query (a missing privilege, a dropped connection) becomes one line."""
    import sqlalchemy.exc

    try:
        yield
    except sqlalchemy.exc.DBAPIError as exc:
        first = (str(exc.orig or exc).strip().splitlines() or ["?"])[0]
        raise DatabaseError(f"reading the schema of {what} failed: {first}", "check the user's privileges and the server log") from exc


def _build_spec(scratch_url: str, spec: Spec | SpecDDL, timings: dict[str, float] | None = None) -> Inspection:
    from generator.database import connect
    from generator.drift_spec import SpecDDL, build

    ddl = spec if isinstance(spec, SpecDDL) else SpecDDL.from_spec(spec)
    engine = connect(scratch_url)
    try:
        with engine.connect() as conn:
            t0 = time.perf_counter()
            with conn.begin():
                build(conn, ddl)
            t1 = time.perf_counter()
            with _reading("the scratch database"):
                found = inspect(conn, schema="public")
            if timings is not None:
                timings["spec_ddl"], timings["spec_inspect"] = round(t1 - t0, 3), round(time.perf_counter() - t1, 3)
            return found
    finally:
        engine.dispose()


def _noop(_: str) -> None:
    pass


def run_diff(live_url: str, dev_url: str, spec: Spec | SpecDDL, progress: Progress = _noop) -> DiffReport:
    """Compare the live database with the spec built in a scratch database on the dev server.

    ``spec``: the loaded Spec, or a ``generator.drift_spec.SpecDDL`` (its DDL, possibly
    remembered from an earlier run; ``schemactl diff`` passes one).

    Never writes to the live database; the scratch database is always dropped. Raises
    DatabaseError (unreachable server, bad password, no CREATEDB on the dev server, ...) or
    SpecError (PostgreSQL refused the spec). Returns the report; prints nothing."""
    from concurrent.futures import ThreadPoolExecutor

    from generator.database import mask_url, scratch_database
    from generator.drift_report import build_report

    started = time.perf_counter()
    timings: dict[str, float] = {}
    progress("reading the live database and building the spec in a scratch database")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="schemactl-live") as pool:
        # the live side (connect, inspect) runs beside the scratch side (create, build, inspect)
        live_future = pool.submit(_timed, timings, "live", _read_live, live_url)
        t0 = time.perf_counter()
        with scratch_database(dev_url, prefix=SCRATCH_PREFIX) as scratch_url:
            timings["scratch_created"] = round(time.perf_counter() - t0, 3)
            if live_future.done():
                live_future.result()  # a live connection error: say so before building the spec
            target = _build_spec(scratch_url, spec, timings)
            timings["spec"] = round(time.perf_counter() - t0, 3)
        timings["scratch_dropped"] = round(time.perf_counter() - t0, 3)
        progress("reading the live database")
        live = live_future.result()
    progress("comparing")
    t0 = time.perf_counter()
    statements = engine_statements(live, target, ignore_extension_versions=True)
    changes = compare(live.snapshot, target.snapshot)
    hidden = {f.name for f in live.inspector.functions.values() if getattr(f, "definition", "") is None}
    report = build_report(
        changes, statements, live.snapshot, target.snapshot, hidden_functions=hidden,
        database=mask_url(live_url), dev_database=mask_url(dev_url), engine=engine_version(),
        server_versions={"database": live.version, "dev": target.version}, timings=timings,
    )  # fmt: skip
    timings["compare"] = round(time.perf_counter() - t0, 3)
    timings["total"] = round(time.perf_counter() - started, 3)
    return report


def _timed(timings: dict[str, float], key: str, fn: Callable[..., Any], *args: Any) -> Any:
    t0 = time.perf_counter()
    try:
        return fn(*args)
    finally:
        timings[key] = round(time.perf_counter() - t0, 3)
