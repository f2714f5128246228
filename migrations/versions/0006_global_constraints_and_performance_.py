"""global constraints and performance indexes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 12:17:31.544502+00:00

Rollback: the downgrade restores the previous schema and loses no rows.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f('ix_artefacts_meta'), 'artefacts', ['meta'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_audit_logs_payload'), 'audit_logs', ['payload'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_audit_logs_scope_type_scope_id_created_at'), 'audit_logs', ['scope_type', 'scope_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_audit_logs_scope_type_scope_id_id'), 'audit_logs', ['scope_type', 'scope_id', sa.literal_column('id DESC')], unique=False)
    op.create_index(op.f('ix_erp_mes_sync_entity_type_entity_id'), 'erp_mes_sync', ['entity_type', 'entity_id'], unique=False)
    op.create_index(op.f('ix_jobs_metrics'), 'jobs', ['metrics'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_jobs_params'), 'jobs', ['params'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_jobs_status_created_at'), 'jobs', ['status', 'created_at'], unique=False)
    op.create_index(op.f('ix_jobs_user_id_created_at'), 'jobs', ['user_id', sa.literal_column('created_at DESC')], unique=False)
    op.create_index(op.f('ix_licenses_status_ends_at'), 'licenses', ['status', 'ends_at'], unique=False)
    op.create_index(op.f('ix_models_params'), 'models', ['params'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_notifications_user_id_created_at_unread'), 'notifications', ['user_id', 'created_at'], unique=False, postgresql_where=sa.text('read_at IS NULL'))
    op.create_index(op.f('ix_security_events_ip_created_at'), 'security_events', ['ip', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_security_events_ip_created_at'), table_name='security_events')
    op.drop_index(op.f('ix_notifications_user_id_created_at_unread'), table_name='notifications', postgresql_where=sa.text('read_at IS NULL'))
    op.drop_index(op.f('ix_models_params'), table_name='models', postgresql_using='gin')
    op.drop_index(op.f('ix_licenses_status_ends_at'), table_name='licenses')
    op.drop_index(op.f('ix_jobs_user_id_created_at'), table_name='jobs')
    op.drop_index(op.f('ix_jobs_status_created_at'), table_name='jobs')
    op.drop_index(op.f('ix_jobs_params'), table_name='jobs', postgresql_using='gin')
    op.drop_index(op.f('ix_jobs_metrics'), table_name='jobs', postgresql_using='gin')
    op.drop_index(op.f('ix_erp_mes_sync_entity_type_entity_id'), table_name='erp_mes_sync')
    op.drop_index(op.f('ix_audit_logs_scope_type_scope_id_id'), table_name='audit_logs')
    op.drop_index(op.f('ix_audit_logs_scope_type_scope_id_created_at'), table_name='audit_logs')
    op.drop_index(op.f('ix_audit_logs_payload'), table_name='audit_logs', postgresql_using='gin')
    op.drop_index(op.f('ix_artefacts_meta'), table_name='artefacts', postgresql_using='gin')
