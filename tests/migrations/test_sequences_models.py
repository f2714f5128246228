"""The generated models (``schemactl models``) of a spec with sequences and identity options:
``Base.metadata.create_all`` in a test database builds the catalog the spec's DDL builds
(sequences before the tables, OWNED BY and identity sequence names after, identity options)."""

from __future__ import annotations

import sys
import types

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from generator.pg.catalog import compare, read_snapshot
from generator.pg.database import scratch_database
from generator.pg.server import LocalServer
from generator.schema import orm_codegen
from generator.schema.ddl import ddl_script
from generator.spec import parse_spec

SPEC = """\
version: 1
settings: {require_comments: false}
sequences:
  order_no_seq: {type: integer, start: 1000, increment: 5, max: 999999, cache: 3, comment: "Order numbers, 100%."}
  shop_id_seq: {owned_by: shop.id}
tables:
  shop:
    columns:
      id: {type: bigint, primary_key: true, default_sql: "nextval('shop_id_seq'::regclass)"}
      order_no: {type: integer, nullable: false, default_sql: "nextval('order_no_seq'::regclass)"}
  ticket:
    columns:
      id: {type: bigint, primary_key: true, identity: {generated: always, sequence: ticket_numbers, start: 50, cache: 10}}
"""


def test_create_all_of_the_models_builds_the_specs_sequences(pg: LocalServer, monkeypatch) -> None:
    spec = parse_spec(SPEC)
    source = orm_codegen.render(spec)
    assert "sa.Identity(always=True, start=50, cache=10)" in source
    module = types.ModuleType("models_under_test")
    monkeypatch.setitem(sys.modules, "models_under_test", module)  # the ORM resolves annotations there
    exec(compile(source, "models_under_test.py", "exec"), module.__dict__)  # noqa: S102 - our own generated code
    with scratch_database(pg.url(), prefix="models_seq_a") as from_models, scratch_database(pg.url(), prefix="models_seq_b") as from_ddl:
        engine = sa.create_engine(from_models, poolclass=NullPool)
        try:
            with engine.begin() as conn:
                module.Base.metadata.create_all(conn)
            with engine.connect() as conn:
                built = read_snapshot(conn)
        finally:
            engine.dispose()
        engine = sa.create_engine(from_ddl, poolclass=NullPool)
        try:
            with engine.begin() as conn:
                for statement in ddl_script(spec):
                    conn.exec_driver_sql(statement.replace("%", "%%"))
            with engine.connect() as conn:
                wanted = read_snapshot(conn)
        finally:
            engine.dispose()
    assert wanted.sequences and wanted.identities
    assert compare(built, wanted) == []
