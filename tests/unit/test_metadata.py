"""generator.schema.metadata: the real schema.yaml as SQLAlchemy MetaData, checked without a database."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from project_facts import FACTS
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlalchemy.sql.elements import conv

from generator.schema.metadata import build_metadata
from generator.spec import Spec, load_spec, naming, parse_spec
from generator.spec.model import NO_DEFAULT
from generator.spec.types import literal_sql

SPEC_FILE = Path(__file__).resolve().parents[2] / "schema.yaml"
DIALECT = postgresql.dialect()
ACTIONS = {
    "restrict": "RESTRICT",
    "cascade": "CASCADE",
    "set null": "SET NULL",
    "set default": "SET DEFAULT",
    "no action": None,
}


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(SPEC_FILE)


@pytest.fixture(scope="module")
def md(spec: Spec) -> sa.MetaData:
    return build_metadata(spec)


def ddl(element: object) -> str:
    return " ".join(str(element.compile(dialect=DIALECT)).split())  # type: ignore[attr-defined]


def constraints(table: sa.Table, kind: type) -> dict[str, sa.Constraint]:
    return {str(c.name): c for c in table.constraints if isinstance(c, kind)}


# ------------------------------------------------------------------ tables and columns


def test_seventeen_tables_in_spec_order(spec: Spec, md: sa.MetaData) -> None:
    assert len(md.tables) == FACTS.tables
    assert list(md.tables) == list(spec.tables)
    assert md.info["spec"] is spec


def test_columns_match_the_spec(spec: Spec, md: sa.MetaData) -> None:
    for table in spec.tables.values():
        t = md.tables[table.name]
        assert list(t.c.keys()) == list(table.columns)
        for col in table.columns.values():
            assert t.c[col.name].nullable is col.nullable, f"{table.name}.{col.name}"
        assert [c.name for c in t.primary_key.columns] == list(table.primary_key)


def test_every_table_and_column_has_a_comment(md: sa.MetaData) -> None:
    for t in md.tables.values():
        assert t.comment and t.comment.strip(), t.name
        for c in t.columns:
            assert c.comment and c.comment.strip(), f"{t.name}.{c.name}"


def test_enum_types_carry_their_values(spec: Spec, md: sa.MetaData) -> None:
    role = md.tables["users"].c.role.type
    assert isinstance(role, postgresql.ENUM)
    assert role.name == "user_role"
    assert list(role.enums) == list(spec.enums["user_role"].values)
    # one type object per enum, shared by every column using it
    assert md.tables["cam_runs"].c.status.type is md.tables["sim_runs"].c.status.type


def test_identity_column(md: sa.MetaData) -> None:
    identity = md.tables["audit_logs"].c.id.identity
    assert identity is not None and identity.always is True


# ------------------------------------------------------------------ keys and constraints


def test_every_foreign_key_has_the_spec_on_delete(spec: Spec, md: sa.MetaData) -> None:
    seen = 0
    for table in spec.tables.values():
        fks = constraints(md.tables[table.name], sa.ForeignKeyConstraint)
        assert len(fks) == len(table.foreign_keys())
        for col, ref in table.foreign_keys():
            fk = fks[naming.fk_name(table.name, [col.name], ref.table)]
            assert fk.column_keys == [col.name]
            assert fk.referred_table.name == ref.table
            assert [e.column.name for e in fk.elements] == [spec.referenced_column(ref)]
            assert fk.ondelete == ACTIONS[ref.on_delete], f"{table.name}.{col.name}"
            assert fk.onupdate == ACTIONS[ref.on_update]
            seen += 1
    assert seen >= 16


def test_every_on_delete_is_written_out_in_the_spec(spec: Spec) -> None:
    for table in spec.tables.values():
        for col, _ in table.foreign_keys():
            assert (
                "on_delete" in spec.raw["tables"][table.name]["columns"][col.name]["references"]
            ), f"{table.name}.{col.name}"


def test_artefacts_are_deleted_with_their_job(md: sa.MetaData) -> None:
    fk = constraints(md.tables["artefacts"], sa.ForeignKeyConstraint)["fk_artefacts_job_id_jobs"]
    assert fk.ondelete == "CASCADE"
    assert "ON DELETE CASCADE" in ddl(CreateTable(md.tables["artefacts"]))


def test_names_follow_the_convention(spec: Spec, md: sa.MetaData) -> None:
    for table in spec.tables.values():
        t = md.tables[table.name]
        assert t.primary_key.name == f"pk_{table.name}"
        expected_uq = {
            u.name
            if u.name != naming.uq_name(table.name, u.columns)
            else f"uq_{table.name}_{'_'.join(u.columns)}"
            for u in table.uniques
        }
        assert set(constraints(t, sa.UniqueConstraint)) == expected_uq
        assert set(constraints(t, sa.CheckConstraint)) == {
            f"ck_{table.name}_{ck.short_name}" for ck in table.checks
        }
        assert set(constraints(t, sa.ForeignKeyConstraint)) == {
            f"fk_{table.name}_{col.name}_{ref.table}" for col, ref in table.foreign_keys()
        }
        expected_ix = {
            ix.name if ix.explicit_name else f"ix_{table.name}_{'_'.join(ix.column_names)}"
            for ix in table.indexes
        }
        assert {str(ix.name) for ix in t.indexes} == expected_ix
        for c in [*t.constraints, *t.indexes]:
            assert isinstance(c.name, conv), f"{c.name} would be renamed by the naming convention"
            assert len(str(c.name).encode()) <= 63


def test_explicit_names_are_kept(md: sa.MetaData) -> None:
    assert "uq_audit_logs_scope_prev" in constraints(md.tables["audit_logs"], sa.UniqueConstraint)
    assert "ix_notifications_user_id_created_at_unread" in {
        ix.name for ix in md.tables["notifications"].indexes
    }


def test_nulls_not_distinct_on_the_audit_fork_guard(md: sa.MetaData) -> None:
    t = md.tables["audit_logs"]
    uq = constraints(t, sa.UniqueConstraint)["uq_audit_logs_scope_prev"]
    assert uq.dialect_options["postgresql"]["nulls_not_distinct"] is True
    assert [c.name for c in uq.columns] == ["scope_type", "scope_id", "prev_chain_hash"]
    plain = constraints(t, sa.UniqueConstraint)["uq_audit_logs_chain_hash"]
    assert not plain.dialect_options["postgresql"]["nulls_not_distinct"]
    assert (
        "CONSTRAINT uq_audit_logs_scope_prev UNIQUE NULLS NOT DISTINCT (scope_type, scope_id, prev_chain_hash)"
        in ddl(CreateTable(t))
    )


# ------------------------------------------------------------------ indexes


def test_gin_indexes_use_gin_on_jsonb(spec: Spec, md: sa.MetaData) -> None:
    gin = 0
    for table in spec.tables.values():
        by_name = {ix.name: ix for ix in md.tables[table.name].indexes}
        for ix in table.indexes:
            using = by_name[ix.name].dialect_options["postgresql"]["using"]
            if ix.using == "gin":
                gin += 1
                assert using == "gin"
                col = md.tables[table.name].c[ix.column_names[0]]
                assert isinstance(col.type, postgresql.JSONB)
            else:
                assert not using
    assert gin >= 5  # models.params, jobs.metrics, jobs.params, artefacts.meta, audit_logs.payload
    payload = {ix.name: ix for ix in md.tables["audit_logs"].indexes}["ix_audit_logs_payload"]
    assert (
        ddl(CreateIndex(payload))
        == "CREATE INDEX ix_audit_logs_payload ON audit_logs USING gin (payload)"
    )


def test_partial_index(md: sa.MetaData) -> None:
    ix = {ix.name: ix for ix in md.tables["notifications"].indexes}[
        "ix_notifications_user_id_created_at_unread"
    ]
    assert str(ix.dialect_options["postgresql"]["where"]) == "read_at IS NULL"
    assert ddl(CreateIndex(ix)) == (
        "CREATE INDEX ix_notifications_user_id_created_at_unread ON notifications (user_id, created_at) WHERE read_at IS NULL"
    )
    others = [i for i in md.tables["notifications"].indexes if i is not ix]
    assert all(i.dialect_options["postgresql"]["where"] is None for i in others)


def test_descending_index_column(md: sa.MetaData) -> None:
    ix = {ix.name: ix for ix in md.tables["jobs"].indexes}["ix_jobs_user_id_created_at"]
    assert (
        ddl(CreateIndex(ix))
        == "CREATE INDEX ix_jobs_user_id_created_at ON jobs (user_id, created_at DESC)"
    )


# ------------------------------------------------------------------ defaults


def test_server_defaults_are_rendered_from_the_spec(spec: Spec, md: sa.MetaData) -> None:
    for table in spec.tables.values():
        for col in table.columns.values():
            default = md.tables[table.name].c[col.name].server_default
            if col.identity is not None:
                assert isinstance(default, sa.Identity)
            elif col.default_sql is not None:
                assert default is not None and str(default.arg) == col.default_sql
            elif col.default is not NO_DEFAULT:
                assert col.ctype is not None
                assert default is not None and str(default.arg) == literal_sql(
                    col.ctype, col.default
                )
            else:
                assert default is None, f"{table.name}.{col.name}"


@pytest.mark.parametrize(
    ("table", "column", "sql"),
    [
        ("users", "id", "gen_random_uuid()"),
        ("users", "role", "'customer'"),
        ("users", "locale", "'tr-TR'"),
        ("users", "created_at", "now()"),
        ("licenses", "seats", "1"),
        ("licenses", "features", "'{}'"),
        ("invoices", "currency", "'TRY'"),
        ("invoices", "tax_cents", "0"),
        ("machines", "active", "true"),
    ],
)
def test_server_default_text(md: sa.MetaData, table: str, column: str, sql: str) -> None:
    assert str(md.tables[table].c[column].server_default.arg) == sql


# ------------------------------------------------------------------ DDL


def test_create_table_ddl_of_users(md: sa.MetaData) -> None:
    text = ddl(CreateTable(md.tables["users"]))
    for fragment in [
        "CREATE TABLE users (",
        "id UUID DEFAULT gen_random_uuid() NOT NULL",
        "email CITEXT NOT NULL",
        "role user_role DEFAULT 'customer' NOT NULL",
        "created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL",
        "deleted_at TIMESTAMP WITH TIME ZONE,",
        "CONSTRAINT pk_users PRIMARY KEY (id)",
        "CONSTRAINT uq_users_email UNIQUE (email)",
        "CONSTRAINT ck_users_email_format CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND length(email) <= 254)",
    ]:
        assert fragment in text, fragment


def test_create_table_ddl_of_audit_logs(md: sa.MetaData) -> None:
    text = ddl(CreateTable(md.tables["audit_logs"]))
    for fragment in [
        "id BIGINT GENERATED ALWAYS AS IDENTITY",
        "payload JSONB DEFAULT '{}' NOT NULL",
        "CONSTRAINT fk_audit_logs_actor_user_id_users FOREIGN KEY(actor_user_id) REFERENCES users (id) ON DELETE RESTRICT",
        "CONSTRAINT uq_audit_logs_chain_hash UNIQUE (chain_hash)",
        "CONSTRAINT ck_audit_logs_chain_hash_hex CHECK (chain_hash ~ '^[0-9a-f]{64}$')",
    ]:
        assert fragment in text, fragment


def test_create_table_ddl_of_money_and_sizes(md: sa.MetaData) -> None:
    invoices = ddl(CreateTable(md.tables["invoices"]))
    assert "amount_cents BIGINT NOT NULL" in invoices
    assert "currency CHAR(3) DEFAULT 'TRY' NOT NULL" in invoices
    assert "current_setting('app.multi_currency', true)" in invoices
    assert "diameter_mm NUMERIC(8, 3) NOT NULL" in ddl(CreateTable(md.tables["tools"]))
    assert "ip INET" in ddl(CreateTable(md.tables["sessions"]))


TYPES_SPEC = """\
version: 1
enums:
  color: {comment: Colours., values: [red, "it's"]}
tables:
  kinds:
    comment: One column of every type.
    columns:
      id: {type: integer, primary_key: true, identity: by default, comment: c}
      a: {type: smallint, default: -1, comment: c}
      b: {type: "numeric(10,2)", default: 1.5, comment: c}
      c: {type: numeric, comment: c}
      d: {type: real, comment: c}
      e: {type: double precision, comment: c}
      f: {type: "varchar(20)", default: "it's", comment: c}
      g: {type: "char(2)", comment: c}
      h: {type: "text[]", default: [x, "y z"], comment: c}
      i: {type: json, comment: c}
      j: {type: jsonb, default: {k: [1, true]}, comment: c}
      k: {type: date, default: current_date, comment: c}
      l: {type: time, comment: c}
      m: {type: timestamp, comment: c}
      n: {type: interval, default: 1 day, comment: c}
      o: {type: bytea, comment: c}
      p: {type: cidr, comment: c}
      q: {type: macaddr, comment: c}
      r: {type: "color[]", comment: c}
      s: {type: color, default: "it's", comment: c}
      t: {type: text, default_sql: "md5(random()::text)", comment: c}
      u: {type: boolean, default: false, comment: c}
"""


def test_every_type_renders() -> None:
    md = build_metadata(parse_spec(TYPES_SPEC))
    text = ddl(CreateTable(md.tables["kinds"]))
    for fragment in [
        "id INTEGER GENERATED BY DEFAULT AS IDENTITY",
        "a SMALLINT DEFAULT -1",
        "b NUMERIC(10, 2) DEFAULT 1.5",
        "c NUMERIC,",
        "d REAL,",
        "e DOUBLE PRECISION,",
        "f VARCHAR(20) DEFAULT 'it''s'",
        "g CHAR(2),",
        """h TEXT[] DEFAULT '{"x","y z"}'""",
        "i JSON,",
        """j JSONB DEFAULT '{"k":[1,true]}'""",
        "k DATE DEFAULT current_date",
        "l TIME WITHOUT TIME ZONE,",
        "m TIMESTAMP WITHOUT TIME ZONE,",
        "n INTERVAL DEFAULT '1 day'",
        "o BYTEA,",
        "p CIDR,",
        "q MACADDR,",
        "r color[],",
        "s color DEFAULT 'it''s'",
        "t TEXT DEFAULT md5(random()::text)",
        "u BOOLEAN DEFAULT false",
        "CONSTRAINT pk_kinds PRIMARY KEY (id)",
    ]:
        assert fragment in text, fragment


def test_build_is_pure_and_repeatable(spec: Spec) -> None:
    a, b = build_metadata(spec), build_metadata(spec)
    assert a is not b
    assert [ddl(CreateTable(t)) for t in a.sorted_tables] == [
        ddl(CreateTable(t)) for t in b.sorted_tables
    ]
