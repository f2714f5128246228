"""billing tables

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 12:17:22.251728+00:00

Rollback: the downgrade drops table(s) invoices, payments with every row in them. In production, take a backup (pg_dump) first, or roll forward with a new revision instead.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_enum('invoice_status', ['draft', 'issued', 'paid', 'void', 'refunded'], comment='Lifecycle of an invoice; only draft invoices may lack issued_at.')
    op.create_enum('payment_status', ['pending', 'authorized', 'succeeded', 'failed', 'cancelled', 'refunded'], comment='Lifecycle of one payment attempt at a provider.')
    op.create_enum('payment_provider', ['iyzico', 'paytr', 'stripe', 'bank_transfer'], comment='Payment service provider that processed a payment.')
    op.create_table('invoices',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('user_id', sa.UUID(), autoincrement=False, nullable=False, comment='Billed account.'),
    sa.Column('license_id', sa.UUID(), autoincrement=False, nullable=True, comment='License the invoice bills, if any (NULL for one-off charges).'),
    sa.Column('number', sa.Text(), autoincrement=False, nullable=False, comment='Human-facing invoice number (e.g. INV-2025-000123); unique, assigned when the invoice is created.'),
    sa.Column('amount_cents', sa.BigInteger(), autoincrement=False, nullable=False, comment='Gross total in minor units of currency, tax included; never negative.'),
    sa.Column('tax_cents', sa.BigInteger(), server_default=sa.text('0'), autoincrement=False, nullable=False, comment='Tax (KDV/VAT) part of amount_cents in minor units.'),
    sa.Column('currency', sa.CHAR(length=3), server_default=sa.text("'TRY'"), autoincrement=False, nullable=False, comment='ISO 4217 code. TRY always; USD, EUR, GBP only while app.multi_currency = on.'),
    sa.Column('status', postgresql.ENUM(name='invoice_status', create_type=False), server_default=sa.text("'draft'"), autoincrement=False, nullable=False, comment='Lifecycle state.'),
    sa.Column('issued_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='Issue time; NULL only while status is draft.'),
    sa.Column('due_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='Payment due time; not before issued_at.'),
    sa.Column('meta', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Billing details snapshot: line items, billing address, tax ids, e-invoice (e-Fatura) references. Not indexed.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Row creation time (UTC).'),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Last update time; set by the application on every UPDATE.'),
    sa.CheckConstraint("currency = 'TRY' OR (currency IN ('USD', 'EUR', 'GBP') AND coalesce(current_setting('app.multi_currency', true), 'off') = 'on')", name=op.f('ck_invoices_currency_allowed')),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_invoices_currency_iso4217')),
    sa.CheckConstraint("number ~ '^[A-Z0-9-]{4,32}$'", name=op.f('ck_invoices_number_format')),
    sa.CheckConstraint("status = 'draft' OR issued_at IS NOT NULL", name=op.f('ck_invoices_issued_unless_draft')),
    sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_invoices_amount_nonneg')),
    sa.CheckConstraint('due_at >= issued_at', name=op.f('ck_invoices_due_after_issued')),
    sa.CheckConstraint('tax_cents >= 0 AND tax_cents <= amount_cents', name=op.f('ck_invoices_tax_within_amount')),
    sa.ForeignKeyConstraint(['license_id'], ['licenses.id'], name=op.f('fk_invoices_license_id_licenses'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invoices_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('number', name=op.f('uq_invoices_number')),
    comment='Invoices issued to users. Amounts are integer minor units (kuruş, cents).'
    )
    op.create_index(op.f('ix_invoices_issued_at'), 'invoices', ['issued_at'], unique=False)
    op.create_index(op.f('ix_invoices_license_id'), 'invoices', ['license_id'], unique=False)
    op.create_index(op.f('ix_invoices_status'), 'invoices', ['status'], unique=False)
    op.create_index(op.f('ix_invoices_user_id'), 'invoices', ['user_id'], unique=False)
    op.create_table('payments',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('invoice_id', sa.UUID(), autoincrement=False, nullable=False, comment='Invoice being paid.'),
    sa.Column('provider', postgresql.ENUM(name='payment_provider', create_type=False), autoincrement=False, nullable=False, comment='Payment service provider.'),
    sa.Column('provider_ref', sa.Text(), autoincrement=False, nullable=True, comment="Provider's transaction / payment id; unique when set, NULL until the provider assigns one (and for bank transfers not yet matched). Lets the application deduplicate provider webhooks."),
    sa.Column('amount_cents', sa.BigInteger(), autoincrement=False, nullable=False, comment='Amount in minor units of currency; never negative.'),
    sa.Column('currency', sa.CHAR(length=3), server_default=sa.text("'TRY'"), autoincrement=False, nullable=False, comment='ISO 4217 code. TRY always; USD, EUR, GBP only while app.multi_currency = on.'),
    sa.Column('status', postgresql.ENUM(name='payment_status', create_type=False), server_default=sa.text("'pending'"), autoincrement=False, nullable=False, comment='Lifecycle state as last reported by the provider.'),
    sa.Column('paid_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='When the provider confirmed the money; required once status is succeeded.'),
    sa.Column('failure_reason', sa.Text(), autoincrement=False, nullable=True, comment='Provider error code / message for failed payments.'),
    sa.Column('meta', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Raw provider payload subset (installments, card brand, last4, 3-D Secure result). Never card numbers. Not indexed.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Row creation time (UTC).'),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Last update time; set by the application on every UPDATE.'),
    sa.CheckConstraint("currency = 'TRY' OR (currency IN ('USD', 'EUR', 'GBP') AND coalesce(current_setting('app.multi_currency', true), 'off') = 'on')", name=op.f('ck_payments_currency_allowed')),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_payments_currency_iso4217')),
    sa.CheckConstraint("status <> 'succeeded' OR paid_at IS NOT NULL", name=op.f('ck_payments_paid_when_succeeded')),
    sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_payments_amount_nonneg')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payments_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('provider_ref', name=op.f('uq_payments_provider_ref')),
    comment='Payment attempts against invoices at a payment provider. Amounts are integer minor units.'
    )
    op.create_index(op.f('ix_payments_invoice_id'), 'payments', ['invoice_id'], unique=False)
    op.create_index(op.f('ix_payments_paid_at'), 'payments', ['paid_at'], unique=False)
    op.create_index(op.f('ix_payments_status'), 'payments', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_payments_status'), table_name='payments')
    op.drop_index(op.f('ix_payments_paid_at'), table_name='payments')
    op.drop_index(op.f('ix_payments_invoice_id'), table_name='payments')
    op.drop_table('payments')
    op.drop_index(op.f('ix_invoices_user_id'), table_name='invoices')
    op.drop_index(op.f('ix_invoices_status'), table_name='invoices')
    op.drop_index(op.f('ix_invoices_license_id'), table_name='invoices')
    op.drop_index(op.f('ix_invoices_issued_at'), table_name='invoices')
    op.drop_table('invoices')
    op.drop_enum('payment_provider', ['iyzico', 'paytr', 'stripe', 'bank_transfer'], comment='Payment service provider that processed a payment.')
    op.drop_enum('payment_status', ['pending', 'authorized', 'succeeded', 'failed', 'cancelled', 'refunded'], comment='Lifecycle of one payment attempt at a provider.')
    op.drop_enum('invoice_status', ['draft', 'issued', 'paid', 'void', 'refunded'], comment='Lifecycle of an invoice; only draft invoices may lack issued_at.')
