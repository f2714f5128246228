"""Specs that adopt an existing database (issue 15.2): ``settings: {naming: verbatim,
require_comments: false}``, explicit names on every key, index and check, composite foreign
keys, and mixed-case and quoted identifiers, end to end on 17 and 18.

tests/fixtures/adopt/schema.yaml uses every new form. From an empty chain ``generate`` writes
a proven revision; a database upgraded with it has exactly the spec's names, and ``diff``
finds nothing. A changed explicit name generates a rename; a name that differs between the
database and the spec is drift whose fixing SQL applies.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from migration_helpers import REPO

from generator.pg.database import connect
from generator.pg.server import LocalServer

ADOPT = REPO / "tests" / "fixtures" / "adopt" / "schema.yaml"
HOSTILE = REPO / "tests" / "fixtures" / "hostile" / "verbatim_names_stay_names" / "schema.yaml"


def _run_script(url: str, script: str) -> None:
    """Run diff's SQL script as psql would: as it is, never read for parameters (a name may hold %s)."""
    engine = connect(url)
    try:
        raw = engine.raw_connection()
        try:
            raw.driver_connection.autocommit = True
            raw.driver_connection.execute(script)
        finally:
            raw.close()
    finally:
        engine.dispose()


def _project(new_project, text: str) -> Path:
    root = new_project()
    (root / "schema.yaml").write_text(text)
    return root


def _names(url: str) -> set[tuple[str, str]]:
    """(table, constraint or index name) of the public schema."""
    engine = connect(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT c.relname, k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND k.contype <> 'n' "
                "UNION SELECT t.relname, i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                "WHERE n.nspname = 'public' AND t.relname <> 'alembic_version'"
            )).fetchall()
    finally:
        engine.dispose()
    return {(r[0], r[1]) for r in rows}


def test_an_adopted_spec_generates_upgrades_and_diffs_clean(run_cli, pg: LocalServer, empty_db: str, new_project) -> None:
    root = _project(new_project, ADOPT.read_text())
    dev = pg.url("postgres")
    written = run_cli("generate", "-m", "adopt", "--dev-db", dev, cwd=root)
    assert written.code == 0, written.stderr
    assert [p.name for p in (root / "migrations" / "versions").glob("*.py")] == ["0001_adopt.py"]

    up = run_cli("upgrade", "--db", empty_db, cwd=root)
    assert up.code == 0, up.stderr
    names = _names(empty_db)
    for expected in [("Orders", "Orders_pkey"), ("Orders", "Orders_CustomerId_fkey"), ("Orders", "Orders status idx"),
                     ("customers", "customers_E-Mail_key"), ("customers", "customers_E-Mail_check"),
                     ("Order Items", "order_items_order_fkey"), ("Order Items", "order_items_qty_check"),
                     ("Order Items", "order_items_lower_idx"), ("Audit Log", "Audit Log_pkey")]:
        assert expected in names
    assert not any(n.startswith(("pk_", "fk_", "uq_", "ix_", "ck_")) for _t, n in names), names

    diff = run_cli("diff", "--db", empty_db, "--dev-db", dev, cwd=root)
    assert diff.code == 0, diff.stdout + diff.stderr
    check = run_cli("generate", "--check", "--dev-db", dev, cwd=root)
    assert check.code == 0, check.stdout + check.stderr

    # the composite foreign key kept every option
    engine = connect(empty_db)
    try:
        with engine.connect() as conn:
            definition = conn.execute(sa.text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'order_items_order_fkey'"
            )).scalar_one()
    finally:
        engine.dispose()
    assert definition == (
        'FOREIGN KEY ("OrderId", line_no) REFERENCES "Orders"(id, line_no) MATCH FULL ON DELETE CASCADE '
        "DEFERRABLE INITIALLY DEFERRED"
    )


RENAMED = {
    "name: customers_pkey,": "name: customers_key,",
    '"customers_E-Mail_key"': '"customers_E-Mail_uq"',
    '"customers_E-Mail_check"': '"customers E-Mail check"',
    '"Orders_CustomerId_fkey"': '"Orders customer"',
    '"Orders status idx"': '"Orders_status_idx"',
    "name: order_items_order_fkey": 'name: "Order Items -> Orders"',
}


def test_a_changed_explicit_name_is_a_rename(run_cli, pg: LocalServer, new_project) -> None:
    root = _project(new_project, ADOPT.read_text())
    dev = pg.url("postgres")
    assert run_cli("generate", "-m", "adopt", "--dev-db", dev, cwd=root).code == 0
    text = ADOPT.read_text()
    for old, new in RENAMED.items():
        assert old in text
        text = text.replace(old, new)
    (root / "schema.yaml").write_text(text)
    renamed = run_cli("generate", "-m", "renamed", "--dev-db", dev, "--format", "json", cwd=root)
    assert renamed.code == 0, renamed.stdout + renamed.stderr
    import json

    summary = json.loads(renamed.stdout)["operations"]
    assert sorted(summary) == sorted([
        "rename constraint customers_pkey to customers_key",
        "rename constraint customers_E-Mail_check to customers E-Mail check",
        "rename constraint customers_E-Mail_key to customers_E-Mail_uq",
        "rename constraint Orders_CustomerId_fkey to Orders customer",
        "rename index Orders status idx to Orders_status_idx",
        "rename constraint order_items_order_fkey to Order Items -> Orders",
    ]), summary
    source = (root / "migrations" / "versions" / "0002_renamed.py").read_text()
    assert "drop_constraint" not in source and "create_foreign_key" not in source


def test_a_name_drift_is_reported_and_its_fix_applies(run_cli, pg: LocalServer, empty_db: str, new_project) -> None:
    root = _project(new_project, ADOPT.read_text())
    dev = pg.url("postgres")
    assert run_cli("generate", "-m", "adopt", "--dev-db", dev, cwd=root).code == 0
    assert run_cli("upgrade", "--db", empty_db, cwd=root).code == 0
    engine = connect(empty_db)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text('ALTER TABLE "Order Items" RENAME CONSTRAINT order_items_order_fkey TO "x""y"'))
            conn.execute(sa.text('ALTER INDEX "Orders status idx" RENAME TO orders_status_idx'))
            # a key other tables' foreign keys depend on: dropping it would fail, renaming works
            conn.execute(sa.text("ALTER TABLE customers RENAME CONSTRAINT customers_pkey TO customers_old_pkey"))
    finally:
        engine.dispose()

    drift = run_cli("diff", "--db", empty_db, "--dev-db", dev, "--format", "sql", cwd=root)
    assert drift.code == 2, drift.stdout + drift.stderr
    assert [ln for ln in drift.stdout.splitlines() if ln and not ln.startswith("--")] == [
        'ALTER TABLE "public"."Order Items" RENAME CONSTRAINT "x""y" TO "order_items_order_fkey";',
        'ALTER TABLE "public"."customers" RENAME CONSTRAINT "customers_old_pkey" TO "customers_pkey";',
        'ALTER INDEX "public"."orders_status_idx" RENAME TO "Orders status idx";',
    ], drift.stdout
    summary = run_cli("diff", "--db", empty_db, "--dev-db", dev, "--format", "json", cwd=root)
    import json

    changes = {(c["kind"], c["name"], c["action"]) for c in json.loads(summary.stdout)["changes"]}
    assert {("constraint", 'x"y', "removed"), ("constraint", "order_items_order_fkey", "added"),
            ("index", "orders_status_idx", "removed"), ("index", "Orders status idx", "added")} <= changes
    _run_script(empty_db, drift.stdout)
    clean = run_cli("diff", "--db", empty_db, "--dev-db", dev, cwd=root)
    assert clean.code == 0, clean.stdout + clean.stderr
    assert ("Order Items", "order_items_order_fkey") in _names(empty_db)
    shutil.rmtree(root / "migrations" / "versions")


def test_the_models_of_an_adopted_spec_build_the_same_database(run_cli, pg: LocalServer, empty_db: str, new_project) -> None:
    """models.py of the adopted spec (mixed-case tables, columns that are no Python names,
    explicit names, a composite deferrable foreign key) is valid Python whose create_all builds
    a database ``diff`` finds identical to the spec."""
    import sys
    import types

    from generator.schema.orm_codegen import render
    from generator.spec import load_spec

    module = types.ModuleType("adopted_models")
    sys.modules[module.__name__] = module  # annotations resolve through the module
    try:
        exec(compile(render(load_spec(ADOPT)), "adopted_models.py", "exec"), module.__dict__)  # noqa: S102 - our own rendering
    finally:
        del sys.modules[module.__name__]
    assert module.Customer.E_Mail.property.columns[0].name == "E-Mail"
    engine = connect(empty_db)
    try:
        module.Base.metadata.create_all(engine)
    finally:
        engine.dispose()
    root = _project(new_project, ADOPT.read_text())
    diff = run_cli("diff", "--db", empty_db, "--dev-db", pg.url("postgres"), cwd=root)
    assert diff.code == 0, diff.stdout + diff.stderr


@pytest.mark.parametrize("spec", [ADOPT, HOSTILE], ids=["adopt", "hostile_names"])
def test_diffs_fix_sql_builds_the_spec_from_nothing(spec: Path, run_cli, pg: LocalServer, empty_db: str, new_project) -> None:
    """Every name diff's fixing SQL writes is quoted: on an empty database it builds the whole
    spec, hostile names included, and diff then finds nothing."""
    root = _project(new_project, spec.read_text())
    dev = pg.url("postgres")
    drift = run_cli("diff", "--db", empty_db, "--dev-db", dev, "--format", "sql", cwd=root)
    assert drift.code == 2, drift.stdout + drift.stderr
    _run_script(empty_db, drift.stdout)
    clean = run_cli("diff", "--db", empty_db, "--dev-db", dev, cwd=root)
    assert clean.code == 0, clean.stdout + clean.stderr
    assert not [n for _t, n in _names(empty_db) if n.lower().startswith("pwned")]


def test_drift_on_dotted_names_is_fixed(run_cli, pg: LocalServer, empty_db: str, new_project) -> None:
    """A table ``a.b`` with a column ``c.d``: diff names the drift ``a.b.c.d`` and its fix
    alters that column of that table, not ``a``'s column ``b.c.d``."""
    root = _project(new_project, HOSTILE.read_text())
    dev = pg.url("postgres")
    _run_script(empty_db, run_cli("diff", "--db", empty_db, "--dev-db", dev, "--format", "sql", cwd=root).stdout)
    _run_script(empty_db, 'ALTER TABLE "a.b" ALTER COLUMN "c.d" DROP DEFAULT, ALTER COLUMN "c.d" SET NOT NULL; '
                          'COMMENT ON COLUMN "a.b"."c.d" IS \'changed\'')
    drift = run_cli("diff", "--db", empty_db, "--dev-db", dev, "--format", "json", cwd=root)
    assert drift.code == 2, drift.stdout + drift.stderr
    import json

    report = json.loads(drift.stdout)
    by_name = {(c["kind"], c["name"]): c["detail"] for c in report["changes"]}
    assert by_name[("comment", "column a.b.c.d")] == "'changed' -> 'Dotted.'"
    assert "not null: true -> false" in by_name[("column", "a.b.c.d")]
    _run_script(empty_db, run_cli("diff", "--db", empty_db, "--dev-db", dev, "--format", "sql", cwd=root).stdout)
    clean = run_cli("diff", "--db", empty_db, "--dev-db", dev, cwd=root)
    assert clean.code == 0, clean.stdout + clean.stderr
