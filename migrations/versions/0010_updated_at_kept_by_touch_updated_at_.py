"""updated_at kept by touch_updated_at triggers; customer_invoice_totals reporting view

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 00:26:04.783795+00:00

Rollback: the downgrade restores the previous schema and loses no rows.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.set_timeouts(lock_timeout='5s', statement_timeout='15min', lock_retries=3)
    op.alter_column('cam_runs', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_comment='Last update time; set by the application on every UPDATE.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('erp_mes_sync', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_comment='Last update time; set by the application on every UPDATE.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('invoices', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_comment='Last update time; set by the application on every UPDATE.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('jobs', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_comment='Last update time; set by the application on every UPDATE.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('licenses', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_comment='Last update time; set by the application on every UPDATE.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('machines', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set on every UPDATE (application or seeder) by the touch_updated_at trigger.',
               existing_comment='Last update time; set by the application or seeder on every UPDATE.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('materials', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set on every UPDATE (application or seeder) by the touch_updated_at trigger.',
               existing_comment='Last update time; set by the application or seeder on every UPDATE.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('models', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_comment='Last update time; set by the application on every UPDATE.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('payments', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_comment='Last update time; set by the application on every UPDATE.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('sim_runs', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_comment='Last update time; set by the application on every UPDATE.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('tools', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set on every UPDATE (application or seeder) by the touch_updated_at trigger.',
               existing_comment='Last update time; set by the application or seeder on every UPDATE.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('users', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_comment='Last update time; set by the application on every UPDATE.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.routine_sql('create function touch_updated_at()', ['CREATE OR REPLACE FUNCTION public.touch_updated_at()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$BEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND\n$function$', 'COMMENT ON ROUTINE public."touch_updated_at"() IS \'BEFORE UPDATE row trigger of every table with an updated_at column: sets it to now() (the transaction\'\'s start time), whatever the UPDATE wrote.\''], ['DROP ROUTINE public."touch_updated_at"()'])
    op.routine_sql('create trigger cam_runs.cam_runs_touch_updated_at', ['CREATE TRIGGER "cam_runs_touch_updated_at" BEFORE UPDATE ON public.cam_runs FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "cam_runs_touch_updated_at" ON public."cam_runs" IS \'Keeps updated_at at the time of the last UPDATE.\''], ['DROP TRIGGER "cam_runs_touch_updated_at" ON public."cam_runs"'])
    op.routine_sql('create trigger erp_mes_sync.erp_mes_sync_touch_updated_at', ['CREATE TRIGGER "erp_mes_sync_touch_updated_at" BEFORE UPDATE ON public.erp_mes_sync FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "erp_mes_sync_touch_updated_at" ON public."erp_mes_sync" IS \'Keeps updated_at at the time of the last UPDATE.\''], ['DROP TRIGGER "erp_mes_sync_touch_updated_at" ON public."erp_mes_sync"'])
    op.routine_sql('create trigger invoices.invoices_touch_updated_at', ['CREATE TRIGGER "invoices_touch_updated_at" BEFORE UPDATE ON public.invoices FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "invoices_touch_updated_at" ON public."invoices" IS \'Keeps updated_at at the time of the last UPDATE.\''], ['DROP TRIGGER "invoices_touch_updated_at" ON public."invoices"'])
    op.routine_sql('create trigger jobs.jobs_touch_updated_at', ['CREATE TRIGGER "jobs_touch_updated_at" BEFORE UPDATE ON public.jobs FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "jobs_touch_updated_at" ON public."jobs" IS \'Keeps updated_at at the time of the last UPDATE.\''], ['DROP TRIGGER "jobs_touch_updated_at" ON public."jobs"'])
    op.routine_sql('create trigger licenses.licenses_touch_updated_at', ['CREATE TRIGGER "licenses_touch_updated_at" BEFORE UPDATE ON public.licenses FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "licenses_touch_updated_at" ON public."licenses" IS \'Keeps updated_at at the time of the last UPDATE.\''], ['DROP TRIGGER "licenses_touch_updated_at" ON public."licenses"'])
    op.routine_sql('create trigger machines.machines_touch_updated_at', ['CREATE TRIGGER "machines_touch_updated_at" BEFORE UPDATE ON public.machines FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "machines_touch_updated_at" ON public."machines" IS \'Keeps updated_at at the time of the last UPDATE.\''], ['DROP TRIGGER "machines_touch_updated_at" ON public."machines"'])
    op.routine_sql('create trigger materials.materials_touch_updated_at', ['CREATE TRIGGER "materials_touch_updated_at" BEFORE UPDATE ON public.materials FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "materials_touch_updated_at" ON public."materials" IS \'Keeps updated_at at the time of the last UPDATE.\''], ['DROP TRIGGER "materials_touch_updated_at" ON public."materials"'])
    op.routine_sql('create trigger models.models_touch_updated_at', ['CREATE TRIGGER "models_touch_updated_at" BEFORE UPDATE ON public.models FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "models_touch_updated_at" ON public."models" IS \'Keeps updated_at at the time of the last UPDATE.\''], ['DROP TRIGGER "models_touch_updated_at" ON public."models"'])
    op.routine_sql('create trigger payments.payments_touch_updated_at', ['CREATE TRIGGER "payments_touch_updated_at" BEFORE UPDATE ON public.payments FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "payments_touch_updated_at" ON public."payments" IS \'Keeps updated_at at the time of the last UPDATE.\''], ['DROP TRIGGER "payments_touch_updated_at" ON public."payments"'])
    op.routine_sql('create trigger sim_runs.sim_runs_touch_updated_at', ['CREATE TRIGGER "sim_runs_touch_updated_at" BEFORE UPDATE ON public.sim_runs FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "sim_runs_touch_updated_at" ON public."sim_runs" IS \'Keeps updated_at at the time of the last UPDATE.\''], ['DROP TRIGGER "sim_runs_touch_updated_at" ON public."sim_runs"'])
    op.routine_sql('create trigger tools.tools_touch_updated_at', ['CREATE TRIGGER "tools_touch_updated_at" BEFORE UPDATE ON public.tools FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "tools_touch_updated_at" ON public."tools" IS \'Keeps updated_at at the time of the last UPDATE.\''], ['DROP TRIGGER "tools_touch_updated_at" ON public."tools"'])
    op.routine_sql('create trigger users.users_touch_updated_at', ['CREATE TRIGGER "users_touch_updated_at" BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "users_touch_updated_at" ON public."users" IS \'Keeps updated_at at the time of the last UPDATE.\''], ['DROP TRIGGER "users_touch_updated_at" ON public."users"'])
    op.view_sql('customer_invoice_totals', ['CREATE VIEW "public"."customer_invoice_totals" AS\nSELECT user_id,\n    count(*) AS invoices,\n    count(*) FILTER (WHERE (status = \'draft\'::invoice_status)) AS draft_invoices,\n    COALESCE(sum(amount_cents) FILTER (WHERE (status = ANY (ARRAY[\'issued\'::invoice_status, \'paid\'::invoice_status, \'refunded\'::invoice_status]))), (0)::numeric) AS billed_cents,\n    COALESCE(sum(amount_cents) FILTER (WHERE (status = \'paid\'::invoice_status)), (0)::numeric) AS paid_cents,\n    COALESCE(sum(amount_cents) FILTER (WHERE (status = \'issued\'::invoice_status)), (0)::numeric) AS outstanding_cents,\n    COALESCE(sum(amount_cents) FILTER (WHERE ((status = \'issued\'::invoice_status) AND (due_at < now()))), (0)::numeric) AS overdue_cents,\n    max(issued_at) AS last_issued_at\n   FROM invoices i\n  WHERE (currency = \'TRY\'::bpchar)\n  GROUP BY user_id', 'COMMENT ON VIEW "public"."customer_invoice_totals" IS \'Reporting: invoice totals per customer in TRY (minor units). Drafts and void invoices are counted but not billed; refunded ones are billed and refunded.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."billed_cents" IS \'Sum of amount_cents of issued, paid and refunded invoices.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."draft_invoices" IS \'Of those, still drafts.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."invoices" IS \'Invoices in TRY, any status.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."last_issued_at" IS \'Latest issued_at; NULL if none was issued.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."outstanding_cents" IS \'Sum of amount_cents of issued, not yet paid invoices.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."overdue_cents" IS \'Part of outstanding_cents past due_at.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."paid_cents" IS \'Sum of amount_cents of paid invoices.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."user_id" IS \'The billed account (users.id).\''], ['DROP VIEW "public"."customer_invoice_totals"'], what='create view')


def downgrade() -> None:
    op.set_timeouts(lock_timeout='5s', statement_timeout='15min', lock_retries=3)
    op.view_sql('customer_invoice_totals', ['DROP VIEW "public"."customer_invoice_totals"'], ['CREATE VIEW "public"."customer_invoice_totals" AS\nSELECT user_id,\n    count(*) AS invoices,\n    count(*) FILTER (WHERE (status = \'draft\'::invoice_status)) AS draft_invoices,\n    COALESCE(sum(amount_cents) FILTER (WHERE (status = ANY (ARRAY[\'issued\'::invoice_status, \'paid\'::invoice_status, \'refunded\'::invoice_status]))), (0)::numeric) AS billed_cents,\n    COALESCE(sum(amount_cents) FILTER (WHERE (status = \'paid\'::invoice_status)), (0)::numeric) AS paid_cents,\n    COALESCE(sum(amount_cents) FILTER (WHERE (status = \'issued\'::invoice_status)), (0)::numeric) AS outstanding_cents,\n    COALESCE(sum(amount_cents) FILTER (WHERE ((status = \'issued\'::invoice_status) AND (due_at < now()))), (0)::numeric) AS overdue_cents,\n    max(issued_at) AS last_issued_at\n   FROM invoices i\n  WHERE (currency = \'TRY\'::bpchar)\n  GROUP BY user_id', 'COMMENT ON VIEW "public"."customer_invoice_totals" IS \'Reporting: invoice totals per customer in TRY (minor units). Drafts and void invoices are counted but not billed; refunded ones are billed and refunded.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."billed_cents" IS \'Sum of amount_cents of issued, paid and refunded invoices.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."draft_invoices" IS \'Of those, still drafts.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."invoices" IS \'Invoices in TRY, any status.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."last_issued_at" IS \'Latest issued_at; NULL if none was issued.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."outstanding_cents" IS \'Sum of amount_cents of issued, not yet paid invoices.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."overdue_cents" IS \'Part of outstanding_cents past due_at.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."paid_cents" IS \'Sum of amount_cents of paid invoices.\'', 'COMMENT ON COLUMN "public"."customer_invoice_totals"."user_id" IS \'The billed account (users.id).\''], what='create view')
    op.routine_sql('create trigger users.users_touch_updated_at', ['DROP TRIGGER "users_touch_updated_at" ON public."users"'], ['CREATE TRIGGER "users_touch_updated_at" BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "users_touch_updated_at" ON public."users" IS \'Keeps updated_at at the time of the last UPDATE.\''])
    op.routine_sql('create trigger tools.tools_touch_updated_at', ['DROP TRIGGER "tools_touch_updated_at" ON public."tools"'], ['CREATE TRIGGER "tools_touch_updated_at" BEFORE UPDATE ON public.tools FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "tools_touch_updated_at" ON public."tools" IS \'Keeps updated_at at the time of the last UPDATE.\''])
    op.routine_sql('create trigger sim_runs.sim_runs_touch_updated_at', ['DROP TRIGGER "sim_runs_touch_updated_at" ON public."sim_runs"'], ['CREATE TRIGGER "sim_runs_touch_updated_at" BEFORE UPDATE ON public.sim_runs FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "sim_runs_touch_updated_at" ON public."sim_runs" IS \'Keeps updated_at at the time of the last UPDATE.\''])
    op.routine_sql('create trigger payments.payments_touch_updated_at', ['DROP TRIGGER "payments_touch_updated_at" ON public."payments"'], ['CREATE TRIGGER "payments_touch_updated_at" BEFORE UPDATE ON public.payments FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "payments_touch_updated_at" ON public."payments" IS \'Keeps updated_at at the time of the last UPDATE.\''])
    op.routine_sql('create trigger models.models_touch_updated_at', ['DROP TRIGGER "models_touch_updated_at" ON public."models"'], ['CREATE TRIGGER "models_touch_updated_at" BEFORE UPDATE ON public.models FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "models_touch_updated_at" ON public."models" IS \'Keeps updated_at at the time of the last UPDATE.\''])
    op.routine_sql('create trigger materials.materials_touch_updated_at', ['DROP TRIGGER "materials_touch_updated_at" ON public."materials"'], ['CREATE TRIGGER "materials_touch_updated_at" BEFORE UPDATE ON public.materials FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "materials_touch_updated_at" ON public."materials" IS \'Keeps updated_at at the time of the last UPDATE.\''])
    op.routine_sql('create trigger machines.machines_touch_updated_at', ['DROP TRIGGER "machines_touch_updated_at" ON public."machines"'], ['CREATE TRIGGER "machines_touch_updated_at" BEFORE UPDATE ON public.machines FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "machines_touch_updated_at" ON public."machines" IS \'Keeps updated_at at the time of the last UPDATE.\''])
    op.routine_sql('create trigger licenses.licenses_touch_updated_at', ['DROP TRIGGER "licenses_touch_updated_at" ON public."licenses"'], ['CREATE TRIGGER "licenses_touch_updated_at" BEFORE UPDATE ON public.licenses FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "licenses_touch_updated_at" ON public."licenses" IS \'Keeps updated_at at the time of the last UPDATE.\''])
    op.routine_sql('create trigger jobs.jobs_touch_updated_at', ['DROP TRIGGER "jobs_touch_updated_at" ON public."jobs"'], ['CREATE TRIGGER "jobs_touch_updated_at" BEFORE UPDATE ON public.jobs FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "jobs_touch_updated_at" ON public."jobs" IS \'Keeps updated_at at the time of the last UPDATE.\''])
    op.routine_sql('create trigger invoices.invoices_touch_updated_at', ['DROP TRIGGER "invoices_touch_updated_at" ON public."invoices"'], ['CREATE TRIGGER "invoices_touch_updated_at" BEFORE UPDATE ON public.invoices FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "invoices_touch_updated_at" ON public."invoices" IS \'Keeps updated_at at the time of the last UPDATE.\''])
    op.routine_sql('create trigger erp_mes_sync.erp_mes_sync_touch_updated_at', ['DROP TRIGGER "erp_mes_sync_touch_updated_at" ON public."erp_mes_sync"'], ['CREATE TRIGGER "erp_mes_sync_touch_updated_at" BEFORE UPDATE ON public.erp_mes_sync FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "erp_mes_sync_touch_updated_at" ON public."erp_mes_sync" IS \'Keeps updated_at at the time of the last UPDATE.\''])
    op.routine_sql('create trigger cam_runs.cam_runs_touch_updated_at', ['DROP TRIGGER "cam_runs_touch_updated_at" ON public."cam_runs"'], ['CREATE TRIGGER "cam_runs_touch_updated_at" BEFORE UPDATE ON public.cam_runs FOR EACH ROW EXECUTE FUNCTION touch_updated_at()', 'COMMENT ON TRIGGER "cam_runs_touch_updated_at" ON public."cam_runs" IS \'Keeps updated_at at the time of the last UPDATE.\''])
    op.routine_sql('create function touch_updated_at()', ['DROP ROUTINE public."touch_updated_at"()'], ['CREATE OR REPLACE FUNCTION public.touch_updated_at()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$BEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND\n$function$', 'COMMENT ON ROUTINE public."touch_updated_at"() IS \'BEFORE UPDATE row trigger of every table with an updated_at column: sets it to now() (the transaction\'\'s start time), whatever the UPDATE wrote.\''])
    op.alter_column('users', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set by the application on every UPDATE.',
               existing_comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('tools', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set by the application or seeder on every UPDATE.',
               existing_comment='Last update time; set on every UPDATE (application or seeder) by the touch_updated_at trigger.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('sim_runs', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set by the application on every UPDATE.',
               existing_comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('payments', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set by the application on every UPDATE.',
               existing_comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('models', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set by the application on every UPDATE.',
               existing_comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('materials', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set by the application or seeder on every UPDATE.',
               existing_comment='Last update time; set on every UPDATE (application or seeder) by the touch_updated_at trigger.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('machines', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set by the application or seeder on every UPDATE.',
               existing_comment='Last update time; set on every UPDATE (application or seeder) by the touch_updated_at trigger.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('licenses', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set by the application on every UPDATE.',
               existing_comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('jobs', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set by the application on every UPDATE.',
               existing_comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('invoices', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set by the application on every UPDATE.',
               existing_comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('erp_mes_sync', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set by the application on every UPDATE.',
               existing_comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
    op.alter_column('cam_runs', 'updated_at',
               existing_type=postgresql.TIMESTAMP(timezone=True),
               comment='Last update time; set by the application on every UPDATE.',
               existing_comment='Last update time; set on every UPDATE by the touch_updated_at trigger.',
               existing_nullable=False,
               existing_server_default=sa.text('now()'))
