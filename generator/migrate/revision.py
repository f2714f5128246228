"""Generate an Alembic revision from the spec, and prove it before writing it.

1. Build the spec in a scratch database ("target") and snapshot it.
2. Upgrade another scratch database ("head") to the current head.
3. In a transaction on head: apply the rename pre-pass, autogenerate (Alembic plus
   ``generator.migrate.autogen``'s fix-ups), render; roll back.
4. Refuse destructive steps unless allowed.
5. Write the revision into a temporary copy of migrations/, clone head as "previous",
   upgrade head with the new revision and compare it with target (must be equal); downgrade
   and compare with previous (must be equal). Comparison is ``generator.drift.engine``'s: migra plus
   the catalog.
6. Only then copy the file into migrations/versions/.

Nothing here prints; ``progress`` (a callable taking a short phrase) reports each step.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.drift.spec_db import SPEC_BUILD_CODE
from generator.errors import DestructiveChange, MigrationError, ProofFailed
from generator.pg.scratch import scratch_dir
from generator.spec.model import Spec

# What builds the migrations' head database (files and folders of generator/, see
# generator.pg.dbcache.code_digest): the spec's build code, which the ops use, and the Alembic
# layer (ops, env). Its digest is part of the head's cache key.
HEAD_BUILD_CODE = (*SPEC_BUILD_CODE, "migrate")

Progress = Callable[[str], None]


@dataclass
class Plan:
    """What autogenerate found: the ops and their rendering."""

    upgrade_ops: Any
    upgrade_code: str
    downgrade_code: str
    imports: set[str]
    summary: list[str]
    destructive: list[str]
    hazards: list[Any] = field(default_factory=list)  # generator.migrate.online_hazards.Hazard

    @property
    def empty(self) -> bool:
        return not self.upgrade_ops.ops


FORMAT_VERSION = 1  # of the JSON document of `schemactl generate` (GenerateResult.as_dict)


@dataclass
class GenerateResult:
    """What ``schemactl generate`` did: ``status`` is "written", "no_changes", "needed"
    (``--check``: a revision is needed) or "unexpressible" (the spec differs from the head,
    but no operation expresses it; ``leftover`` says how)."""

    status: str
    summary: list[str] = field(default_factory=list)
    destructive: list[str] = field(default_factory=list)
    path: Path | None = None
    revision: str | None = None
    down_revision: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    leftover: list[str] = field(default_factory=list)
    hazards: list[str] = field(default_factory=list)  # "kind: step (why)", generator.migrate.online_hazards
    data_proof: Any = None  # generator.migrate.data_proof.DataProof, when it ran

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "format_version": FORMAT_VERSION,
            "revision": self.revision,
            "down_revision": self.down_revision,
            "path": str(self.path) if self.path else None,
            "operations": list(self.summary),
            "destructive": list(self.destructive),
            "leftover": list(self.leftover),
            "hazards": list(self.hazards),
            "timings": self.timings,
            "data_proof": self.data_proof.as_dict() if self.data_proof is not None else None,
        }


def _noop(_: str) -> None:
    pass


class _Timer:
    def __init__(self, progress: Progress) -> None:
        self.progress, self.timings = progress, {}

    def step(self, name: str, phrase: str):
        import contextlib

        @contextlib.contextmanager
        def run():
            self.progress(phrase)
            started = time.perf_counter()
            yield
            self.timings[name] = round(time.perf_counter() - started, 3)

        return run()


def generate(
    root: Path,
    spec: Spec,
    dev_url: str,
    message: str | None,
    *,
    check: bool = False,
    allow_destructive: bool = False,
    allow_hazards: tuple[str, ...] | list[str] = (),
    empty: bool = False,
    progress: Progress = _noop,
    spec_key: str = "",
    data_proof: bool = True,
) -> GenerateResult:
    """Plan, prove and write a revision (or, with ``check``, only say whether one is needed).

    ``spec_key``: a digest that identifies the spec and the code that builds it
    (``generator.drift.spec_db.cache_key``, as the CLI passes); it names the kept spec database
    (the one ``diff`` uses too) without compiling the spec's DDL. Without it the DDL itself is
    the key."""
    from generator.drift.engine import compare_databases
    from generator.migrate import api as migrate
    from generator.pg.database import scratch_database
    from generator.schema.metadata import build_metadata
    from generator.spec.namespaces import refuse_not_built

    refuse_not_built(spec, "generate")  # outside public: renames and OTHER_KINDS (docs/generator.md)
    timer = _Timer(progress)
    down_revision = migrate.single_head(root)
    # built only when needed: the spec's DDL for a database not kept yet, and autogenerate (a
    # spec whose databases are kept and whose catalog equals the head's needs neither)
    metadata = _Once(lambda: build_metadata(spec))
    target_url, target, head_url = _target_and_head(
        root, spec, metadata, dev_url, down_revision, spec_key, timer, progress
    )
    with contextlib.ExitStack() as scratch:
        if head_url is None:  # no revision yet: the head is an empty database
            head_url = scratch.enter_context(scratch_database(dev_url, prefix="schemactl_head"))
        if not empty:
            with timer.step("fingerprints", "comparing the head's catalog with the spec's"):
                same = _same_catalog(head_url, target_url)
            if same:  # what autogenerate and the safety net would find: nothing
                return GenerateResult("no_changes", timings=timer.timings, down_revision=down_revision)
        if empty:
            plan = None
        else:
            with timer.step("autogenerate", "comparing head with the spec"):
                plan = _plan(root, spec, metadata(), head_url, target())
        if plan is not None and plan.empty:
            with timer.step("safety net", "checking head and spec agree"):
                leftover = compare_databases(head_url, target_url)
            if not leftover.empty:
                return GenerateResult(
                    "unexpressible",
                    leftover=leftover.describe(),
                    timings=timer.timings,
                    down_revision=down_revision,
                )
            return GenerateResult("no_changes", timings=timer.timings, down_revision=down_revision)
        if check:
            return GenerateResult(
                "needed",
                plan.summary,
                plan.destructive,
                timings=timer.timings,
                down_revision=down_revision,
                hazards=[str(h) for h in plan.hazards],
            )
        if not message:
            raise MigrationError("a revision needs a message", 'pass -m "what changed"')
        if plan is not None and plan.destructive and not allow_destructive:
            raise DestructiveChange(plan.destructive)
        if plan is not None:
            from generator.migrate.online_hazards import check_allowed

            check_allowed(plan.hazards, allow_hazards, allow_destructive)
        with timer.step("clone", "copying the head database for the proof"):
            head_url = _writable_head(scratch, root, dev_url, head_url)
        with scratch_dir(root, "schemactl-rev") as tmp:  # .schemactl/tmp, reaped if killed (generator.pg.scratch)
            scripts = Path(tmp) / "migrations"
            shutil.copytree(
                root / "migrations", scripts, ignore=shutil.ignore_patterns("__pycache__")
            )
            rev_id = next_revision_id(root)
            path = _write(root, scripts, rev_id, message, down_revision, plan)
            with timer.step("proof", "proving the revision: upgrade, compare, downgrade, compare"):
                # an empty revision must change nothing: its "after" is the previous head itself
                _prove(
                    root,
                    scripts,
                    head_url,
                    None if empty else target_url,
                    dev_url,
                    rev_id,
                    down_revision,
                )
            proof_on_data = None
            if data_proof and not empty:  # the proof's copy is back at the previous head: fill it, upgrade it
                from generator.migrate.data_proof import prove_on_data

                with timer.step("data proof", "proving the revision on synthetic rows"):
                    proof_on_data = prove_on_data(root, scripts, head_url, rev_id)
            final = root / "migrations" / "versions" / path.name
            final.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, final)
    return GenerateResult(
        "written",
        plan.summary if plan else ["empty revision"],
        plan.destructive if plan else [],
        path=final,
        revision=rev_id,
        down_revision=down_revision,
        timings=timer.timings,
        hazards=[str(h) for h in plan.hazards] if plan else [],
        data_proof=proof_on_data,
    )


def _target_and_head(
    root: Path,
    spec: Spec,
    metadata: Any,
    dev_url: str,
    down_revision: str | None,
    spec_key: str,
    timer: _Timer,
    progress: Progress,
) -> tuple[str, Any, str | None]:
    """The spec's database (and its catalog snapshot) and the database at the head, built side
    by side when either is not cached yet: they are independent (the spec's DDL; the revisions,
    op by op), each is mostly the server executing DDL, and a cold run (CI with a fresh dev
    server) otherwise waits for one after the other. The head is built in a worker thread (its
    own connection; Ctrl-C is held back only in the main thread, and a build is published whole
    or dropped either way: generator.pg.dbcache); its error, if any, is raised after the
    spec's database is done, as before."""
    from concurrent.futures import ThreadPoolExecutor

    def head() -> str | None:
        with timer.step("head", f"a database at the current head ({down_revision or 'base'}, cached)"):
            return _head_database(root, dev_url, down_revision, progress)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="schemactl-head") as pool:
        head_future = pool.submit(head)
        with timer.step("target", "the spec's database (cached by its DDL)"):
            target_url = _spec_database(dev_url, spec, metadata, progress, spec_key)
            target = _Once(lambda: _snapshot(target_url))
            if not head_future.done():  # read while the head is still being built: free time
                target()
        head_url = head_future.result()
    return target_url, target, head_url


class _Once:
    """A value computed on its first call, then kept (MetaData, the spec database's snapshot:
    a ``generate`` that finds nothing to do needs neither)."""

    def __init__(self, compute: Callable[[], Any]) -> None:
        self._compute, self._done, self._value = compute, False, None

    def __call__(self) -> Any:
        if not self._done:
            self._value, self._done = self._compute(), True
        return self._value


def _same_catalog(head_url: str, target_url: str) -> bool:
    """Do the head's database and the spec's fingerprint equal (``generator.pg.fingerprint``,
    the proof ``diff`` relies on: equal fingerprints, equal inputs to every comparison)? Then
    the safety net (the drift engine between the two) finds nothing, and neither does
    autogenerate: the head then has the catalog of the spec's own DDL, which autogenerate
    matches to the spec's MetaData (``generate`` right after a revision says no_changes: the
    tests prove that for every case). Read over psycopg, two queries; any error: False (the
    full comparison)."""
    import psycopg

    from generator.drift.remembered import DriverConnection, connected
    from generator.errors import DatabaseError
    from generator.pg.fingerprint import fingerprint

    try:
        found = []
        for url in (head_url, target_url):
            with connected(url, read_only=True) as conn:
                found.append(fingerprint(DriverConnection(conn)))
    except (psycopg.Error, DatabaseError):  # the full path reads them again, and says why
        return False
    return found[0] == found[1]


def _spec_database(dev_url: str, spec: Spec, metadata: Callable[[], Any], progress: Progress, spec_key: str = "") -> str:
    """The URL of a read-only database built from the spec's DDL, kept on the dev server
    between runs (``generator.pg.dbcache``): a spec that did not change is not rebuilt, and
    ``diff`` of the same spec (the same ``spec_key``) reads the same database."""
    from generator.drift.materialize import materialize
    from generator.drift.spec_db import KIND
    from generator.pg import dbcache
    from generator.pg.database import connect, with_database
    from generator.schema.ddl import ddl_script

    def build(url: str) -> None:
        engine = connect(url)
        try:
            with engine.begin() as conn:
                materialize(conn, spec, metadata())
        finally:
            engine.dispose()

    key = spec_key or dbcache.digest(["spec", *ddl_script(spec, metadata())])
    name, _ = dbcache.cached_database(dev_url, KIND, key, build, use="readonly", progress=progress)
    return with_database(dev_url, name)


def _head_database(
    root: Path, dev_url: str, down_revision: str | None, progress: Progress
) -> str | None:
    """The URL of a read-only database at the migrations' head, kept on the dev server between
    runs and keyed by the migration files (and ``HEAD_BUILD_CODE``); None when there is no
    revision yet. Autogenerate reads it in a transaction it rolls back; the proof gets a copy."""
    if not down_revision:
        return None
    from generator.migrate import api as migrate
    from generator.pg import dbcache
    from generator.pg.database import with_database

    key = dbcache.digest(
        ["head", down_revision, dbcache.migrations_digest(root / "migrations")], code=HEAD_BUILD_CODE
    )
    name, _ = dbcache.cached_database(
        dev_url,
        "head",
        key,
        lambda url: migrate.upgrade(root, url),
        use="readonly",
        progress=progress,
    )
    return with_database(dev_url, name)


def _writable_head(scratch: contextlib.ExitStack, root: Path, dev_url: str, head_url: str) -> str:
    """A scratch copy of the cached head for the proof to change (CREATE DATABASE ... TEMPLATE);
    a scratch database upgraded to head instead when the copy is refused because another run
    is reading the cache right now (55006 object_in_use: a copy needs it idle) or because the
    cache belongs to another role (42501: a CREATEDB role copies only its own databases; a role
    without CREATEDB is told so by the plain CREATE DATABASE of the fallback)."""
    from generator.errors import DatabaseError
    from generator.migrate import api as migrate
    from generator.pg.database import scratch_database

    name = _db_name(head_url)
    if not name.startswith("schemactl_cache_"):
        return head_url  # already a scratch database
    try:
        return scratch.enter_context(
            scratch_database(dev_url, prefix="schemactl_head", template=name)
        )
    except DatabaseError as exc:
        if exc.sqlstate not in ("55006", "42501"):
            raise
    url = scratch.enter_context(scratch_database(dev_url, prefix="schemactl_head"))
    migrate.upgrade(root, url)
    return url


def _snapshot(url: str):
    from generator.pg.catalog import read_snapshot
    from generator.pg.database import connect

    engine = connect(url)
    try:
        with engine.connect() as conn:
            return read_snapshot(conn)
    finally:
        engine.dispose()


def _plan(root: Path, spec: Spec, metadata: Any, head_url: str, target: Any) -> Plan:
    from alembic.autogenerate import produce_migrations
    from alembic.autogenerate import render as alembic_render
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    from generator.migrate import autogen
    from generator.migrate.renames import follow_up_renames, rename_ops
    from generator.pg.catalog import read_snapshot
    from generator.pg.database import connect

    engine = connect(head_url)
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            try:
                # the cached head refuses writes by default; the rename pre-pass is rolled back
                conn.exec_driver_sql("SET TRANSACTION READ WRITE")
                head = read_snapshot(conn)
                renames = rename_ops(spec, head)
                operations = Operations(MigrationContext.configure(conn))
                for op in renames:
                    operations.invoke(op)
                # also without renamed_from: a key or index whose explicit name changed (and
                # nothing else) is renamed, not dropped and re-created
                follow_ups = follow_up_renames(read_snapshot(conn) if renames else head, target, renames)
                for op in follow_ups:
                    operations.invoke(op)
                support = autogen.AutogenSupport(
                    spec, metadata, conn, lambda: target, prepend=renames + follow_ups
                )
                opts = dict(
                    target_metadata=metadata,
                    compare_type=support.compare_type,
                    compare_server_default=False,
                    render_item=support.render_item,
                    include_schemas=True,  # the spec's schemas only: support.include_name
                    include_name=support.include_name,
                    autogenerate_plugins=["alembic.autogenerate.*", autogen.PLUGIN_NAME],
                    schemactl=support,
                    alembic_module_prefix="op.",
                    sqlalchemy_module_prefix="sa.",
                    user_module_prefix=None,
                    render_as_batch=False,
                )
                mc = MigrationContext.configure(conn, opts=opts)
                with warnings.catch_warnings():
                    _quiet_reflection()
                    script = produce_migrations(mc, metadata)
                upgrade_ops = script.upgrade_ops
                downgrade_ops = upgrade_ops.reverse()
                from generator.migrate.online_ops import timeouts_first

                timeouts_first(downgrade_ops)
                ctx = AutogenContext(mc, metadata=metadata)
                ctx.imports = set()
                # private Alembic API (render_python_code drops ctx.imports): pinned by
                # tests/unit/test_alembic_private_api.py, the reason pyproject caps alembic <2
                up = alembic_render._indent(alembic_render._render_cmd_body(upgrade_ops, ctx))
                down = alembic_render._indent(alembic_render._render_cmd_body(downgrade_ops, ctx))
                destructive = destructive_steps(upgrade_ops)
                from generator.migrate.qualified import IMPORT, uses_qname

                if uses_qname(upgrade_ops):  # names outside public (generator.migrate.qualified)
                    ctx.imports.add(IMPORT)
                return Plan(
                    upgrade_ops,
                    up,
                    down,
                    set(ctx.imports),
                    summarize(upgrade_ops),
                    destructive,
                    _hazards(support.hazards, destructive),
                )
            finally:
                trans.rollback()
    finally:
        engine.dispose()


def _hazards(lock_hazards: list[Any], destructive: list[str]) -> list[Any]:
    """The revision's hazards: its destructive steps as ``data_loss`` (an enum value removal is
    listed once, as ``enum_value_removal``), then the lock and rewrite hazards."""
    from generator.migrate.online_hazards import Hazard

    removals = [h for h in lock_hazards if h.kind == "enum_value_removal"]
    loss = [Hazard("data_loss", step, "rows or values are lost") for step in destructive
            if not any(h.step in step for h in removals)]
    return loss + list(lock_hazards)


def _write(
    root: Path,
    scripts: Path,
    rev_id: str,
    message: str,
    down_revision: str | None,
    plan: Plan | None,
) -> Path:
    """Render the revision from migrations/script.py.mako, check it parses and that the message
    and rollback note stayed inside its docstring, and only then write it (into ``scripts``).

    Rendered here rather than by ``ScriptDirectory.generate_revision``, which writes the file
    and imports it at once: nothing made from the spec may run before it has been checked."""
    from alembic import util as alembic_util
    from alembic.script import write_hooks
    from mako.template import Template

    from generator.migrate import api as migrate
    from generator.schema.pysource import check_file_name, check_source, slug_source

    directory = migrate.script_directory(root, scripts)
    note = rollback_note(plan.upgrade_ops) if plan else "nothing to roll back."
    kwargs: dict[str, Any] = {"rollback_note": note}
    hazards_note = "\n".join(f"- {h}" for h in plan.hazards) if plan and plan.hazards else ""
    if hazards_note:
        kwargs["hazards"] = hazards_note
    if plan is not None:
        from generator.migrate.online_ops import squawk_explanations

        kwargs["lint_notes"] = "\n".join(squawk_explanations(plan.upgrade_ops))
    if plan is not None:
        kwargs.update(
            upgrades=_strip_banner(plan.upgrade_code),
            downgrades=_strip_banner(plan.downgrade_code),
            imports="\n".join(sorted(plan.imports)),
        )
    else:
        kwargs.update(upgrades="pass", downgrades="pass", imports="")
    # private Alembic API (no public way to name a revision without writing it): pinned by
    # tests/unit/test_alembic_private_api.py, the reason pyproject caps alembic <2
    create_date = directory._generate_create_date()
    versions = scripts / "versions"
    # the file name's slug from an ASCII form of the message (no path separators, NUL, ...)
    path = directory._rev_path(versions, rev_id, slug_source(message), create_date)
    check_file_name(path.name)
    text = Template(filename=str(scripts / "script.py.mako")).render_unicode(
        up_revision=rev_id,
        down_revision=down_revision,
        branch_labels=None,
        depends_on=None,
        create_date=create_date,
        comma=alembic_util.format_as_comma,
        message=message,
        **kwargs,
    )
    check_source(text, "revision", (message, note, *([hazards_note] if hazards_note else [])))
    versions.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if directory.hooks:  # post_write_hooks of alembic.ini (the operator's own configuration)
        # private Alembic API: pinned by tests/unit/test_alembic_private_api.py (alembic <2)
        write_hooks._run_hooks(path, directory.hooks)
        check_source(path.read_text(encoding="utf-8"), "revision")
    return path


def _strip_banner(code: str) -> str:
    lines = [
        ln
        for ln in code.splitlines()
        if "### commands auto generated" not in ln and "### end Alembic" not in ln
    ]
    return "\n".join(lines).strip() or "pass"


def _prove(root: Path, scripts: Path, head_url: str, target_url: str | None, dev_url: str, rev_id: str,
           down_revision: str | None) -> None:
    from generator.drift.engine import compare_databases
    from generator.migrate import api as migrate
    from generator.pg.database import scratch_database

    with scratch_database(
        dev_url, prefix="schemactl_prev", template=_db_name(head_url)
    ) as previous_url:
        try:
            migrate.upgrade(root, head_url, rev_id, script_location=scripts)
        except Exception as exc:
            raise ProofFailed(
                "the new revision failed to upgrade the previous head", [_one_line(exc)]
            ) from exc
        after_up = compare_databases(head_url, target_url or previous_url)
        if not after_up.empty:
            raise ProofFailed(
                "after the upgrade, the database still differs from the spec",
                after_up.describe(),
                "the generator cannot express this change yet; no file was written",
            )
        try:
            migrate.downgrade(root, head_url, down_revision or "base", script_location=scripts)
        except Exception as exc:
            raise ProofFailed("the new revision's downgrade failed", [_one_line(exc)]) from exc
        after_down = compare_databases(head_url, previous_url)
        if not after_down.empty:
            raise ProofFailed(
                "after the downgrade, the database differs from the previous head",
                after_down.describe(),
                "the downgrade does not restore the previous schema; no file was written",
            )


def _db_name(url: str) -> str:
    from generator.pg.urls import parse_url

    return parse_url(url).database or ""


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def next_revision_id(root: Path) -> str:
    """Sequential four-digit ids (0001, 0002, ...): readable, and two branches that both add a
    revision collide loudly instead of forming two heads silently."""
    versions = root / "migrations" / "versions"
    numbers = [
        int(m.group(1)) for p in versions.glob("*.py") if (m := re.match(r"^(\d{4})_", p.name))
    ]
    return f"{max(numbers, default=0) + 1:04d}"


# --- describing ops ---------------------------------------------------------------------------


def _flat(upgrade_ops: Any) -> list[Any]:
    from alembic.operations import ops

    out = []
    for op in upgrade_ops.ops:
        if isinstance(op, ops.ModifyTableOps):
            out.extend(op.ops)
        else:
            out.append(op)
    return out


def _quiet_reflection() -> None:
    """Silence what SQLAlchemy says while Alembic reflects the head database, which concerns
    its own reflection and not the user's schema: a type it cannot map (a composite, range or
    extension type: compared by generator.pg.catalog instead) and a unique's INCLUDE passed
    back as an unknown keyword (compared by generator.migrate.index_form_ops)."""
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", "Did not recognize type", SAWarning)
    warnings.filterwarnings("ignore", "Can't validate argument 'dialect_options'", SAWarning)


def describe_op(op: Any) -> str:
    from alembic.operations import ops

    from generator.migrate import ops as x

    table = getattr(op, "table_name", None)
    if isinstance(table, str) and getattr(op, "schema", None) not in (None, "public"):  # Alembic's own ops
        table = f"{op.schema}.{table}"
    if isinstance(getattr(op, "summary", None), str):  # generator.migrate.index_form_ops.DDLOp
        return op.summary
    match op:
        case ops.CreateTableOp():
            return f"create table {table}"
        case ops.DropTableOp():
            return f"drop table {table}"
        case ops.RenameTableOp():
            return f"rename table {table} to {op.new_table_name}"
        case ops.AddColumnOp():
            return f"add column {table}.{op.column.name}"
        case ops.DropColumnOp():
            return f"drop column {table}.{op.column_name}"
        case ops.AlterColumnOp():
            # unset is None for type, nullable and name, False for server_default and comment
            what = [k for k, unset in (("type", None), ("nullable", None), ("server_default", False),
                                       ("comment", False), ("name", None))
                    if getattr(op, f"modify_{k}", unset) is not unset]
            changes = ", ".join(what) or "change"
            return f"alter column {table}.{op.column_name} ({changes})"
        case ops.CreateIndexOp():
            return f"create index {op.index_name} on {table}"
        case ops.DropIndexOp():
            return f"drop index {op.index_name if op.schema in (None, 'public') else f'{op.schema}.{op.index_name}'}"
        case ops.CreateCheckConstraintOp():
            return f"add check {op.constraint_name} on {table}"
        case ops.CreatePrimaryKeyOp():
            return f"add primary key {op.constraint_name} on {table}"
        case ops.CreateForeignKeyOp():
            source = op.source_table if op.kw.get("source_schema") in (None, "public") else f"{op.kw['source_schema']}.{op.source_table}"
            return f"add foreign key {op.constraint_name} on {source}"
        case ops.AddConstraintOp():
            return f"add constraint {getattr(op, 'constraint_name', '?')} on {table}"
        case ops.DropConstraintOp():
            return f"drop constraint {op.constraint_name} on {table}"
        case ops.CreateTableCommentOp() | ops.DropTableCommentOp():
            return f"comment on table {table}"
        case x.CreateEnumOp():
            return f"create enum {op.name}"
        case x.DropEnumOp():
            return f"drop enum {op.name}"
        case x.AddEnumValueOp():
            return f"add value {op.value!r} to enum {op.name}"
        case x.DropEnumValueOp():
            return f"remove value {op.value!r} from enum {op.name}"
        case x.RenameEnumValueOp():
            return f"rename value {op.old_value!r} of enum {op.name} to {op.new_value!r}"
        case x.RenameEnumOp():
            return f"rename enum {op.old_name} to {op.new_name}"
        case x.SetEnumCommentOp():
            return f"comment on enum {op.name}"
        case x.CreateExtensionOp():
            return f"create extension {op.name}"
        case x.DropExtensionOp():
            return f"drop extension {op.name}"
        case x.CreateAppendOnlyGuardOp():
            return f"make {op.table_name} append-only"
        case x.DropAppendOnlyGuardOp():
            return f"remove the append-only guard of {op.table_name}"
        case x.MoveAppendOnlyGuardOp():
            return f"rename the append-only guard of {op.old_table_name} after {op.table_name}"
        case x.AlterIdentityOp():
            if op.existing_identity is None:
                return f"add identity ({op.identity}) to {op.table_name}.{op.column_name}"
            if op.identity is None:
                return f"drop identity of {op.table_name}.{op.column_name}"
            return f"change identity of {op.table_name}.{op.column_name} to {op.identity}"
        case x.RenameColumnOp():
            return f"rename column {op.table_name}.{op.old_name} to {op.new_name}"
        case x.RenameIndexOp():
            return f"rename index {op.old_name} to {op.new_name}"
        case x.RenameConstraintOp():
            return f"rename constraint {op.old_name} to {op.new_name}"
    for attr in ("describe", "summary"):  # the ops of generator.migrate.*_ops: a method or a text
        value = getattr(op, attr, None)
        if callable(value):
            return str(value())
        if isinstance(value, str) and value:
            return value
    return type(op).__name__


def summarize(upgrade_ops: Any) -> list[str]:
    return [text for op in _flat(upgrade_ops) if (text := describe_op(op))]  # set_timeouts says nothing


def _is_narrowing(op: Any) -> bool:
    from sqlalchemy.dialects import postgresql as pg

    old, new = getattr(op, "existing_type", None), getattr(op, "modify_type", False)
    if new is False or new is None or old is None:
        return False
    dialect = pg.dialect()
    try:
        a, b = old.compile(dialect=dialect).lower(), new.compile(dialect=dialect).lower()
    except Exception:
        return True
    a, b = (re.sub(r' collate "(?:[^"]|"")*"$', "", t) for t in (a, b))  # a collation change keeps every value
    if a == b or b in ("text", "varchar", "character varying"):
        return False  # every value has a text form (unbounded: nothing is cut)
    la = re.match(r"(varchar|character varying)\((\d+)\)", a)
    lb = re.match(r"(varchar|character varying)\((\d+)\)", b)
    if la and lb:
        return int(lb.group(2)) < int(la.group(2))
    widening = {("smallint", "integer"), ("smallint", "bigint"), ("integer", "bigint")}
    if (a, b) in widening or (la and b in ("text", "varchar", "character varying")):
        return False
    if a.startswith("numeric") and b.startswith("numeric"):
        pa, pb = re.findall(r"\d+", a), re.findall(r"\d+", b)
        if not pb:
            return False  # to unconstrained numeric: every value fits
        if len(pa) == 2 and len(pb) == 2:
            return not (int(pb[0]) >= int(pa[0]) and int(pb[1]) == int(pa[1]))
        return True
    return True


def destructive_steps(upgrade_ops: Any) -> list[str]:
    """Steps that lose data: dropped tables, columns, enum types or values, narrowed types."""
    from alembic.operations import ops

    from generator.migrate import ops as x

    out = []
    for op in _flat(upgrade_ops):
        if isinstance(op, ops.DropTableOp | ops.DropColumnOp | x.DropEnumValueOp | x.DropEnumOp):
            out.append(describe_op(op) + " (its data is lost)")
        elif getattr(op, "destructive_note", None):  # generator.migrate.sequence_ops.DropSequenceOp
            out.append(describe_op(op) + op.destructive_note)
        elif isinstance(op, ops.AlterColumnOp) and _is_narrowing(op):
            out.append(describe_op(op) + " (the type narrows: values may not fit)")
        elif getattr(op, "loses_data", False):  # generator.migrate.domain_ops: a plain column made generated
            out.append(describe_op(op) + " (its values are replaced by the generation expression)")
    return out


def _table(op: Any) -> str:
    """The canonical name of an Alembic table op's table (``billing.invoices`` outside public)."""
    from generator.migrate.qualified import key

    return key(op.table_name, op.schema)


def rollback_note(upgrade_ops: Any) -> str:
    """One paragraph for the revision docstring: what the downgrade loses, how to roll back safely."""
    from alembic.operations import ops

    from generator.migrate import ops as x

    flat = _flat(upgrade_ops)
    created = [_table(op) for op in flat if isinstance(op, ops.CreateTableOp)]
    added = [f"{_table(op)}.{op.column.name}" for op in flat if isinstance(op, ops.AddColumnOp)]
    values = [f"{op.name}.{op.value}" for op in flat if isinstance(op, x.AddEnumValueOp)]
    dropped = [_table(op) for op in flat if isinstance(op, ops.DropTableOp)]
    dropped += [
        f"{_table(op)}.{op.column_name}" for op in flat if isinstance(op, ops.DropColumnOp)
    ]
    removed = [f"{op.name}.{op.value}" for op in flat if isinstance(op, x.DropEnumValueOp)]
    parts = []
    if dropped or removed:
        parts.append(
            f"the upgrade itself loses {', '.join(dropped + removed)}; the downgrade brings the structure back empty"
            " (column defaults or NULL), not the data"
        )
    if created:
        parts.append(f"the downgrade drops table(s) {', '.join(created)} with every row in them")
    if added:
        parts.append(f"it drops column(s) {', '.join(added)} and their values")
    if values:
        parts.append(
            f"it rebuilds enum type(s) without {', '.join(values)} and fails while rows still use them"
        )
    if not parts:
        return "the downgrade restores the previous schema and loses no rows."
    return (
        "; ".join(parts)
        + ". In production, take a backup (pg_dump) first, or roll forward with a new revision instead."
    )
