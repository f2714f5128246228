"""security and audit tables

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 12:17:26.848059+00:00

Rollback: the downgrade drops table(s) audit_logs, security_events with every row in them. In production, take a backup (pg_dump) first, or roll forward with a new revision instead.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_enum('security_event_type', ['login_succeeded', 'login_failed', 'logout', 'password_changed', 'password_reset_requested', 'mfa_enabled', 'mfa_disabled', 'session_revoked', 'refresh_token_reused', 'account_locked', 'rate_limited'], comment='Kind of security-relevant event recorded in security_events.')
    op.create_table('audit_logs',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=True), nullable=False, comment='Insertion order (GENERATED ALWAYS AS IDENTITY); the chain head of a scope is its highest id.'),
    sa.Column('scope_type', sa.Text(), autoincrement=False, nullable=False, comment='Kind of chain scope: user, job, license, invoice, system...'),
    sa.Column('scope_id', sa.Text(), autoincrement=False, nullable=False, comment="Id within the scope type (a uuid as text, or 'global' for the system scope)."),
    sa.Column('actor_user_id', sa.UUID(), autoincrement=False, nullable=True, comment='User who caused the event; NULL for system actions.'),
    sa.Column('event_type', sa.Text(), autoincrement=False, nullable=False, comment='Dotted event name, e.g. job.created, license.renewed, user.role_changed.'),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Event details; hashed as canonical JSON. GIN-indexed (investigations filter on it).'),
    sa.Column('prev_chain_hash', sa.Text(), autoincrement=False, nullable=True, comment='chain_hash of the previous row of the same scope (64 lower-case hex); NULL only for the first row of a scope.'),
    sa.Column('chain_hash', sa.Text(), autoincrement=False, nullable=False, comment='sha256(prev_chain_hash || canonical_json(record)) as 64 lower-case hex.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Insertion time (UTC); part of the hashed record.'),
    sa.CheckConstraint("chain_hash ~ '^[0-9a-f]{64}$'", name=op.f('ck_audit_logs_chain_hash_hex')),
    sa.CheckConstraint("event_type ~ '^[a-z][a-z0-9_.]{0,63}$'", name=op.f('ck_audit_logs_event_type_format')),
    sa.CheckConstraint("prev_chain_hash ~ '^[0-9a-f]{64}$'", name=op.f('ck_audit_logs_prev_hash_hex')),
    sa.CheckConstraint("scope_type ~ '^[a-z][a-z0-9_]{0,31}$'", name=op.f('ck_audit_logs_scope_type_format')),
    sa.CheckConstraint('length(scope_id) BETWEEN 1 AND 200', name=op.f('ck_audit_logs_scope_id_len')),
    sa.CheckConstraint('prev_chain_hash <> chain_hash', name=op.f('ck_audit_logs_not_self_linked')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_audit_logs_actor_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_logs')),
    sa.UniqueConstraint('chain_hash', name=op.f('uq_audit_logs_chain_hash')),
    sa.UniqueConstraint('scope_type', 'scope_id', 'prev_chain_hash', name=op.f('uq_audit_logs_scope_prev'), postgresql_nulls_not_distinct=True),
    comment='Append-only, hash-chained audit trail. Each scope (scope_type, scope_id) is one chain: chain_hash = sha256(prev_chain_hash || canonical_json(record)), computed by the app in the inserting transaction.'
    )
    op.create_append_only_guard('audit_logs')
    op.create_index(op.f('ix_audit_logs_actor_user_id'), 'audit_logs', ['actor_user_id'], unique=False)
    op.create_index(op.f('ix_audit_logs_event_type'), 'audit_logs', ['event_type'], unique=False)
    op.create_table('security_events',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('user_id', sa.UUID(), autoincrement=False, nullable=True, comment='Affected user; NULL when unknown (e.g. a failed login for an unregistered e-mail).'),
    sa.Column('type', postgresql.ENUM(name='security_event_type', create_type=False), autoincrement=False, nullable=False, comment='Kind of event.'),
    sa.Column('ip', postgresql.INET(), autoincrement=False, nullable=True, comment='Client IP address.'),
    sa.Column('ua', sa.Text(), autoincrement=False, nullable=True, comment='Client User-Agent header.'),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Event context: reason, session id, rate-limit bucket. No secrets or passwords. Not indexed.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Event time (UTC).'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_security_events_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_events')),
    comment='Security-relevant events (logins, token reuse, lockouts) for monitoring and abuse detection. Written by the auth service.'
    )
    op.create_index(op.f('ix_security_events_created_at'), 'security_events', ['created_at'], unique=False)
    op.create_index(op.f('ix_security_events_type'), 'security_events', ['type'], unique=False)
    op.create_index(op.f('ix_security_events_user_id'), 'security_events', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_security_events_user_id'), table_name='security_events')
    op.drop_index(op.f('ix_security_events_type'), table_name='security_events')
    op.drop_index(op.f('ix_security_events_created_at'), table_name='security_events')
    op.drop_table('security_events')
    op.drop_index(op.f('ix_audit_logs_event_type'), table_name='audit_logs')
    op.drop_index(op.f('ix_audit_logs_actor_user_id'), table_name='audit_logs')
    op.drop_append_only_guard('audit_logs')
    op.drop_table('audit_logs')
    op.drop_enum('security_event_type', ['login_succeeded', 'login_failed', 'logout', 'password_changed', 'password_reset_requested', 'mfa_enabled', 'mfa_disabled', 'session_revoked', 'refresh_token_reused', 'account_locked', 'rate_limited'], comment='Kind of security-relevant event recorded in security_events.')
