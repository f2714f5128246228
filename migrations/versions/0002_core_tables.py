"""core tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:17:11.541649+00:00

Rollback: the downgrade drops table(s) users, licenses, models, sessions, jobs with every row in them. In production, take a backup (pg_dump) first, or roll forward with a new revision instead.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_extension('citext')
    op.create_enum('user_role', ['customer', 'support', 'admin', 'service'], comment='What a user account may do on the platform; enforced by the application.')
    op.create_enum('user_status', ['pending_verification', 'active', 'suspended', 'deactivated'], comment='Lifecycle of a user account. Soft deletion is users.deleted_at, not a status.')
    op.create_enum('license_plan', ['trial', 'starter', 'professional', 'enterprise', 'education'], comment='Commercial plan a license grants; entitlements per plan live in application config, overrides in licenses.features.')
    op.create_enum('license_status', ['pending', 'active', 'past_due', 'suspended', 'expired', 'cancelled'], comment='Lifecycle of a license; the application moves active rows past ends_at to expired.')
    op.create_enum('model_type', ['part', 'stock', 'fixture', 'assembly'], comment='Role of an uploaded 3D model in a CAM setup.')
    op.create_enum('model_format', ['step', 'iges', 'stl', 'obj', 'parasolid', 'dxf'], comment='File format of an uploaded 3D model / drawing.')
    op.create_enum('job_type', ['cam', 'simulation', 'post_process', 'nesting', 'model_import'], comment='Kind of work a job asks the workers to do.')
    op.create_enum('job_status', ['queued', 'running', 'succeeded', 'failed', 'cancelled'], comment='Lifecycle of a job. Terminal states are succeeded, failed and cancelled.')
    op.create_table('users',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key (uuid v4 from gen_random_uuid()).'),
    sa.Column('email', postgresql.CITEXT(), autoincrement=False, nullable=False, comment='Login e-mail; citext, so unique case-insensitively. Stays unique after soft delete.'),
    sa.Column('phone', sa.Text(), autoincrement=False, nullable=True, comment='Phone number in E.164 (+905551112233); optional, unique when set.'),
    sa.Column('password_hash', sa.Text(), autoincrement=False, nullable=True, comment='Password hash as a PHC string (argon2id); NULL for SSO-only accounts. Never a plaintext password.'),
    sa.Column('display_name', sa.Text(), autoincrement=False, nullable=True, comment='Name shown in the UI.'),
    sa.Column('role', postgresql.ENUM(name='user_role', create_type=False), server_default=sa.text("'customer'"), autoincrement=False, nullable=False, comment='Authorisation role.'),
    sa.Column('status', postgresql.ENUM(name='user_status', create_type=False), server_default=sa.text("'pending_verification'"), autoincrement=False, nullable=False, comment='Account lifecycle state.'),
    sa.Column('locale', sa.Text(), server_default=sa.text("'tr-TR'"), autoincrement=False, nullable=False, comment='UI and e-mail language as a BCP 47 tag (tr-TR, en-US, de).'),
    sa.Column('time_zone', sa.Text(), server_default=sa.text("'Europe/Istanbul'"), autoincrement=False, nullable=False, comment='IANA time zone used only to display timestamps; storage is UTC.'),
    sa.Column('email_verified_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='When the e-mail address was confirmed; NULL while unverified.'),
    sa.Column('phone_verified_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='When the phone number was confirmed; NULL while unverified or absent.'),
    sa.Column('last_login_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='Last successful login; written by the auth service.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Row creation time (UTC).'),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Last update time; set by the application on every UPDATE.'),
    sa.Column('deleted_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='Soft-delete time; NULL for live accounts. Queries filter deleted_at IS NULL.'),
    sa.CheckConstraint("email ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND length(email) <= 254", name=op.f('ck_users_email_format')),
    sa.CheckConstraint("locale ~ '^[a-z]{2,3}(-[A-Z]{2})?$'", name=op.f('ck_users_locale_bcp47')),
    sa.CheckConstraint("password_hash ~ '^[$][a-z0-9-]+[$]'", name=op.f('ck_users_password_hash_phc')),
    sa.CheckConstraint("phone ~ '^[+][1-9][0-9]{6,14}$'", name=op.f('ck_users_phone_e164')),
    sa.CheckConstraint('email_verified_at IS NULL OR email_verified_at >= created_at', name=op.f('ck_users_verified_after_created')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sa.UniqueConstraint('phone', name=op.f('uq_users_phone')),
    comment='Platform accounts. Soft-deleted via deleted_at; never hard-deleted while they own rows (FKs are RESTRICT).'
    )
    op.create_index(op.f('ix_users_created_at'), 'users', ['created_at'], unique=False)
    op.create_index(op.f('ix_users_status'), 'users', ['status'], unique=False)
    op.create_table('licenses',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('user_id', sa.UUID(), autoincrement=False, nullable=False, comment='Licensee (the account that owns and pays for the license).'),
    sa.Column('plan', postgresql.ENUM(name='license_plan', create_type=False), autoincrement=False, nullable=False, comment='Commercial plan.'),
    sa.Column('status', postgresql.ENUM(name='license_status', create_type=False), server_default=sa.text("'pending'"), autoincrement=False, nullable=False, comment='Lifecycle state.'),
    sa.Column('seats', sa.Integer(), server_default=sa.text('1'), autoincrement=False, nullable=False, comment='Number of concurrent seats; at least 1.'),
    sa.Column('starts_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=False, comment='Start of validity (inclusive, UTC).'),
    sa.Column('ends_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=False, comment='End of validity (exclusive, UTC); renewals extend it or create a new row.'),
    sa.Column('cancelled_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='When the customer or support cancelled; the license may stay usable until ends_at.'),
    sa.Column('features', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Per-license overrides of plan entitlements, e.g. {"max_concurrent_jobs": 4, "five_axis": true}.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Row creation time (UTC).'),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Last update time; set by the application on every UPDATE.'),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_licenses_ends_after_starts')),
    sa.CheckConstraint('seats > 0', name=op.f('ck_licenses_seats_positive')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_licenses_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licenses')),
    comment="A user's right to use the platform for a period under a plan."
    )
    op.create_index(op.f('ix_licenses_user_id'), 'licenses', ['user_id'], unique=False)
    op.create_table('models',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('user_id', sa.UUID(), autoincrement=False, nullable=False, comment='Owner (uploader).'),
    sa.Column('name', sa.Text(), autoincrement=False, nullable=False, comment='Display name, usually the uploaded file name.'),
    sa.Column('type', postgresql.ENUM(name='model_type', create_type=False), server_default=sa.text("'part'"), autoincrement=False, nullable=False, comment='Role of the model in a setup.'),
    sa.Column('format', postgresql.ENUM(name='model_format', create_type=False), autoincrement=False, nullable=False, comment='File format of the uploaded source file.'),
    sa.Column('s3_key', sa.Text(), autoincrement=False, nullable=False, comment='Object-storage key of the uploaded source file.'),
    sa.Column('size_bytes', sa.BigInteger(), autoincrement=False, nullable=False, comment='Size of the source file in bytes.'),
    sa.Column('sha256', sa.Text(), autoincrement=False, nullable=False, comment='sha256 of the source file as 64 lower-case hex characters; used to detect re-uploads.'),
    sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Import settings chosen by the user: units (mm|inch), tessellation tolerance, orientation, stock offsets. GIN-indexed (filtered in the model library).'),
    sa.Column('metrics', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Geometry facts computed on import: bounding box (mm), volume (mm3), surface area (mm2), face/triangle counts. Written by the import worker.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Upload time (UTC).'),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Last update time; set by the application on every UPDATE.'),
    sa.Column('deleted_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='Soft-delete time; NULL for live models.'),
    sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f('ck_models_sha256_hex')),
    sa.CheckConstraint('length(name) BETWEEN 1 AND 255', name=op.f('ck_models_name_len')),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_models_size_nonneg')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_models_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_models')),
    sa.UniqueConstraint('s3_key', name=op.f('uq_models_s3_key')),
    comment='3D part / stock / fixture models uploaded by users (CAD geometry, not machine-learning models). Soft-deleted via deleted_at.'
    )
    op.create_index(op.f('ix_models_user_id'), 'models', ['user_id'], unique=False)
    op.create_table('sessions',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('user_id', sa.UUID(), autoincrement=False, nullable=False, comment='Owner of the session.'),
    sa.Column('refresh_token_hash', sa.Text(), autoincrement=False, nullable=False, comment='sha256 of the refresh token as 64 lower-case hex characters; looked up on refresh.'),
    sa.Column('device_fingerprint', sa.Text(), autoincrement=False, nullable=True, comment='Client-supplied device identifier (opaque, at most 512 characters); used to list and revoke devices.'),
    sa.Column('ip', postgresql.INET(), autoincrement=False, nullable=True, comment='Client IP address at session creation.'),
    sa.Column('user_agent', sa.Text(), autoincrement=False, nullable=True, comment='User-Agent header at session creation.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Login time (UTC).'),
    sa.Column('last_used_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Last successful refresh with this session.'),
    sa.Column('expires_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=False, comment='Absolute expiry; the application refuses the session afterwards. Expired rows may be deleted.'),
    sa.Column('revoked_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='Logout or forced revocation time; NULL while the session is valid.'),
    sa.CheckConstraint("refresh_token_hash ~ '^[0-9a-f]{64}$'", name=op.f('ck_sessions_token_hash_hex')),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_sessions_expires_after_created')),
    sa.CheckConstraint('length(device_fingerprint) BETWEEN 1 AND 512', name=op.f('ck_sessions_fingerprint_len')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sessions_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sessions')),
    sa.UniqueConstraint('refresh_token_hash', name=op.f('uq_sessions_refresh_token_hash')),
    comment='Refresh-token sessions. Only the sha256 of the refresh token is stored; the token itself never reaches the database.'
    )
    op.create_index(op.f('ix_sessions_expires_at'), 'sessions', ['expires_at'], unique=False)
    op.create_index(op.f('ix_sessions_user_id'), 'sessions', ['user_id'], unique=False)
    op.create_table('jobs',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('user_id', sa.UUID(), autoincrement=False, nullable=False, comment='Submitting user.'),
    sa.Column('model_id', sa.UUID(), autoincrement=False, nullable=True, comment='Input model, if the job works on one.'),
    sa.Column('type', postgresql.ENUM(name='job_type', create_type=False), autoincrement=False, nullable=False, comment='Kind of work.'),
    sa.Column('status', postgresql.ENUM(name='job_status', create_type=False), server_default=sa.text("'queued'"), autoincrement=False, nullable=False, comment='Lifecycle state; workers move it forward.'),
    sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Job request as submitted: machine, material and tool codes, strategies, tolerances (mm), post-processor. GIN-indexed.'),
    sa.Column('metrics', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Results reported by workers: cycle time (s), toolpath length (mm), collisions, queue wait (ms). GIN-indexed (dashboards filter on it).'),
    sa.Column('idempotency_key', sa.Text(), autoincrement=False, nullable=False, comment='Client-chosen key (8-255 of A-Z a-z 0-9 _ . : -); a retry with the same key returns the existing job. Unique across all users and kept after soft delete.'),
    sa.Column('request_fingerprint', sa.Text(), autoincrement=False, nullable=False, comment='sha256 (64 lower-case hex) of the canonical JSON of the request; a retry with the same key but a different fingerprint is a conflict.'),
    sa.Column('error', sa.Text(), autoincrement=False, nullable=True, comment='Human-readable failure reason when status is failed.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Submission time (UTC).'),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Last update time; set by the application on every UPDATE.'),
    sa.Column('started_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='When a worker picked the job up.'),
    sa.Column('finished_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='When the job reached a terminal status.'),
    sa.Column('deleted_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='Soft-delete time; NULL for live jobs.'),
    sa.CheckConstraint("finished_at IS NULL OR status IN ('succeeded', 'failed', 'cancelled')", name=op.f('ck_jobs_finished_when_terminal')),
    sa.CheckConstraint("idempotency_key ~ '^[A-Za-z0-9_.:-]{8,255}$'", name=op.f('ck_jobs_idempotency_key_format')),
    sa.CheckConstraint("request_fingerprint ~ '^[0-9a-f]{64}$'", name=op.f('ck_jobs_fingerprint_hex')),
    sa.CheckConstraint('finished_at >= started_at', name=op.f('ck_jobs_finished_after_started')),
    sa.ForeignKeyConstraint(['model_id'], ['models.id'], name=op.f('fk_jobs_model_id_models'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_jobs_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_jobs_idempotency_key')),
    comment='A unit of work submitted by a user (CAM, simulation, post-processing...). Created idempotently on idempotency_key. Soft-deleted via deleted_at.'
    )
    op.create_index(op.f('ix_jobs_model_id'), 'jobs', ['model_id'], unique=False)
    op.create_index(op.f('ix_jobs_type'), 'jobs', ['type'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_jobs_type'), table_name='jobs')
    op.drop_index(op.f('ix_jobs_model_id'), table_name='jobs')
    op.drop_table('jobs')
    op.drop_index(op.f('ix_sessions_user_id'), table_name='sessions')
    op.drop_index(op.f('ix_sessions_expires_at'), table_name='sessions')
    op.drop_table('sessions')
    op.drop_index(op.f('ix_models_user_id'), table_name='models')
    op.drop_table('models')
    op.drop_index(op.f('ix_licenses_user_id'), table_name='licenses')
    op.drop_table('licenses')
    op.drop_index(op.f('ix_users_status'), table_name='users')
    op.drop_index(op.f('ix_users_created_at'), table_name='users')
    op.drop_table('users')
    op.drop_enum('job_status', ['queued', 'running', 'succeeded', 'failed', 'cancelled'], comment='Lifecycle of a job. Terminal states are succeeded, failed and cancelled.')
    op.drop_enum('job_type', ['cam', 'simulation', 'post_process', 'nesting', 'model_import'], comment='Kind of work a job asks the workers to do.')
    op.drop_enum('model_format', ['step', 'iges', 'stl', 'obj', 'parasolid', 'dxf'], comment='File format of an uploaded 3D model / drawing.')
    op.drop_enum('model_type', ['part', 'stock', 'fixture', 'assembly'], comment='Role of an uploaded 3D model in a CAM setup.')
    op.drop_enum('license_status', ['pending', 'active', 'past_due', 'suspended', 'expired', 'cancelled'], comment='Lifecycle of a license; the application moves active rows past ends_at to expired.')
    op.drop_enum('license_plan', ['trial', 'starter', 'professional', 'enterprise', 'education'], comment='Commercial plan a license grants; entitlements per plan live in application config, overrides in licenses.features.')
    op.drop_enum('user_status', ['pending_verification', 'active', 'suspended', 'deactivated'], comment='Lifecycle of a user account. Soft deletion is users.deleted_at, not a status.')
    op.drop_enum('user_role', ['customer', 'support', 'admin', 'service'], comment='What a user account may do on the platform; enforced by the application.')
    op.drop_extension('citext')
