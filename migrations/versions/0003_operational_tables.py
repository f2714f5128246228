"""operational tables

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:17:15.868784+00:00

Rollback: the downgrade drops table(s) erp_mes_sync, machines, materials, tools, notifications, artefacts, cam_runs, sim_runs with every row in them. In production, take a backup (pg_dump) first, or roll forward with a new revision instead.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_enum('run_status', ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'], comment='Lifecycle of one CAM or simulation run inside a job; timed_out means the run exceeded its time limit.')
    op.create_enum('artefact_type', ['toolpath', 'gcode', 'setup_sheet', 'stock_model', 'simulation_report', 'preview_image', 'log', 'archive'], comment='Kind of file a job produced.')
    op.create_enum('notification_type', ['job_succeeded', 'job_failed', 'license_expiring', 'license_expired', 'invoice_issued', 'payment_succeeded', 'payment_failed', 'security_alert', 'announcement'], comment='Kind of in-app notification; decides the template used to render notifications.payload.')
    op.create_enum('sync_entity_type', ['job', 'cam_run', 'artefact', 'machine', 'material', 'tool', 'invoice'], comment='Kind of platform entity an ERP/MES sync record maps to an external record.')
    op.create_enum('sync_direction', ['inbound', 'outbound'], comment='Which side owns a synced record: inbound = ERP/MES is authoritative, outbound = the platform is.')
    op.create_enum('sync_status', ['pending', 'in_progress', 'synced', 'failed', 'skipped'], comment='State of the last synchronisation attempt of one ERP/MES record.')
    op.create_enum('machine_kind', ['mill_3axis', 'mill_4axis', 'mill_5axis', 'lathe', 'mill_turn', 'router', 'plasma', 'laser', 'waterjet', 'wire_edm'], comment='Kinematic class of a CNC machine.')
    op.create_enum('material_category', ['aluminium', 'steel', 'stainless_steel', 'cast_iron', 'hardened_steel', 'titanium', 'nickel_alloy', 'copper_alloy', 'plastic', 'composite', 'wood'], comment='Workpiece material family (roughly follows the ISO 513 groups, more specific).')
    op.create_enum('tool_type', ['endmill', 'ball_endmill', 'bull_endmill', 'drill', 'spot_drill', 'center_drill', 'tap', 'reamer', 'face_mill', 'chamfer_mill', 'thread_mill', 'slot_mill', 'boring_bar', 'engraver'], comment='Geometry class of a cutting tool.')
    op.create_enum('tool_material', ['carbide', 'hss', 'hss_co', 'ceramic', 'cbn', 'pcd'], comment='Cutting material of a tool (not the workpiece material, see materials).')
    op.create_table('erp_mes_sync',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('entity_type', postgresql.ENUM(name='sync_entity_type', create_type=False), autoincrement=False, nullable=False, comment='Kind of platform entity.'),
    sa.Column('entity_id', sa.UUID(), autoincrement=False, nullable=True, comment='Id of the platform row in the table named by entity_type (polymorphic, no FK); NULL for an inbound record not yet materialised.'),
    sa.Column('external_id', sa.Text(), autoincrement=False, nullable=False, comment='Record id in the ERP/MES; unique per entity_type.'),
    sa.Column('direction', postgresql.ENUM(name='sync_direction', create_type=False), autoincrement=False, nullable=False, comment='Which side is authoritative for this record.'),
    sa.Column('status', postgresql.ENUM(name='sync_status', create_type=False), server_default=sa.text("'pending'"), autoincrement=False, nullable=False, comment='State of the last attempt.'),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), autoincrement=False, nullable=False, comment='Attempts since the last success; reset to 0 on success.'),
    sa.Column('last_sync_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='Time of the last successful synchronisation.'),
    sa.Column('next_attempt_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='Earliest time of the next retry (backoff); NULL when nothing is pending.'),
    sa.Column('last_error', sa.Text(), autoincrement=False, nullable=True, comment='Error of the last failed attempt.'),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Last exchanged document (normalised), kept for diffing and support. Not indexed.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Row creation time (UTC).'),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Last update time; set by the application on every UPDATE.'),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_erp_mes_sync_attempts_nonneg')),
    sa.CheckConstraint('length(external_id) BETWEEN 1 AND 255', name=op.f('ck_erp_mes_sync_external_id_len')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erp_mes_sync')),
    sa.UniqueConstraint('entity_type', 'external_id', name=op.f('uq_erp_mes_sync_entity_type_external_id')),
    comment='One row per external ERP/MES record mapped to a platform entity, with the state of its synchronisation.'
    )
    op.create_index(op.f('ix_erp_mes_sync_entity_type'), 'erp_mes_sync', ['entity_type'], unique=False)
    op.create_index(op.f('ix_erp_mes_sync_status'), 'erp_mes_sync', ['status'], unique=False)
    op.create_table('machines',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('code', sa.Text(), autoincrement=False, nullable=False, comment='Natural key used by seeds and APIs (e.g. haas-vf2, dmg-dmu50).'),
    sa.Column('name', sa.Text(), autoincrement=False, nullable=False, comment='Display name.'),
    sa.Column('kind', postgresql.ENUM(name='machine_kind', create_type=False), autoincrement=False, nullable=False, comment='Kinematic class.'),
    sa.Column('controller', sa.Text(), autoincrement=False, nullable=True, comment='CNC controller (e.g. Fanuc 0i-MF, Heidenhain TNC 640, Siemens 840D); selects the post-processor dialect.'),
    sa.Column('axes', sa.SmallInteger(), autoincrement=False, nullable=False, comment='Number of controlled axes (2..9).'),
    sa.Column('meta', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Work envelope and limits: travels x/y/z (mm), spindle max rpm, spindle power (kW), tool changer slots. Not indexed.'),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), autoincrement=False, nullable=False, comment='False for retired machines (kept because runs reference them).'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Row creation time (UTC).'),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Last update time; set by the application or seeder on every UPDATE.'),
    sa.CheckConstraint("code ~ '^[a-z0-9][a-z0-9_.-]{1,63}$'", name=op.f('ck_machines_code_format')),
    sa.CheckConstraint('axes BETWEEN 2 AND 9', name=op.f('ck_machines_axes_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_machines')),
    sa.UniqueConstraint('code', name=op.f('uq_machines_code')),
    comment='Catalogue of CNC machines jobs can target. Reference data, seeded and upserted on code.'
    )
    op.create_table('materials',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('code', sa.Text(), autoincrement=False, nullable=False, comment='Natural key used by seeds and APIs (e.g. al-6061-t6, steel-1.2379).'),
    sa.Column('name', sa.Text(), autoincrement=False, nullable=False, comment='Display name.'),
    sa.Column('category', postgresql.ENUM(name='material_category', create_type=False), autoincrement=False, nullable=False, comment='Material family.'),
    sa.Column('iso_group', sa.CHAR(length=1), autoincrement=False, nullable=True, comment='ISO 513 machinability group: P steel, M stainless, K cast iron, N non-ferrous, S superalloys/titanium, H hardened; NULL if none applies.'),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Physical and cutting data: density (g/cm3), hardness (HB/HRC), recommended surface speed per tool material (m/min). Not indexed.'),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), autoincrement=False, nullable=False, comment='False for materials no longer offered in the UI.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Row creation time (UTC).'),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Last update time; set by the application or seeder on every UPDATE.'),
    sa.CheckConstraint("code ~ '^[a-z0-9][a-z0-9_.-]{1,63}$'", name=op.f('ck_materials_code_format')),
    sa.CheckConstraint("iso_group IN ('P', 'M', 'K', 'N', 'S', 'H')", name=op.f('ck_materials_iso_group_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_materials')),
    sa.UniqueConstraint('code', name=op.f('uq_materials_code')),
    comment='Catalogue of workpiece materials. Reference data, seeded and upserted on code.'
    )
    op.create_table('tools',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('code', sa.Text(), autoincrement=False, nullable=False, comment='Natural key used by seeds and APIs (e.g. em-6-carbide-4f, drill-10-hss).'),
    sa.Column('name', sa.Text(), autoincrement=False, nullable=False, comment='Display name (e.g. 6mm Carbide Endmill (4F)).'),
    sa.Column('type', postgresql.ENUM(name='tool_type', create_type=False), autoincrement=False, nullable=False, comment='Geometry class.'),
    sa.Column('material', postgresql.ENUM(name='tool_material', create_type=False), autoincrement=False, nullable=False, comment='Cutting material of the tool.'),
    sa.Column('diameter_mm', sa.Numeric(precision=8, scale=3), autoincrement=False, nullable=False, comment='Cutting diameter in millimetres.'),
    sa.Column('flutes', sa.SmallInteger(), autoincrement=False, nullable=True, comment='Number of flutes / cutting edges; NULL when not meaningful (boring bars, engravers).'),
    sa.Column('flute_length_mm', sa.Numeric(precision=8, scale=3), autoincrement=False, nullable=True, comment='Length of cut in millimetres.'),
    sa.Column('overall_length_mm', sa.Numeric(precision=8, scale=3), autoincrement=False, nullable=True, comment='Overall length in millimetres.'),
    sa.Column('coating', sa.Text(), autoincrement=False, nullable=True, comment='Coating (e.g. TiAlN, AlCrN, DLC); NULL if uncoated.'),
    sa.Column('meta', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Feeds and speeds per material category (surface speed m/min, chip load mm/tooth), corner radius, helix angle, holder. Not indexed.'),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), autoincrement=False, nullable=False, comment='False for tools no longer offered.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Row creation time (UTC).'),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Last update time; set by the application or seeder on every UPDATE.'),
    sa.CheckConstraint("code ~ '^[a-z0-9][a-z0-9_.-]{1,63}$'", name=op.f('ck_tools_code_format')),
    sa.CheckConstraint('diameter_mm > 0', name=op.f('ck_tools_diameter_positive')),
    sa.CheckConstraint('flute_length_mm > 0', name=op.f('ck_tools_flute_len_positive')),
    sa.CheckConstraint('flutes > 0', name=op.f('ck_tools_flutes_positive')),
    sa.CheckConstraint('overall_length_mm > 0 AND (flute_length_mm IS NULL OR flute_length_mm <= overall_length_mm)', name=op.f('ck_tools_flute_within_overall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tools')),
    sa.UniqueConstraint('code', name=op.f('uq_tools_code')),
    comment='Catalogue of cutting tools. Reference data, seeded and upserted on code.'
    )
    op.create_index(op.f('ix_tools_type'), 'tools', ['type'], unique=False)
    op.create_table('notifications',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('user_id', sa.UUID(), autoincrement=False, nullable=False, comment='Recipient.'),
    sa.Column('type', postgresql.ENUM(name='notification_type', create_type=False), autoincrement=False, nullable=False, comment='Kind of notification; selects the template.'),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Template variables (job id, invoice number, expiry date...). Not indexed.'),
    sa.Column('read_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='When the user read it; NULL while unread.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Creation time (UTC).'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    comment='In-app notifications for a user.'
    )
    op.create_index(op.f('ix_notifications_read_at'), 'notifications', ['read_at'], unique=False)
    op.create_index(op.f('ix_notifications_type'), 'notifications', ['type'], unique=False)
    op.create_index(op.f('ix_notifications_user_id'), 'notifications', ['user_id'], unique=False)
    op.create_table('artefacts',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('job_id', sa.UUID(), autoincrement=False, nullable=False, comment="Producing job; deleting the job deletes its artefact rows (removing the stored objects is the application's job)."),
    sa.Column('type', postgresql.ENUM(name='artefact_type', create_type=False), autoincrement=False, nullable=False, comment='Kind of file.'),
    sa.Column('s3_key', sa.Text(), autoincrement=False, nullable=False, comment='Object-storage key (no leading slash); unique.'),
    sa.Column('size_bytes', sa.BigInteger(), autoincrement=False, nullable=False, comment='Object size in bytes.'),
    sa.Column('sha256', sa.Text(), autoincrement=False, nullable=False, comment='sha256 of the object as 64 lower-case hex characters; for integrity checks of the stored object.'),
    sa.Column('mime', sa.Text(), autoincrement=False, nullable=False, comment='Lower-case media type without parameters (text/x-gcode, application/pdf, model/stl).'),
    sa.Column('meta', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='File facts: post-processor, controller dialect, line count, program number, page count. GIN-indexed (artefact search).'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Upload time (UTC).'),
    sa.CheckConstraint("length(s3_key) BETWEEN 1 AND 1024 AND left(s3_key, 1) <> '/'", name=op.f('ck_artefacts_s3_key_format')),
    sa.CheckConstraint("mime ~ '^[a-z0-9.+-]+/[a-z0-9.+-]+$'", name=op.f('ck_artefacts_mime_format')),
    sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f('ck_artefacts_sha256_hex')),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_artefacts_size_nonneg')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_artefacts_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_artefacts')),
    sa.UniqueConstraint('s3_key', name=op.f('uq_artefacts_s3_key')),
    comment='Files produced by a job (G-code, setup sheets, reports) stored in object storage. Deleted with their job (ON DELETE CASCADE).'
    )
    op.create_index(op.f('ix_artefacts_job_id'), 'artefacts', ['job_id'], unique=False)
    op.create_index(op.f('ix_artefacts_type'), 'artefacts', ['type'], unique=False)
    op.create_table('cam_runs',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('job_id', sa.UUID(), autoincrement=False, nullable=False, comment='Owning job.'),
    sa.Column('machine_id', sa.UUID(), autoincrement=False, nullable=False, comment='Target machine (kinematics and post-processor).'),
    sa.Column('status', postgresql.ENUM(name='run_status', create_type=False), server_default=sa.text("'queued'"), autoincrement=False, nullable=False, comment='Lifecycle state.'),
    sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Resolved run inputs: operations, tool codes, feeds and speeds, stepover/stepdown (mm). Not indexed.'),
    sa.Column('metrics', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Run results: cycle time (s), toolpath length (mm), rapid moves, compute time (ms). Not indexed.'),
    sa.Column('error', sa.Text(), autoincrement=False, nullable=True, comment='Failure reason when status is failed or timed_out.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Row creation time (UTC).'),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Last update time; set by the application on every UPDATE.'),
    sa.Column('started_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='When the worker started computing.'),
    sa.Column('finished_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='When the run reached a terminal status.'),
    sa.CheckConstraint('finished_at >= started_at', name=op.f('ck_cam_runs_finished_after_started')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_cam_runs_job_id_jobs'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['machine_id'], ['machines.id'], name=op.f('fk_cam_runs_machine_id_machines'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cam_runs')),
    comment='One toolpath computation of a CAM job for a given machine.'
    )
    op.create_index(op.f('ix_cam_runs_job_id'), 'cam_runs', ['job_id'], unique=False)
    op.create_index(op.f('ix_cam_runs_machine_id'), 'cam_runs', ['machine_id'], unique=False)
    op.create_index(op.f('ix_cam_runs_status'), 'cam_runs', ['status'], unique=False)
    op.create_table('sim_runs',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), autoincrement=False, nullable=False, comment='Primary key.'),
    sa.Column('job_id', sa.UUID(), autoincrement=False, nullable=False, comment='Owning job.'),
    sa.Column('cam_run_id', sa.UUID(), autoincrement=False, nullable=True, comment='Simulated CAM run; NULL when simulating imported NC code.'),
    sa.Column('status', postgresql.ENUM(name='run_status', create_type=False), server_default=sa.text("'queued'"), autoincrement=False, nullable=False, comment='Lifecycle state.'),
    sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Simulation settings: resolution (mm), stock definition, checks enabled. Not indexed.'),
    sa.Column('metrics', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), autoincrement=False, nullable=False, comment='Simulation results: collisions, gouges, remaining stock (mm3), simulated time (s). Not indexed.'),
    sa.Column('error', sa.Text(), autoincrement=False, nullable=True, comment='Failure reason when status is failed or timed_out.'),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Row creation time (UTC).'),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), autoincrement=False, nullable=False, comment='Last update time; set by the application on every UPDATE.'),
    sa.Column('started_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='When the worker started simulating.'),
    sa.Column('finished_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True, comment='When the run reached a terminal status.'),
    sa.CheckConstraint('finished_at >= started_at', name=op.f('ck_sim_runs_finished_after_started')),
    sa.ForeignKeyConstraint(['cam_run_id'], ['cam_runs.id'], name=op.f('fk_sim_runs_cam_run_id_cam_runs'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_sim_runs_job_id_jobs'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sim_runs')),
    comment='One machining simulation (material removal, collision check) of a job, optionally of a specific CAM run.'
    )
    op.create_index(op.f('ix_sim_runs_cam_run_id'), 'sim_runs', ['cam_run_id'], unique=False)
    op.create_index(op.f('ix_sim_runs_job_id'), 'sim_runs', ['job_id'], unique=False)
    op.create_index(op.f('ix_sim_runs_status'), 'sim_runs', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sim_runs_status'), table_name='sim_runs')
    op.drop_index(op.f('ix_sim_runs_job_id'), table_name='sim_runs')
    op.drop_index(op.f('ix_sim_runs_cam_run_id'), table_name='sim_runs')
    op.drop_table('sim_runs')
    op.drop_index(op.f('ix_cam_runs_status'), table_name='cam_runs')
    op.drop_index(op.f('ix_cam_runs_machine_id'), table_name='cam_runs')
    op.drop_index(op.f('ix_cam_runs_job_id'), table_name='cam_runs')
    op.drop_table('cam_runs')
    op.drop_index(op.f('ix_artefacts_type'), table_name='artefacts')
    op.drop_index(op.f('ix_artefacts_job_id'), table_name='artefacts')
    op.drop_table('artefacts')
    op.drop_index(op.f('ix_notifications_user_id'), table_name='notifications')
    op.drop_index(op.f('ix_notifications_type'), table_name='notifications')
    op.drop_index(op.f('ix_notifications_read_at'), table_name='notifications')
    op.drop_table('notifications')
    op.drop_index(op.f('ix_tools_type'), table_name='tools')
    op.drop_table('tools')
    op.drop_table('materials')
    op.drop_table('machines')
    op.drop_index(op.f('ix_erp_mes_sync_status'), table_name='erp_mes_sync')
    op.drop_index(op.f('ix_erp_mes_sync_entity_type'), table_name='erp_mes_sync')
    op.drop_table('erp_mes_sync')
    op.drop_enum('tool_material', ['carbide', 'hss', 'hss_co', 'ceramic', 'cbn', 'pcd'], comment='Cutting material of a tool (not the workpiece material, see materials).')
    op.drop_enum('tool_type', ['endmill', 'ball_endmill', 'bull_endmill', 'drill', 'spot_drill', 'center_drill', 'tap', 'reamer', 'face_mill', 'chamfer_mill', 'thread_mill', 'slot_mill', 'boring_bar', 'engraver'], comment='Geometry class of a cutting tool.')
    op.drop_enum('material_category', ['aluminium', 'steel', 'stainless_steel', 'cast_iron', 'hardened_steel', 'titanium', 'nickel_alloy', 'copper_alloy', 'plastic', 'composite', 'wood'], comment='Workpiece material family (roughly follows the ISO 513 groups, more specific).')
    op.drop_enum('machine_kind', ['mill_3axis', 'mill_4axis', 'mill_5axis', 'lathe', 'mill_turn', 'router', 'plasma', 'laser', 'waterjet', 'wire_edm'], comment='Kinematic class of a CNC machine.')
    op.drop_enum('sync_status', ['pending', 'in_progress', 'synced', 'failed', 'skipped'], comment='State of the last synchronisation attempt of one ERP/MES record.')
    op.drop_enum('sync_direction', ['inbound', 'outbound'], comment='Which side owns a synced record: inbound = ERP/MES is authoritative, outbound = the platform is.')
    op.drop_enum('sync_entity_type', ['job', 'cam_run', 'artefact', 'machine', 'material', 'tool', 'invoice'], comment='Kind of platform entity an ERP/MES sync record maps to an external record.')
    op.drop_enum('notification_type', ['job_succeeded', 'job_failed', 'license_expiring', 'license_expired', 'invoice_issued', 'payment_succeeded', 'payment_failed', 'security_alert', 'announcement'], comment='Kind of in-app notification; decides the template used to render notifications.payload.')
    op.drop_enum('artefact_type', ['toolpath', 'gcode', 'setup_sheet', 'stock_model', 'simulation_report', 'preview_image', 'log', 'archive'], comment='Kind of file a job produced.')
    op.drop_enum('run_status', ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'], comment='Lifecycle of one CAM or simulation run inside a job; timed_out means the run exceeded its time limit.')
