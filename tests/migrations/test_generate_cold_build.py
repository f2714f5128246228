"""``generate`` with a cold dev server builds the spec's database and the head side by side.

Issue #19 target 3: a cold ``generate --check`` (CI with a fresh dev server) waited for the
spec's database and then for the head (every revision, op by op). The two are independent,
so they are built at the same time: the head in a worker thread on its own connection. These
tests pin that they overlap, that the answer is unchanged, and that a revision that fails
while the spec's database is being built is still reported, with nothing half-built left.
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from migration_helpers import CASES

from generator.migrate import revision as revision_module
from generator.migrate.revision import generate
from generator.pg.database import connect
from generator.pg.server import LocalServer
from generator.spec import load_spec

ADDED = CASES / "enum_value_added"


def _project(new_project, pg: LocalServer) -> Path:
    """A project whose one revision is written; its spec names a table no other test uses,
    so its spec and head databases are not cached yet."""
    root = new_project()
    table = "cold_" + secrets.token_hex(4)
    text = (ADDED / "before.yaml").read_text()
    assert "\ntables:\n" in text
    text = text.replace(
        "\ntables:\n",
        f"\ntables:\n  {table}:\n    comment: Makes this spec's databases new.\n"
        "    columns:\n      id: {type: bigint, primary_key: true, comment: Key.}\n",
        1,
    )
    (root / "schema.yaml").write_text(text)
    assert generate(root, load_spec(root / "schema.yaml"), pg.url("postgres"), "before").status == "written"
    _drop_head_caches(pg)
    return root


def _drop_head_caches(pg: LocalServer) -> None:
    """The head databases (their key is the revision files, which another test may share)."""
    engine = connect(pg.url("postgres"), autocommit=True)
    try:
        with engine.connect() as conn:
            for (name,) in conn.execute(
                sa.text("SELECT datname FROM pg_database WHERE starts_with(datname, 'schemactl_cache_head_')")
            ).fetchall():
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _databases(pg: LocalServer, prefix: str) -> list[str]:
    engine = connect(pg.url("postgres"), autocommit=True)
    try:
        with engine.connect() as conn:
            return [
                r[0]
                for r in conn.execute(
                    sa.text("SELECT datname FROM pg_database WHERE starts_with(datname, :p)"), {"p": prefix}
                )
            ]
    finally:
        engine.dispose()


def test_spec_and_head_databases_are_built_side_by_side(
    new_project, pg: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(new_project, pg)
    head_started = threading.Event()
    seen: dict[str, str] = {}
    real_head, real_spec = revision_module._head_database, revision_module._spec_database

    def head(*args, **kwargs):
        seen["head"] = threading.current_thread().name
        head_started.set()
        return real_head(*args, **kwargs)

    def spec_database(*args, **kwargs):
        seen["spec"] = threading.current_thread().name
        # Built one after the other, the head would not start before the spec's database is done.
        seen["overlap"] = str(head_started.wait(timeout=30))
        return real_spec(*args, **kwargs)

    monkeypatch.setattr(revision_module, "_head_database", head)
    monkeypatch.setattr(revision_module, "_spec_database", spec_database)
    phrases: list[str] = []
    # the spec changed (a new table) since the revision: the spec database is new too
    (root / "schema.yaml").write_text((root / "schema.yaml").read_text().replace("Makes this", "Makes that"))
    spec = load_spec(root / "schema.yaml")
    result = generate(root, spec, pg.url("postgres"), None, check=True, progress=phrases.append)
    assert result.status == "needed"  # a comment changed: the answer is the same as before
    assert seen["overlap"] == "True"
    assert seen["spec"] == threading.main_thread().name and seen["head"] != seen["spec"]
    assert sorted(p for p in phrases if p.startswith("building the")) == [
        "building the head database (cached for later runs)",
        "building the spec database (cached for later runs)",
    ]
    assert {"target", "head"} <= set(result.timings)
    assert _databases(pg, "schemactl_building_") == []


def test_a_failing_revision_is_reported_after_the_spec_database_is_built(
    new_project, pg: LocalServer
) -> None:
    root = _project(new_project, pg)
    revision = next((root / "migrations" / "versions").glob("0001_*.py"))
    revision.write_text(
        revision.read_text().replace(
            "def upgrade() -> None:\n", "def upgrade() -> None:\n    op.execute('SELECT 1 / 0')\n", 1
        )
    )
    with pytest.raises(sa.exc.DBAPIError) as caught:
        generate(root, load_spec(root / "schema.yaml"), pg.url("postgres"), None, check=True)
    assert caught.value.orig.sqlstate == "22012"  # division_by_zero, from the head's worker thread
    assert _databases(pg, "schemactl_building_") == []  # neither build left behind
