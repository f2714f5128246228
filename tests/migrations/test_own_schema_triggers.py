"""Our own schema uses triggers and views where it should (issue 17 item 9), after the
committed chain is applied: ``updated_at`` is kept by one shared trigger function on every
table that has the column, and the reporting view ``customer_invoice_totals`` adds up what it
says it adds up.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
import yaml
from migration_helpers import REPO

from generator.migrate import api as migrate
from generator.pg.database import connect

SPEC = yaml.safe_load((REPO / "schema.yaml").read_text(encoding="utf-8"))
WITH_UPDATED_AT = sorted(name for name, t in SPEC["tables"].items() if "updated_at" in t["columns"])


@pytest.fixture
def head_db(empty_db: str) -> Iterator[sa.Engine]:
    migrate.upgrade(REPO, empty_db, "head")
    engine = connect(empty_db)
    try:
        yield engine
    finally:
        engine.dispose()


def test_the_spec_names_a_touch_trigger_for_every_updated_at_table() -> None:
    assert len(WITH_UPDATED_AT) >= 12
    for name in WITH_UPDATED_AT:
        triggers = SPEC["tables"][name].get("triggers") or []
        assert [t["function"] for t in triggers if t["function"] == "touch_updated_at"] == ["touch_updated_at"], name


def test_every_updated_at_table_has_the_before_update_row_trigger(head_db: sa.Engine) -> None:
    with head_db.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal AND p.proname = 'touch_updated_at' "
            "AND t.tgenabled = 'O'"
        ).all()
    assert sorted(r[0] for r in rows) == WITH_UPDATED_AT
    for table, definition in rows:
        assert f"BEFORE UPDATE ON public.{table} FOR EACH ROW EXECUTE FUNCTION touch_updated_at()" in definition


def test_an_update_moves_updated_at_even_when_it_writes_an_old_value(head_db: sa.Engine) -> None:
    with head_db.begin() as conn:
        uid = conn.exec_driver_sql(
            "INSERT INTO users (email, created_at, updated_at) VALUES ('t@example.com', '2020-01-01', '2020-01-01') "
            "RETURNING id"
        ).scalar_one()
        assert str(conn.exec_driver_sql("SELECT updated_at FROM users").scalar_one().year) == "2020"  # INSERT: untouched
    with head_db.begin() as conn:
        conn.exec_driver_sql("UPDATE users SET display_name = 'T', updated_at = '2021-01-01' WHERE id = %(id)s",
                             {"id": uid})
        now, updated = conn.exec_driver_sql("SELECT now(), updated_at FROM users").one()
    assert updated == now


def test_customer_invoice_totals_adds_up_try_invoices_by_status(head_db: sa.Engine) -> None:
    with head_db.begin() as conn:
        uid = conn.exec_driver_sql("INSERT INTO users (email) VALUES ('c@example.com') RETURNING id").scalar_one()
        for number, cents, status, issued, due in [
            ("INV-1", 1000, "draft", None, None),
            ("INV-2", 2000, "issued", "2026-01-01", "2026-01-15"),   # overdue
            ("INV-3", 4000, "issued", "2026-01-01", "2999-01-01"),   # outstanding, not due
            ("INV-4", 8000, "paid", "2026-02-01", "2026-02-15"),
            ("INV-5", 16000, "refunded", "2026-03-01", None),
            ("INV-6", 32000, "void", "2026-03-02", None),
        ]:
            conn.exec_driver_sql(
                "INSERT INTO invoices (user_id, number, amount_cents, status, issued_at, due_at) "
                "VALUES (%(u)s, %(n)s, %(c)s, %(s)s, %(i)s, %(d)s)",
                {"u": uid, "n": number, "c": cents, "s": status, "i": issued, "d": due},
            )
    with head_db.connect() as conn:
        row = conn.exec_driver_sql("SELECT * FROM customer_invoice_totals").mappings().one()
    assert row["user_id"] == uid
    assert (row["invoices"], row["draft_invoices"]) == (6, 1)
    assert row["billed_cents"] == 2000 + 4000 + 8000 + 16000
    assert row["paid_cents"] == 8000
    assert row["outstanding_cents"] == 6000
    assert row["overdue_cents"] == 2000
    assert row["last_issued_at"].isoformat().startswith("2026-03-02")
