"""Spec text reaches PostgreSQL exactly as written (issue 12, finding 3).

``%`` used to be doubled (paramstyle escaping applied to text that is not a parameterised
statement) and ``\\`` doubled in comments (SQLAlchemy's literal rendering before it has seen
``standard_conforming_strings``). tests/fixtures/literals/schema.yaml puts ``%``, ``%%``,
``\\``, ``:name`` and ``$1`` into a CHECK, an index WHERE, a ``default``, a ``default_sql``,
an enum value and table, column and enum comments. Both ways the schema is built, straight
from the spec (``materialize``, what ``diff`` and the proof use) and by a revision that
``generate`` wrote and proved, the catalog must then hold exactly what the spec says, and the
CHECK must behave as written ('15%' accepted, '15%%' refused).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from migration_helpers import REPO

from generator.drift.materialize import materialize
from generator.migrate import api as migrate
from generator.migrate.revision import generate
from generator.pg.database import connect, scratch_database
from generator.pg.server import LocalServer
from generator.spec import load_spec

SPEC = REPO / "tests" / "fixtures" / "literals" / "schema.yaml"
ODD = "\\ :name $1 %%"  # the tail every literal carries


def read_back(url: str) -> dict[str, object]:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            q = conn.exec_driver_sql  # parameters given: psycopg reads %(...)s, so %% below is one %
            out: dict[str, object] = {
                "table_comment": q("SELECT obj_description('items'::regclass, 'pg_class')", {}).scalar(),
                "column_comment": q("SELECT col_description('items'::regclass, 1)", {}).scalar(),
                "enum_comment": q("SELECT obj_description('mood'::regtype, 'pg_type')", {}).scalar(),
                "enum_values": q("SELECT enum_range(NULL::mood)::text[]", {}).scalar(),
                "checks": dict(q("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                 "WHERE conrelid = 'items'::regclass AND contype = 'c'", {}).all()),
                "index": q("SELECT pg_get_expr(indpred, indrelid) FROM pg_index "
                           "WHERE indrelid = 'items'::regclass AND indpred IS NOT NULL", {}).scalar(),
            }
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO items (id, discount) VALUES (1, '15%%')", {})
            out["row"] = conn.exec_driver_sql("SELECT note, code, mood::text FROM items", {}).one()._tuple()
            with pytest.raises(sa.exc.IntegrityError) as refused:
                with conn.begin_nested():
                    conn.exec_driver_sql("INSERT INTO items (id, discount) VALUES (2, '15%%%%')", {})
            out["refused"] = refused.value.orig.sqlstate  # type: ignore[union-attr]
    finally:
        engine.dispose()
    return out


def assert_exact(found: dict[str, object]) -> None:
    assert found["table_comment"] == "table 50% \\ off :name $1 %%"
    assert found["column_comment"] == "col id 5% \\ :x $1 %%"
    assert found["enum_comment"] == "enum 100% \\ happy :name $1 %% done"
    assert found["enum_values"] == ["calm", "b%", "c\\d", ":e", "$1"]
    checks = found["checks"]
    assert isinstance(checks, dict)
    assert "'^[0-9]{1,2}%$'" in checks["ck_items_pct"], checks
    assert "'x" + ODD + ";'" in checks["ck_items_odd"], checks
    assert "'%:name \\ $1 %%;'" in str(found["index"]), found["index"]
    assert found["row"] == ("50% off " + ODD, "100% off " + ODD + ";", "b%")
    assert found["refused"] == "23514"  # check_violation: '15%%' is not '15%'


def test_spec_build_keeps_every_literal(empty_db: str) -> None:
    spec = load_spec(SPEC)
    engine = connect(empty_db)
    try:
        with engine.begin() as conn:
            materialize(conn, spec)
    finally:
        engine.dispose()
    assert_exact(read_back(empty_db))


def test_generated_revision_keeps_every_literal(pg: LocalServer, new_project) -> None:
    root: Path = new_project()
    shutil.copyfile(SPEC, root / "schema.yaml")
    dev = pg.url("postgres")
    result = generate(root, load_spec(root / "schema.yaml"), dev, "literals")
    assert result.status == "written"  # proven: upgrade, compare, downgrade, compare
    again = generate(root, load_spec(root / "schema.yaml"), dev, None, check=True)
    assert (again.status, again.leftover) == ("no_changes", [])
    with scratch_database(dev, prefix="schemactl_literals") as url:
        migrate.upgrade(root, url, "head")
        assert_exact(read_back(url))


REFUSED_BY_POSTGRES = """\
version: 1
tables:
  things:
    comment: Things.
    columns:
      id: {type: integer, primary_key: true, comment: Id.}
      size: {type: integer, comment: Size.}
      label:
        type: text
        comment: Label.
        default_sql: "'a' || ';'"
      weight:
        type: integer
        comment: Weight.
        default_sql: "'heavy'"
    checks:
      - {name: small, sql: "size < 10"}
      - {name: named, sql: "labell <> ''"}
    indexes:
      - {columns: [size], where: "size > 0"}
"""


@pytest.mark.parametrize(
    ("broken", "fixed", "line", "says"),
    [
        ("default_sql: \"'heavy'\"", None, 15, "default_sql of things.weight"),
        ("labell <> ''", None, 18, "check named on things"),
        ("size > 0", "size > 'x'", 20, "WHERE of index #1 on things"),
    ],
)
def test_refused_fragment_is_reported_at_its_own_line(
    empty_db: str, tmp_path: Path, broken: str, fixed: str | None, line: int, says: str
) -> None:
    """Issue 13 item 7: a fragment PostgreSQL refuses (a default of the wrong type, a CHECK
    naming a missing column) is reported at the fragment's FILE:LINE:COL, not at 1:1."""
    from generator.errors import SpecError

    text = REFUSED_BY_POSTGRES
    others = {"default_sql: \"'heavy'\"": "default_sql: \"'7'\"", "labell <> ''": "label <> ''"}
    for wrong, right in others.items():
        if wrong != broken:
            text = text.replace(wrong, right)
    if fixed is not None:
        text = text.replace(broken, fixed)
    spec_file = tmp_path / "schema.yaml"
    spec_file.write_text(text)
    spec = load_spec(spec_file)
    engine = connect(empty_db)
    try:
        with pytest.raises(SpecError) as refused, engine.begin() as conn:
            materialize(conn, spec)
    finally:
        engine.dispose()
    [problem] = refused.value.problems
    assert (problem.line, says in problem.message) == (line, True), problem
    assert "PostgreSQL refused the spec" in problem.message


def test_metadata_create_all_keeps_every_literal(empty_db: str) -> None:
    """``build_metadata(spec).create_all`` (what test databases and the ORM use; its extras
    are sa.DDL, a %-format string) gives the same exact literals."""
    from generator.schema.metadata import build_metadata

    engine = connect(empty_db)
    try:
        build_metadata(load_spec(SPEC)).create_all(engine)
    finally:
        engine.dispose()
    assert_exact(read_back(empty_db))


def test_generated_models_create_all_keeps_every_literal(
    empty_db: str, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``schemactl models`` renders the same literals into the ORM module, and its
    ``Base.metadata.create_all`` builds them exactly."""
    import importlib.util

    shutil.copyfile(SPEC, tmp_path / "schema.yaml")
    out = tmp_path / "literal_models.py"
    result = run_cli("--spec", str(tmp_path / "schema.yaml"), "models", "-o", str(out))
    assert result.code == 0, result.stderr
    module_spec = importlib.util.spec_from_file_location("literal_models", out)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    monkeypatch.setitem(sys.modules, "literal_models", module)  # SQLAlchemy resolves Mapped[...] there
    module_spec.loader.exec_module(module)
    engine = connect(empty_db)
    try:
        module.Base.metadata.create_all(engine)
    finally:
        engine.dispose()
    assert_exact(read_back(empty_db))


@pytest.mark.parametrize("pipelined", [True, False])
def test_ddl_is_sent_one_statement_per_message(empty_db: str, pipelined: bool) -> None:
    """Defence in depth behind the fragment check (issue 12 finding 1): the spec's DDL goes
    over the extended protocol, where PostgreSQL refuses a second statement in a message
    (42601), both pipelined (``execute_ddl``) and one at a time (``execute_one``)."""
    import psycopg

    from generator.drift.materialize import StatementFailed, execute_ddl, execute_one

    smuggled = "CREATE TABLE ok_t (a int); CREATE TABLE pwned_t (a int)"
    engine = connect(empty_db)
    try:
        with engine.begin() as conn:
            if pipelined:
                with pytest.raises(StatementFailed) as failed:
                    execute_ddl(conn, ["CREATE TABLE first_t (a int)", smuggled])
                error = failed.value.error
            else:
                with pytest.raises(psycopg.Error) as raised:
                    execute_one(conn, smuggled)
                error = raised.value
            assert getattr(error, "sqlstate", None) == "42601"
        with engine.connect() as conn:
            tables = conn.exec_driver_sql(
                "SELECT relname FROM pg_class WHERE relname IN ('ok_t', 'pwned_t', 'first_t')", {}
            ).scalars().all()
    finally:
        engine.dispose()
    assert tables == []
