-- The application's hot queries, one place for docs and tests.
--
-- Each block starts with "-- name: <name>", then comment lines: a description and
-- "-- index: <name>", the index the plan must use. Parameters use psql's syntax, :'name'
-- (\set name value, then \i docs/queries.sql or paste one block). The query-plan tests
-- (tests/integrity/test_query_plans.py) run every block with EXPLAIN (ANALYZE, BUFFERS) on
-- 200,000 jobs, 50,000 licenses and 50,000 audit rows and assert the index is in the plan;
-- docs/queries.md shows each block with the plan it produced.

-- name: jobs_by_status
-- The worker queue and the admin job list: jobs in one status, oldest first.
-- index: ix_jobs_status_created_at
SELECT id, user_id, type, created_at
FROM jobs
WHERE status = :'status'
ORDER BY created_at
LIMIT 50;

-- name: user_latest_jobs
-- A user's dashboard: their latest jobs, newest first, soft-deleted ones hidden.
-- index: ix_jobs_user_id_created_at
SELECT id, type, status, created_at, finished_at
FROM jobs
WHERE user_id = :'user_id'
  AND deleted_at IS NULL
ORDER BY created_at DESC
LIMIT 20;

-- name: licenses_ending_soon
-- Renewal reminders: licenses in one status whose validity ends within a date range.
-- index: ix_licenses_status_ends_at
SELECT id, user_id, plan, ends_at
FROM licenses
WHERE status = :'status'
  AND ends_at >= now()
  AND ends_at < now() + interval '14 days'
ORDER BY ends_at;

-- name: jobs_metrics_containment
-- Dashboards: jobs whose worker metrics contain a given document (JSONB @>, GIN index).
-- index: ix_jobs_metrics
SELECT id, user_id, status, metrics
FROM jobs
WHERE metrics @> CAST(:'probe' AS jsonb);

-- name: audit_chain_head
-- Audit chain append: the latest row (highest id) of one scope, whose chain_hash the next row links to.
-- index: ix_audit_logs_scope_type_scope_id_id
SELECT id, chain_hash
FROM audit_logs
WHERE scope_type = :'scope_type'
  AND scope_id = :'scope_id'
ORDER BY id DESC
LIMIT 1;
