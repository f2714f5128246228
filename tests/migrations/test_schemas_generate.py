"""`generate` for schemas other than public (issue 17 item 5), on every server of SCHEMACTL_TEST_PG.

The golden case tests/fixtures/generate/schemas_created_changed holds the first two steps
(a schema with an enum, a sequence and tables with foreign keys into public and back; then an
enum value, a new column, an index and a CHECK on the existing table (online forms), comment
changes and a dropped table). Here a third step drops the whole schema
(destructive: refused without --allow-destructive, a data_loss hazard, DROP SCHEMA last), and
the three revisions are run up and down on a database whose search_path is '' (ALTER
DATABASE ... SET search_path): every step must leave it exactly as on an ordinary database.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest
from migration_helpers import CASES, revision_files

from generator.errors import DestructiveChange
from generator.migrate import api as migrate
from generator.migrate.online_hazards import KINDS
from generator.migrate.revision import GenerateResult, generate
from generator.pg.catalog import Snapshot, read_snapshot
from generator.pg.database import connect, libpq_url, scratch_database
from generator.pg.server import LocalServer
from generator.spec import load_spec

CASE = CASES / "schemas_created_changed"

PUBLIC_ONLY = """\
version: 1
settings: {require_comments: false}
tables:
  customers:
    comment: People who pay.
    columns:
      id: {type: bigint, primary_key: true, identity: always}
      name: {type: text, nullable: false}
"""


def _generate(root: Path, dev: str, message: str | None, **kw: object) -> GenerateResult:
    return generate(root, load_spec(root / "schema.yaml"), dev, message, **kw)  # type: ignore[arg-type]


def _snapshot(url: str) -> Snapshot:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return read_snapshot(conn)
    finally:
        engine.dispose()


def _no_search_path(url: str) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute(f"ALTER DATABASE \"{name}\" SET search_path = ''")


@pytest.fixture
def three_revisions(pg: LocalServer, new_project) -> tuple[Path, GenerateResult]:
    """The golden case's two revisions, then one back to public only (the schema dropped)."""
    root, dev = new_project(), pg.url("postgres")
    shutil.copyfile(CASE / "before.yaml", root / "schema.yaml")
    assert _generate(root, dev, "before").status == "written"
    shutil.copyfile(CASE / "after.yaml", root / "schema.yaml")
    after = _generate(root, dev, "after", allow_destructive=True, allow_hazards=KINDS)
    assert after.status == "written"
    # the proof on synthetic rows fills the tables of every schema (generator.migrate.rowfactory)
    assert {"customers", "billing.invoices", "billing.notes"} <= set(after.data_proof.rows)
    # a table outside public at head gets the online forms and its hazards, as one in public does
    kinds = {h.split(":")[0]: h for h in after.hazards}
    assert kinds["index_build"].startswith("index_build: create index billing.ix_invoices_paid_at on billing.invoices")
    assert kinds["long_validation"].startswith("long_validation: add check ck_invoices_number_positive on billing.invoices")
    second = (root / "migrations" / "versions" / "0002_after.py").read_text()
    assert "op.create_index_online(QName('billing', 'ix_invoices_paid_at'), QName('billing', 'invoices')," in second
    assert "it drops column(s) billing.invoices.paid_at" in second  # the rollback note names the schema
    (root / "schema.yaml").write_text(PUBLIC_ONLY)
    with pytest.raises(DestructiveChange) as refused:
        _generate(root, dev, "public only")
    assert "drop schema billing (everything left in it is lost)" in refused.value.steps
    assert revision_files(root) == ["0001_before.py", "0002_after.py"], "a refused revision must not be written"
    dropped = _generate(root, dev, "public only", allow_destructive=True, allow_hazards=KINDS)
    assert dropped.status == "written"
    return root, dropped


def test_dropping_a_schema_is_destructive_and_comes_last(three_revisions: tuple[Path, GenerateResult]) -> None:
    root, dropped = three_revisions
    assert dropped.summary[-1] == "drop schema billing"
    for step in ("drop table billing.invoices", "drop enum billing.currency", "drop sequence billing.invoice_no_seq",
                 "drop column customers.last_invoice_id"):
        assert step in dropped.summary
    assert "data_loss: drop schema billing (everything left in it is lost) (rows or values are lost)" in dropped.hazards
    first = (root / "migrations" / "versions" / "0001_before.py").read_text()
    assert "op.create_schema('billing', comment='Invoices and payments.')" in first
    assert "op.create_enum(QName('billing', 'currency')" in first  # never split at a dot when it runs
    assert "from generator.migrate.qualified import QName" in first
    assert first.index("op.create_schema(") < first.index("op.create_enum(")


def test_revisions_run_the_same_on_a_database_without_search_path(
    three_revisions: tuple[Path, GenerateResult], pg: LocalServer
) -> None:
    root, _ = three_revisions
    dev = pg.url("postgres")
    with scratch_database(dev, prefix="schemactl_plain") as plain, scratch_database(dev, prefix="schemactl_nopath") as bare:
        _no_search_path(bare)
        for revision in ("0001", "0002", "0003"):
            migrate.upgrade(root, plain, revision)
            migrate.upgrade(root, bare, revision)
            assert _snapshot(bare) == _snapshot(plain), f"at {revision}"
        for revision in ("0002", "0001"):
            migrate.downgrade(root, plain, revision)
            migrate.downgrade(root, bare, revision)
            assert _snapshot(bare) == _snapshot(plain), f"down at {revision}"
        at_first = _snapshot(bare)
        assert {"billing.invoices", "billing.notes", "customers"} <= set(at_first.tables)
        assert at_first.schemas == {"billing": "Invoices and payments."}
        migrate.downgrade(root, bare, "base")
        with scratch_database(dev, prefix="schemactl_empty") as empty:
            nothing = _snapshot(empty)  # an empty database: PostgreSQL's default grants only
        assert _snapshot(bare) == nothing and not nothing.tables and not nothing.schemas


BILLING_TABLE = """\
  billing.invoices:
    comment: One bill (the repo's spec has an invoices table in public too).
    columns:
      id: {type: bigint, primary_key: true, identity: always, comment: Identifier.}
      currency: {type: billing.currency, nullable: false, comment: Currency.}
      number: {type: integer, nullable: false, default_sql: "nextval('billing.invoice_no_seq'::regclass)", comment: Number.}
"""
BILLING_TOP = """\
schemas:
  billing: {comment: Invoices.}
sequences:
  billing.invoice_no_seq: {type: integer, start: 1000, comment: Invoice numbers.}
"""


def test_plain_alembic_autogenerate_writes_a_revision_that_imports_qname_and_runs(
    tmp_path: Path, pg: LocalServer, empty_db: str
) -> None:
    """``alembic revision --autogenerate`` (the env's plugin, not schemactl generate) writes
    names outside public as QName and imports it: the file applies."""
    import os
    import subprocess
    import sys

    from checkout import copy_project
    from migration_helpers import REPO

    text = (REPO / "schema.yaml").read_text()
    text = text.replace("\nenums:\n", "\nenums:\n  billing.currency: {values: [eur, usd], comment: Currency.}\n", 1)
    text = text.replace("\ntables:\n", "\ntables:\n" + BILLING_TABLE, 1) + BILLING_TOP
    project = copy_project(tmp_path / "proj", text)
    migrate.upgrade(project, empty_db, "head")
    before = set(revision_files(project))
    env = dict(os.environ, SCHEMACTL_DEV_DATABASE_URL=pg.url("postgres"))
    done = subprocess.run(
        [str(Path(sys.executable).with_name("alembic")), "-x", f"db={empty_db}", "revision", "--autogenerate",
         "-m", "billing"], cwd=project, capture_output=True, text=True, timeout=300, env=env,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    [written] = set(revision_files(project)) - before
    source = (project / "migrations" / "versions" / written).read_text()
    assert "from generator.migrate.qualified import QName" in source
    assert "op.create_schema('billing', comment='Invoices.')" in source
    assert "op.create_enum(QName('billing', 'currency')" in source
    migrate.upgrade(project, empty_db, "head")
    at_head = _snapshot(empty_db)
    assert {"billing.invoices", "invoices"} <= set(at_head.tables) and "billing.currency" in at_head.enums
    assert "billing.invoice_no_seq" in at_head.sequences
