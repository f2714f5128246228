"""audit verify index in chain order

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 15:23:32.653142+00:00

Rollback: the downgrade restores the previous schema and loses no rows.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(op.f('ix_audit_logs_scope_type_scope_id_id'), table_name='audit_logs')
    op.create_index(op.f('ix_audit_logs_scope_type_scope_id_id'), 'audit_logs', ['scope_type', 'scope_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_logs_scope_type_scope_id_id'), table_name='audit_logs')
    op.create_index(op.f('ix_audit_logs_scope_type_scope_id_id'), 'audit_logs', ['scope_type', 'scope_id', sa.literal_column('id DESC')], unique=False)
