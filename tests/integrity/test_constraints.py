"""Every constraint of the schema, on a database upgraded to head through the migrations.

The cases are generated from the spec wherever they can be: every unique constraint refuses a
duplicate, every foreign key's ON DELETE does what the spec says, every money column refuses a
negative amount, every hash column refuses what is not 64 lower-case hex characters. A new
unique, FK, ``*_cents`` or hash column in schema.yaml is covered without a new test. The card's
own list (seed-task.md, subtasks 7 and 9) is asserted to be part of the generated cases.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg.errors
import pytest
import sqlalchemy as sa
from integrity_support import SPEC, RowFactory, hex64

from generator.spec import naming

# ------------------------------------------------------------------------------ helpers


def refused(conn: sa.Connection, error: type[Exception], fn, *args: Any, **kwargs: Any) -> Any:
    """Run ``fn`` in a savepoint; it must fail with ``error``. Returns the psycopg exception."""
    with pytest.raises(sa.exc.DBAPIError) as info:
        with conn.begin_nested():
            fn(*args, **kwargs)
    assert isinstance(info.value.orig, error), f"expected {error.__name__}, got {info.value.orig!r}"
    return info.value.orig


def fk_error(conn: sa.Connection, action: str) -> type[Exception]:
    """What deleting a referenced row raises: PostgreSQL 18 reports ON DELETE RESTRICT as
    restrict_violation (23001); 17 and NO ACTION report foreign_key_violation (23503).
    Application code must catch both (or integrity_constraint_violation, class 23)."""
    major = conn.dialect.server_version_info[0]
    if action == "restrict" and major >= 18:
        return psycopg.errors.RestrictViolation
    return psycopg.errors.ForeignKeyViolation


def set_multi_currency(conn: sa.Connection, value: str | None) -> None:
    """SET LOCAL app.multi_currency (None: leave it unset)."""
    if value is not None:
        conn.execute(sa.text("SELECT set_config('app.multi_currency', :v, true)"), {"v": value})


# ------------------------------------------------------------------------------ the row factory


@pytest.mark.parametrize("table", list(SPEC.tables))
def test_a_minimal_row_fits_every_table(rows: RowFactory, table: str) -> None:
    """The factory fills every NOT NULL column without a default validly (it backs every case)."""
    row = rows.insert(table)
    for column in SPEC.tables[table].primary_key:
        assert row[column] is not None


# ------------------------------------------------------------------------------ unique constraints

UNIQUES = [(t.name, u) for t in SPEC.tables.values() for u in t.uniques]
CARD_UNIQUES = {
    ("users", ("email",)), ("users", ("phone",)), ("sessions", ("refresh_token_hash",)),
    ("jobs", ("idempotency_key",)), ("artefacts", ("s3_key",)), ("invoices", ("number",)),
    ("payments", ("provider_ref",)),
}


def test_the_cards_uniques_are_in_the_spec() -> None:
    assert CARD_UNIQUES <= {(table, u.columns) for table, u in UNIQUES}


def without_chain_guard(conn: sa.Connection, table: str) -> None:
    """Switch off the hash-chain guard trigger of ``table`` for the rest of this (rolled back)
    test transaction, so that the constraints it stands in front of can be seen refusing on
    their own: they are the backstop for two uncommitted inserts the trigger cannot see."""
    guarded = SPEC.tables[table].hash_chain is not None
    if guarded:
        conn.execute(sa.text(f'ALTER TABLE "{table}" DISABLE TRIGGER "{naming.chain_guard(table)}"'))


@pytest.mark.parametrize(("table", "unique"), UNIQUES, ids=[u.name for _, u in UNIQUES])
def test_a_duplicate_is_refused_with_the_constraints_name(rows: RowFactory, conn: sa.Connection, table: str, unique) -> None:
    without_chain_guard(conn, table)
    first = rows.insert(table, **{c: rows.value(table, c) for c in unique.columns})
    duplicate = {c: first[c] for c in unique.columns}
    error = refused(conn, psycopg.errors.UniqueViolation, rows.insert, table, **duplicate)
    assert error.diag.constraint_name == unique.name


def test_email_is_unique_in_any_letter_case(rows: RowFactory, conn: sa.Connection) -> None:
    rows.insert("users", email="Ada.Lovelace@Example.com")
    error = refused(conn, psycopg.errors.UniqueViolation, rows.insert, "users", email="ada.lovelace@EXAMPLE.COM")
    assert error.diag.constraint_name == "uq_users_email"
    found = conn.execute(sa.text("SELECT count(*) FROM users WHERE email = 'ADA.LOVELACE@example.com'")).scalar_one()
    assert found == 1  # citext: lookups are case-insensitive too


def test_nullable_uniques_allow_many_nulls(rows: RowFactory) -> None:
    """users.phone and payments.provider_ref are optional: NULLs never collide (NULLS DISTINCT)."""
    for _ in range(2):
        assert rows.insert("users", phone=None)["phone"] is None
        assert rows.insert("payments", provider_ref=None)["provider_ref"] is None


def test_a_second_first_row_in_one_audit_scope_is_a_fork(rows: RowFactory, conn: sa.Connection) -> None:
    """Two rows without a predecessor in one scope are a fork, refused by the database: first
    by the chain guard trigger, and beneath it by uq_audit_logs_scope_prev (NULLS NOT DISTINCT)."""
    rows.insert("audit_logs", scope_type="job", scope_id="fork-test", prev_chain_hash=None, chain_hash=hex64("a"))
    error = refused(
        conn, psycopg.errors.CheckViolation, rows.insert, "audit_logs",
        scope_type="job", scope_id="fork-test", prev_chain_hash=None, chain_hash=hex64("b"),
    )
    assert error.diag.constraint_name == naming.chain_guard("audit_logs")
    without_chain_guard(conn, "audit_logs")
    error = refused(
        conn, psycopg.errors.UniqueViolation, rows.insert, "audit_logs",
        scope_type="job", scope_id="fork-test", prev_chain_hash=None, chain_hash=hex64("b"),
    )
    assert error.diag.constraint_name == "uq_audit_logs_scope_prev"


@pytest.mark.parametrize("statement", ["UPDATE audit_logs SET event_type = 'job.changed'", "DELETE FROM audit_logs", "TRUNCATE audit_logs"])
def test_audit_logs_are_append_only(rows: RowFactory, conn: sa.Connection, statement: str) -> None:
    rows.insert("audit_logs")
    error = refused(conn, psycopg.errors.RaiseException, conn.execute, sa.text(statement))
    assert "append-only" in str(error)


# ------------------------------------------------------------------------------ foreign keys

FOREIGN_KEYS = [(t.name, col, ref) for t in SPEC.tables.values() for col, ref in t.foreign_keys()]
_CONFDELTYPE = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}


def test_the_cards_fk_actions_are_in_the_spec() -> None:
    actions = {(t, c.name, r.table): r.on_delete for t, c, r in FOREIGN_KEYS}
    assert actions[("sessions", "user_id", "users")] == "restrict"
    assert actions[("artefacts", "job_id", "jobs")] == "cascade"
    assert {a for k, a in actions.items() if k != ("artefacts", "job_id", "jobs")} == {"restrict"}


def test_the_database_has_exactly_the_specs_foreign_keys(conn: sa.Connection) -> None:
    found = conn.execute(sa.text("""
        SELECT c.conname, c.confdeltype FROM pg_constraint c
        WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace""")).all()
    expected = {naming.fk_name(t, [c.name], r.table): r.on_delete for t, c, r in FOREIGN_KEYS}
    assert {name: _CONFDELTYPE[kind] for name, kind in found} == expected


@pytest.mark.parametrize(
    ("table", "column", "ref"), FOREIGN_KEYS, ids=[f"{t}.{c.name}->{r.table}:{r.on_delete}" for t, c, r in FOREIGN_KEYS]
)
def test_deleting_the_parent_does_what_on_delete_says(rows: RowFactory, conn: sa.Connection, table: str, column, ref) -> None:
    target = SPEC.referenced_column(ref)
    parent = rows.insert(ref.table)
    child = rows.insert(table, **{column.name: parent[target]})
    child_pk = {c: child[c] for c in SPEC.tables[table].primary_key}
    delete_parent = sa.text(f'DELETE FROM "{ref.table}" WHERE "{target}" = :v').bindparams(v=parent[target])
    fk = naming.fk_name(table, [column.name], ref.table)
    if ref.on_delete in ("restrict", "no action"):
        error = refused(conn, fk_error(conn, ref.on_delete), conn.execute, delete_parent)
        assert error.diag.constraint_name == fk
        return
    conn.execute(delete_parent)
    where = " AND ".join(f'"{c}" = :{c}' for c in child_pk)
    left = conn.execute(sa.text(f'SELECT * FROM "{table}" WHERE {where}'), child_pk).mappings().first()
    if ref.on_delete == "cascade":
        assert left is None, f"{table} row survived the delete of its {ref.table} row"
    elif ref.on_delete == "set null":
        assert left is not None and left[column.name] is None
    else:  # set default
        assert left is not None and left[column.name] != parent[target]


def test_a_job_with_runs_cannot_be_deleted_but_its_artefacts_go_with_it(rows: RowFactory, conn: sa.Connection) -> None:
    """The card's two rules together: artefacts CASCADE, cam_runs RESTRICT."""
    job = rows.insert("jobs")
    rows.insert("artefacts", job_id=job["id"])
    run = rows.insert("cam_runs", job_id=job["id"])
    delete_job = sa.text("DELETE FROM jobs WHERE id = :id").bindparams(id=job["id"])
    error = refused(conn, fk_error(conn, "restrict"), conn.execute, delete_job)
    assert error.diag.constraint_name == "fk_cam_runs_job_id_jobs"
    conn.execute(sa.text("DELETE FROM cam_runs WHERE id = :id"), {"id": run["id"]})
    conn.execute(delete_job)
    assert conn.execute(sa.text("SELECT count(*) FROM artefacts WHERE job_id = :id"), {"id": job["id"]}).scalar_one() == 0


# ------------------------------------------------------------------------------ currency

CURRENCY_TABLES = [t.name for t in SPEC.tables.values() if "currency" in t.columns]


def test_the_billing_tables_have_a_currency() -> None:
    assert set(CURRENCY_TABLES) >= {"invoices", "payments"}


@pytest.mark.parametrize("table", CURRENCY_TABLES)
@pytest.mark.parametrize("setting", [None, "off", "", "true", "ON"], ids=["unset", "off", "empty", "true", "ON"])
def test_only_try_without_multi_currency(rows: RowFactory, conn: sa.Connection, table: str, setting: str | None) -> None:
    """Unset, off, or anything but exactly 'on' means TRY only."""
    if setting is None:  # a fresh session (NullPool): the setting does not exist at all
        assert conn.execute(sa.text("SELECT current_setting('app.multi_currency', true)")).scalar_one() is None
    set_multi_currency(conn, setting)
    assert rows.insert(table, currency="TRY")["currency"] == "TRY"
    for code in ("USD", "EUR", "GBP"):
        error = refused(conn, psycopg.errors.CheckViolation, rows.insert, table, currency=code)
        assert error.diag.constraint_name == f"ck_{table}_currency_allowed"


@pytest.mark.parametrize("table", CURRENCY_TABLES)
def test_usd_eur_gbp_with_multi_currency_on(rows: RowFactory, conn: sa.Connection, table: str) -> None:
    set_multi_currency(conn, "on")
    for code in ("TRY", "USD", "EUR", "GBP"):
        assert rows.insert(table, currency=code)["currency"] == code


@pytest.mark.parametrize("table", CURRENCY_TABLES)
@pytest.mark.parametrize("setting", [None, "on"], ids=["unset", "on"])
@pytest.mark.parametrize("code", ["XXX", "usd", "JPY", "US", "TR1"])
def test_an_unknown_code_is_never_allowed(rows: RowFactory, conn: sa.Connection, table: str, setting: str | None, code: str) -> None:
    set_multi_currency(conn, setting)
    error = refused(conn, psycopg.errors.CheckViolation, rows.insert, table, currency=code)
    assert error.diag.constraint_name in {f"ck_{table}_currency_allowed", f"ck_{table}_currency_iso4217"}


# ------------------------------------------------------------------------------ money

MONEY = [(t.name, c) for t in SPEC.tables.values() for c in t.columns if c.endswith("_cents")]


def test_the_money_columns() -> None:
    assert set(MONEY) >= {("invoices", "amount_cents"), ("invoices", "tax_cents"), ("payments", "amount_cents")}
    for table, column in MONEY:
        assert SPEC.tables[table].columns[column].type_text == "bigint"  # integer minor units


@pytest.mark.parametrize(("table", "column"), MONEY, ids=[f"{t}.{c}" for t, c in MONEY])
def test_negative_money_is_refused(rows: RowFactory, conn: sa.Connection, table: str, column: str) -> None:
    zero = {c: 0 for t, c in MONEY if t == table}
    assert rows.insert(table, **zero)[column] == 0  # zero is fine
    error = refused(conn, psycopg.errors.CheckViolation, rows.insert, table, **{**zero, column: -1})
    guarding = {ck.name for ck in SPEC.tables[table].checks if re.search(rf"\b{column}\b", ck.sql)}
    assert error.diag.constraint_name in guarding


# ------------------------------------------------------------------------------ hashes

# A hash CHECK: `col ~ '^[0-9a-f]{64}$'`, or the cheaper `col ~ '^[0-9a-f]+$' AND length(col) = 64`.
_HEX_CHECK = re.compile(r"\b(\w+) ~ '\^\[0-9a-f\][+{]")
HASHES = [
    (t.name, m.group(1), ck.name)
    for t in SPEC.tables.values()
    for ck in t.checks
    if (m := _HEX_CHECK.search(ck.sql))
]
NOT_HASHES = {
    "non-hex": "g" * 64,
    "upper-case": hex64("x").upper(),
    "63 chars": hex64("x")[:63],
    "65 chars": hex64("x") + "0",
    "prefixed": "sha256:" + hex64("x")[:57],
    "raw token": "rt_9f8e7d6c5b4a39281706f5e4d3c2b1a0rt_9f8e7d6c5b4a39281706f5e4d3",
    "trailing newline": hex64("x") + "\n",
    "empty": "",
}


def test_the_hash_columns() -> None:
    assert {(t, c) for t, c, _ in HASHES} >= {
        ("sessions", "refresh_token_hash"), ("models", "sha256"), ("jobs", "request_fingerprint"),
        ("artefacts", "sha256"), ("audit_logs", "chain_hash"), ("audit_logs", "prev_chain_hash"),
    }


@pytest.mark.parametrize(("table", "column", "check"), HASHES, ids=[f"{t}.{c}" for t, c, _ in HASHES])
def test_a_hash_column_takes_only_lower_case_hex_sha256(rows: RowFactory, conn: sa.Connection, table: str, column: str, check: str) -> None:
    without_chain_guard(conn, table)  # a made-up prev_chain_hash is no link: the format CHECK is the point
    assert rows.insert(table, **{column: hex64(f"ok-{table}-{column}")})[column] == hex64(f"ok-{table}-{column}")
    for label, value in NOT_HASHES.items():
        error = refused(conn, psycopg.errors.CheckViolation, rows.insert, table, **{column: value})
        assert error.diag.constraint_name == check, label
