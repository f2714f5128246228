"""Data revisions: seeds.yaml's changes as Alembic revisions, rendered, found again, and proven.

A data revision changes rows, never the schema (so ``schemactl generate`` and ``diff``, which
compare schemas, never see it). Each one carries ``SEEDS``: the seed state it establishes
(seeds.yaml in canonical form, with what its SQL needs: keys, json/array columns, references,
and the foreign keys pointing at each table). Hence:

- ``committed_state(root)``: the latest data revision's SEEDS, what `alembic upgrade head` gives;
- ``pending_changes(seeds, root)``: how seeds.yaml differs from it (`schemactl seed --check`);
- ``render_revision(new, previous, ...)``: the next revision, as the difference. Upgrade, in
  foreign-key order: new rows are inserted (``ON CONFLICT (key) DO NOTHING``), changed values
  updated (``updated_at = now()``). Downgrade: changed values are set back, then the inserted
  rows are deleted by natural key, in reverse order, except rows that other rows (users' rows
  included) still reference: those stay, as if a user had added them. Rows removed from
  seeds.yaml are left in the database (they become ordinary rows); a changed natural key
  cannot be rendered (write that revision by hand).
- ``write_revision(...)``: render, prove on a scratch database (upgrade from the previous head,
  then `seed --dry-run` must find nothing to change; downgrade, then the seeded tables must
  hold exactly the rows they held before), and only then write the file.

Rendering is a pure function of (SEEDS, previous SEEDS, ids, message, date): tests re-render
every committed data revision and compare the text, so the files cannot drift from seeds.yaml.
"""

from __future__ import annotations

import ast
import datetime
import pprint
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import CodegenError, MigrationError, ProofFailed
from generator.pg.scratch import scratch_dir
from generator.schema.pysource import check_file_name, check_source, doc_text, slug_source
from generator.seeds.apply import (
    FORMAT_VERSION,
    column_groups,
    compared,
    insert_sql,
    quote_ident,
    value_sql,
)
from generator.seeds.spec import Reference, Seeds, SeedTable

State = dict[str, dict[str, Any]]  # table -> {"key", "json", "arrays", "references", ...}


# ---------------------------------------------------------------------- seed state


def seed_state(seeds: Seeds) -> State:
    """Seeds as plain data (the SEEDS literal of a data revision)."""
    return {
        name: {
            "key": list(t.key),
            "json": sorted(t.json_columns),
            "arrays": sorted(t.array_columns),
            "references": {c: {"table": r.table, "column": r.target, "key": list(r.key)} for c, r in t.references.items()},
            "updated_at": t.has_updated_at,
            "referenced_by": [list(x) for x in t.referenced_by],
            "rows": [dict(r) for r in t.rows],
        }
        for name, t in seeds.tables.items()
    }


def seeds_from_state(state: State, file: str = "SEEDS") -> Seeds:
    tables = {
        name: SeedTable(
            name=name,
            key=tuple(body["key"]),
            rows=tuple(body["rows"]),
            json_columns=frozenset(body["json"]),
            array_columns=frozenset(body["arrays"]),
            references={c: Reference(c, r["table"], r["column"], tuple(r["key"])) for c, r in body["references"].items()},
            has_updated_at=body["updated_at"],
            referenced_by=tuple(tuple(x) for x in body["referenced_by"]),
        )
        for name, body in state.items()
    }
    return Seeds(file, tables)


def _data(state: State | None) -> dict[str, Any]:
    """What a data revision is about: keys and rows (not the schema facts rendered alongside)."""
    return {name: (body["key"], body["rows"]) for name, body in (state or {}).items()}


# ---------------------------------------------------------------------- the difference


@dataclass
class TableChange:
    table: SeedTable  # the new state of the table
    inserted: list[dict[str, Any]] = field(default_factory=list)  # new rows
    updated: list[tuple[dict[str, Any], dict[str, Any], list[str]]] = field(default_factory=list)  # (old, new, columns)

    def describe(self) -> str:
        parts = []
        if self.inserted:
            parts.append(f"insert {len(self.inserted)} ({', '.join(_key_text(self.table, r) for r in self.inserted)})")
        for _old, new, cols in self.updated:
            parts.append(f"update {_key_text(self.table, new)} ({', '.join(cols)})")
        return f"{self.table.name}: " + "; ".join(parts)


def _key_text(table: SeedTable, row: dict[str, Any]) -> str:
    return "/".join(str(v) for v in table.key_of(row))


def diff_states(new: State, previous: State | None) -> list[TableChange]:
    """Per table (foreign-key order), the rows to insert and the values to update."""
    seeds = seeds_from_state(new)
    out = []
    for name, table in seeds.tables.items():
        old = (previous or {}).get(name)
        if old is not None and list(old["key"]) != list(table.key):
            raise MigrationError(
                f"the natural key of {name} changed from ({', '.join(old['key'])}) to ({', '.join(table.key)})",
                "a data revision cannot be rendered for that; write it by hand",
            )
        old_rows = {_hashable_key(table, r): r for r in (old["rows"] if old else [])}
        change = TableChange(table)
        for row in table.rows:
            before = old_rows.get(_hashable_key(table, row))
            if before is None:
                change.inserted.append(row)
                continue
            cols = [c for c in row if c not in table.key and (c not in before or before[c] != row[c])]
            if cols:
                change.updated.append((before, row, cols))
        if change.inserted or change.updated:
            out.append(change)
    return out


def _hashable_key(table: SeedTable, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(repr(v) if isinstance(v, dict | list) else v for v in table.key_of(row))


@dataclass
class SeedCheck:
    """``schemactl seed --check``: does seeds.yaml match the committed data revisions?"""

    changes: list[str]  # what changed since the last data revision (empty: in sync)
    revision: str | None = None  # the last data revision

    @property
    def status(self) -> str:
        return "needed" if self.changes else "in_sync"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "format_version": FORMAT_VERSION,
            "revision": self.revision,
            "changes": list(self.changes),
        }


def check_seeds(seeds: Seeds, root: Path) -> SeedCheck:
    """seeds.yaml against the seed state of the committed data revisions; touches no database."""
    latest, committed = committed_state(root)
    revision = latest.revision if latest else None
    new = seed_state(seeds)
    if _data(new) == _data(committed):
        return SeedCheck([], revision)
    lines = [c.describe() for c in diff_states(new, committed)]
    return SeedCheck(lines or ["rows were removed from seeds.yaml (they stay in databases as ordinary rows)"], revision)


def pending_changes(seeds: Seeds, root: Path) -> list[str]:
    """How seeds.yaml differs from the seed state of the committed data revisions (empty: in sync)."""
    return check_seeds(seeds, root).changes


# ---------------------------------------------------------------------- SQL


def _where_key(table: SeedTable, alias: str, row: dict[str, Any]) -> str:
    return " AND ".join(f"{alias}.{quote_ident(k)} = {value_sql(table, k, row[k])}" for k in table.key)


def update_sql(table: SeedTable, row: dict[str, Any], columns: list[str]) -> str:
    q = quote_ident
    sets = [f"{q(c)} = {value_sql(table, c, row[c])}" for c in columns]
    if table.has_updated_at:
        sets.append(f"{q('updated_at')} = now()")
    old = ", ".join(compared(table, "t", c) for c in columns)
    new = ", ".join(value_sql(table, c, row[c]) + ("::jsonb" if c in table.json_columns else "") for c in columns)
    return (
        f"UPDATE {q(table.name)} AS t\nSET {', '.join(sets)}\n"
        f"WHERE {_where_key(table, 't', row)}\n    AND ({old}) IS DISTINCT FROM ({new})"
    )


def delete_sql(table: SeedTable, rows: list[dict[str, Any]]) -> str:
    """Delete seeded rows by natural key, keeping any row another row still references."""
    q = quote_ident
    if len(table.key) == 1:
        k = table.key[0]
        match = f"t.{q(k)} IN ({', '.join(value_sql(table, k, r[k]) for r in rows)})"
    else:
        keys = ", ".join(f"t.{q(k)}" for k in table.key)
        tuples = ", ".join("(" + ", ".join(value_sql(table, k, r[k]) for k in table.key) + ")" for r in rows)
        match = f"({keys}) IN ({tuples})"
    guards = [
        f"\n    AND NOT EXISTS (SELECT 1 FROM {q(other)} AS r WHERE r.{q(column)} = t.{q(target)})"
        for other, column, target in table.referenced_by
    ]
    return f"DELETE FROM {q(table.name)} AS t\nWHERE {match}" + "".join(guards)


def revision_statements(changes: list[TableChange]) -> tuple[list[str], list[str]]:
    up: list[str] = []
    for change in changes:
        for cols, rows in column_groups(change.inserted):
            up.append(insert_sql(change.table, cols, rows, update=False, returning=False))
        up += [update_sql(change.table, new, cols) for _old, new, cols in change.updated]
    down: list[str] = []
    for change in reversed(changes):  # restore values before deleting rows they may point at
        for old, _new, cols in change.updated:
            restorable = [c for c in cols if c in old]  # a newly managed column's old value is unknown
            if restorable:
                down.append(update_sql(change.table, old, restorable))
    for change in reversed(changes):
        if change.inserted:
            down.append(delete_sql(change.table, change.inserted))
    return up, down


# ---------------------------------------------------------------------- the file

# Every value below is a docstring text (pysource.doc_text), a literal (repr, pprint) or
# schemactl's own SQL text rendered by _py_string; nothing from seeds.yaml is pasted raw.
_TEMPLATE = '''"""{message}

Revision ID: {revision}
Revises: {down_revision}
Create Date: {create_date}

Data revision: rendered from seeds.yaml by `schemactl seed --revision` (generator/seeds/revision.py).
Do not edit it: tests re-render it and compare. It changes rows, never the schema.
Upgrade:
{upgrade_note}
Rollback: {rollback_note}
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = {revision!r}
down_revision: str | Sequence[str] | None = {down_revision!r}
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The seed state after this revision (seeds.yaml, canonical form). `schemactl seed --check`
# compares seeds.yaml with the latest one; the next data revision is rendered from the difference.
SEEDS = {seeds}

UPGRADE = [
{upgrade}
]

DOWNGRADE = [
{downgrade}
]


def upgrade() -> None:
    _run(UPGRADE)


def downgrade() -> None:
    _run(DOWNGRADE)


def _run(statements: list[str]) -> None:
    """Run SQL text as it is: no bind-parameter parsing, so ':' and '%' in the data stay intact."""
    context = op.get_context()
    for statement in statements:
        if context.as_sql:  # offline mode (alembic upgrade --sql): print it
            context.impl.static_output(statement.strip() + ";\\n")
        else:
            op.get_bind().exec_driver_sql(statement, execution_options={{"no_parameters": True}})
'''

ROLLBACK_NOTE = (
    "the downgrade sets changed values back and deletes the inserted rows by natural key, except\n"
    "rows other rows still reference (those stay, like rows users added); rows users added are\n"
    "never touched."
)


def _py_string(text: str) -> str:
    """One SQL statement as an item of UPGRADE/DOWNGRADE: a readable triple-quoted block when the
    text holds nothing Python would read differently there (a backslash, three quotes, a closing
    quote, a carriage return or another character that is not printable), else its ``repr``."""
    plain = "\\" not in text and '"""' not in text and not text.endswith('"') and all(ch == "\n" or ch.isprintable() for ch in text)
    if plain:
        return '    """\n' + text + '\n""",'
    return "    " + repr(text) + ","


def render_revision(new: State, previous: State | None, revision: str, down_revision: str | None,
                    message: str, create_date: str) -> str:
    changes = diff_states(new, previous)
    up, down = revision_statements(changes)
    notes = "\n".join(f"- {c.describe()}" for c in changes) or "- nothing (the seed state is unchanged)"
    return _TEMPLATE.format(
        message=doc_text(message),
        revision=doc_text(revision),
        down_revision=doc_text(str(down_revision)),
        create_date=doc_text(create_date),
        upgrade_note=doc_text(notes),
        rollback_note=doc_text(ROLLBACK_NOTE),
        seeds=pprint.pformat(new, indent=1, width=100, sort_dicts=False),
        upgrade="\n".join(_py_string(s) for s in up),
        downgrade="\n".join(_py_string(s) for s in down),
    )


# ---------------------------------------------------------------------- committed revisions


@dataclass(frozen=True)
class DataRevision:
    revision: str
    down_revision: str | None
    path: Path
    message: str
    create_date: str
    state: State
    hand_written: bool = False  # HAND_WRITTEN = True: SEEDS is the state after it, but no renderer made it


def read_data_revision(path: Path) -> DataRevision | None:
    """The data revision in ``path``, or None if the file is a schema revision."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    values: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(target, ast.Name) and target.id in ("SEEDS", "HAND_WRITTEN", "revision", "down_revision") and node.value is not None:
                values[target.id] = ast.literal_eval(node.value)
    if "SEEDS" not in values:
        return None
    doc = ast.get_docstring(tree, clean=False) or ""
    date = re.search(r"^Create Date: (.*)$", doc, re.M)
    return DataRevision(values["revision"], values.get("down_revision"), path, doc.split("\n\nRevision ID: ", 1)[0],
                        date.group(1) if date else "", values["SEEDS"], bool(values.get("HAND_WRITTEN")))


def data_revisions(root: Path, script_location: Path | None = None) -> list[DataRevision]:
    """The data revisions of the chain, oldest first."""
    from generator.migrate.api import script_directory

    found = []
    for script in script_directory(root, script_location).walk_revisions():  # head -> base
        data = read_data_revision(Path(script.path))
        if data is not None:
            found.append(data)
    return list(reversed(found))


def committed_state(root: Path, script_location: Path | None = None) -> tuple[DataRevision | None, State | None]:
    revisions = data_revisions(root, script_location)
    return (revisions[-1], revisions[-1].state) if revisions else (None, None)


def rerender(revisions: list[DataRevision]) -> list[tuple[DataRevision, str]]:
    """Each rendered data revision rendered again from its SEEDS and its predecessor's."""
    out, previous = [], None
    for rev in revisions:
        if not rev.hand_written:
            out.append((rev, render_revision(rev.state, previous, rev.revision, rev.down_revision, rev.message, rev.create_date)))
        previous = rev.state
    return out


# ---------------------------------------------------------------------- writing one


@dataclass
class SeedRevisionResult:
    """``schemactl seed --revision``: the data revision written, or none needed."""

    status: str  # "written" | "no_changes"
    changes: list[str] = field(default_factory=list)
    path: Path | None = None
    revision: str | None = None
    down_revision: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "format_version": FORMAT_VERSION,
            "revision": self.revision,
            "down_revision": self.down_revision,
            "path": str(self.path) if self.path else None,
            "changes": list(self.changes),
        }


def write_revision(root: Path, seeds: Seeds, message: str, dev_url: str, progress: Any = lambda _: None) -> SeedRevisionResult:
    """Render the next data revision for what changed in seeds.yaml, prove it, write it."""
    from generator.migrate import api as migrate
    from generator.migrate.revision import next_revision_id

    _prev_rev, previous = committed_state(root)
    new = seed_state(seeds)
    down_revision = migrate.single_head(root)
    if _data(new) == _data(previous):
        return SeedRevisionResult("no_changes", down_revision=down_revision)
    changes = [c.describe() for c in diff_states(new, previous)]
    if not changes:
        removed = ["rows were only removed from seeds.yaml; they stay in databases"]
        return SeedRevisionResult("no_changes", removed, down_revision=down_revision)
    if not message:
        raise MigrationError("a data revision needs a message", 'pass -m "what changed"')
    rev_id = next_revision_id(root)
    create_date = str(datetime.datetime.now(datetime.UTC))
    text = render_revision(new, previous, rev_id, down_revision, message, create_date)
    check_rendering(text, new, message)
    with scratch_dir(root, "schemactl-seedrev") as tmp:  # .schemactl/tmp, reaped if killed (generator.pg.scratch)
        scripts = Path(tmp) / "migrations"
        shutil.copytree(root / "migrations", scripts, ignore=shutil.ignore_patterns("__pycache__"))
        directory = migrate.script_directory(root, scripts)
        # private Alembic API: pinned by tests/unit/test_alembic_private_api.py (alembic <2)
        name = directory._rev_path(scripts / "versions", rev_id, slug_source(message), datetime.datetime.now(datetime.UTC)).name
        check_file_name(name)
        (scripts / "versions" / name).write_text(text, encoding="utf-8")
        progress("proving the data revision on a scratch database")
        prove(root, scripts, dev_url, seeds, rev_id, down_revision)
        final = root / "migrations" / "versions" / name
        final.write_text(text, encoding="utf-8")
    return SeedRevisionResult("written", changes, final, rev_id, down_revision)


def check_rendering(text: str, state: State, message: str) -> None:
    """Before the file is written or imported: it parses, the message stayed inside the
    docstring, and its SEEDS literal reads back as exactly the seed state it was rendered from."""
    tree = check_source(text, "data revision", (message,))
    seeds = [n.value for n in tree.body if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "SEEDS" for t in n.targets)]
    try:
        same = len(seeds) == 1 and ast.literal_eval(seeds[0]) == state
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        same = False
    if not same:
        raise CodegenError("the generated data revision's SEEDS does not read back as seeds.yaml's rows; nothing was written",
                           "this is a bug in schemactl's rendering; please report it with the seed values involved")


def prove(root: Path, scripts: Path, dev_url: str, seeds: Seeds, rev_id: str, down_revision: str | None) -> None:
    """Upgrade a scratch database from the previous head with the new revision: seeding must then
    change nothing. Downgrade it: the seeded tables must hold the rows they held before."""
    from generator.errors import SchemactlError
    from generator.migrate import api as migrate
    from generator.pg.database import scratch_database
    from generator.seeds.apply import run_seed

    with scratch_database(dev_url, prefix="schemactl_seedrev") as url:
        if down_revision:
            migrate.upgrade(root, url, down_revision, script_location=scripts)
        before = seeded_rows(url, seeds)
        try:
            migrate.upgrade(root, url, rev_id, script_location=scripts)
            report = run_seed(url, seeds, root, dry_run=True, script_location=scripts)
        except SchemactlError as exc:
            raise ProofFailed("the data revision failed on the previous head", [exc.message],
                              "is schema.yaml ahead of the migrations? run `schemactl generate -m MSG` first") from exc
        except Exception as exc:
            raise ProofFailed("the data revision failed on the previous head", [_one_line(exc)],
                              "is schema.yaml ahead of the migrations? run `schemactl generate -m MSG` first") from exc
        if report.changed:
            lines = [f"{t.table}: would insert {t.inserted}, update {t.updated}" for t in report.tables if t.inserted or t.updated]
            raise ProofFailed("after the data revision, seeding would still change rows", lines)
        try:
            migrate.downgrade(root, url, down_revision or "base", script_location=scripts)
        except Exception as exc:
            raise ProofFailed("the data revision's downgrade failed", [_one_line(exc)]) from exc
        after = seeded_rows(url, seeds)
        if after != before:
            changed = sorted(t for t in before if before[t] != after.get(t))
            raise ProofFailed("after the downgrade, the seeded tables differ from the previous head",
                              [f"table {t}" for t in changed])


def seeded_rows(url: str, seeds: Seeds) -> dict[str, list[Any] | None]:
    """Every row of each seeded table as JSON without updated_at (None: the table does not exist)."""
    from generator.pg.database import connect

    engine = connect(url)
    out: dict[str, list[Any] | None] = {}
    try:
        with engine.connect() as conn:
            for name, table in seeds.tables.items():
                q = quote_ident(name)
                if conn.exec_driver_sql(f"SELECT to_regclass('public.{q}')").scalar() is None:
                    out[name] = None
                    continue
                order = ", ".join(quote_ident(k) for k in table.key)
                rows = conn.exec_driver_sql(f"SELECT to_jsonb(t) - 'updated_at' FROM {q} AS t ORDER BY {order}").scalars()
                out[name] = list(rows)
    finally:
        engine.dispose()
    return out


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
