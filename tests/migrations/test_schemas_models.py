"""The generated models (``schemactl models``) of a spec with a schema other than public
(issue 17 item 5): a table outside public is mapped with ``__table_args__`` holding its
``"schema"``, an enum there with its schema, and ``Base.metadata.create_all`` in a test
database builds the catalog the spec's DDL builds (the schema, its comment, the sequence, the
foreign keys into public and back)."""

from __future__ import annotations

import sys
import types

import sqlalchemy as sa
from migration_helpers import CASES
from sqlalchemy.pool import NullPool

from generator.pg.catalog import Snapshot, compare, read_snapshot
from generator.pg.database import scratch_database
from generator.pg.server import LocalServer
from generator.schema import orm_codegen
from generator.schema.ddl import ddl_script
from generator.spec import load_spec


def _built(url: str, build) -> Snapshot:
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            build(conn)
        with engine.connect() as conn:
            return read_snapshot(conn)
    finally:
        engine.dispose()


def test_create_all_of_the_models_builds_the_specs_schema(pg: LocalServer, monkeypatch) -> None:
    spec = load_spec(CASES / "schemas_created_changed" / "after.yaml")
    source = orm_codegen.render(spec)
    assert '__tablename__ = "invoices"' in source
    assert '{"schema": "billing", "comment": "One bill, sent once."},' in source
    assert 'BILLING_CURRENCY_TYPE.schema = "billing"' in source
    assert 'sa.ForeignKey("billing.invoices.id", ondelete="SET NULL")' in source
    assert '"billing.invoices": BillingInvoice,' in source  # MODELS keeps the canonical name
    module = types.ModuleType("models_under_test_schemas")
    monkeypatch.setitem(sys.modules, "models_under_test_schemas", module)  # the ORM resolves annotations there
    exec(compile(source, "models_under_test_schemas.py", "exec"), module.__dict__)  # noqa: S102 - our own generated code
    with scratch_database(pg.url(), prefix="models_ns_a") as from_models, \
            scratch_database(pg.url(), prefix="models_ns_b") as from_ddl:
        built = _built(from_models, module.Base.metadata.create_all)

        def run_ddl(conn) -> None:
            for statement in ddl_script(spec):
                conn.exec_driver_sql(statement.replace("%", "%%"))

        wanted = _built(from_ddl, run_ddl)
    assert wanted.schemas == {"billing": "Invoices, payments and refunds."}
    assert {"customers", "billing.invoices"} <= set(wanted.tables) and wanted.sequences
    assert compare(built, wanted) == []
