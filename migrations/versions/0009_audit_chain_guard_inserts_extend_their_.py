"""audit chain guard: inserts extend their chain in id order

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 14:09:06.926592+00:00

Rollback: the downgrade restores the previous schema and loses no rows.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_chain_guard('audit_logs', ['scope_type', 'scope_id'], 'prev_chain_hash', 'chain_hash', id_column='id')


def downgrade() -> None:
    op.drop_chain_guard('audit_logs', ['scope_type', 'scope_id'], 'prev_chain_hash', 'chain_hash', id_column='id')
