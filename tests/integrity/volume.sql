-- Realistic volume for the query-plan tests (tests/integrity/test_query_plans.py), generated in
-- SQL on a database upgraded to head: 2,000 users, 200,000 jobs, 50,000 licenses and 50,000
-- audit rows (500 hash chains of 100 rows). Run as one script (one implicit transaction).
--
-- Loaded the way pg_restore loads a dump: jobs, licenses and audit_logs lose their
-- constraints and indexes for the INSERTs and get them back afterwards, re-created from their
-- own definitions (pg_get_constraintdef, pg_get_indexdef), so the schema is the migrations'
-- again. One difference remains: their CHECK constraints come back NOT VALID, because
-- validating them costs as much as checking every row on insert; the regex CHECKs with a
-- bounded repetition ('{64}', '{8,255}') cost tens of microseconds a row. The rows below meet
-- every CHECK by construction, and the test re-checks a sample of them. Primary keys, unique
-- constraints and foreign keys are re-created valid (re-adding a foreign key re-checks it).

SET maintenance_work_mem = '128MB';
SET max_parallel_maintenance_workers = 0;

CREATE TEMP TABLE volume_saved AS
SELECT 1 AS step, c.conrelid::regclass::text AS tab, c.conname AS name, pg_get_constraintdef(c.oid) AS definition
FROM pg_constraint c
WHERE c.contype IN ('p', 'u') AND c.conrelid IN ('jobs'::regclass, 'licenses'::regclass, 'audit_logs'::regclass)
UNION ALL
SELECT 2, c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.contype = 'f'
  AND (c.conrelid IN ('jobs'::regclass, 'licenses'::regclass, 'audit_logs'::regclass)
       OR c.confrelid IN ('jobs'::regclass, 'licenses'::regclass, 'audit_logs'::regclass))
UNION ALL
SELECT 3, c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) || ' NOT VALID'
FROM pg_constraint c
WHERE c.contype = 'c' AND c.conrelid IN ('jobs'::regclass, 'licenses'::regclass, 'audit_logs'::regclass)
UNION ALL
SELECT 4, t.relname, i.relname, pg_get_indexdef(i.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
WHERE t.oid IN ('jobs'::regclass, 'licenses'::regclass, 'audit_logs'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid);

DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM volume_saved ORDER BY step DESC, name LOOP
    IF r.step = 4 THEN
      EXECUTE format('DROP INDEX %I', r.name);
    ELSE
      EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', r.tab, r.name);
    END IF;
  END LOOP;
END
$$;

-- 2,000 users
INSERT INTO users (email, status, created_at)
SELECT 'user' || g || '@example.com', 'active', now() - interval '800 days' + g * interval '1 minute'
FROM generate_series(1, 2000) g;

CREATE TEMP TABLE volume_users AS
SELECT id, row_number() OVER (ORDER BY created_at) - 1 AS n FROM users;

-- 200,000 jobs, 100 per user, one every 157 s over the last year. Statuses: 2% queued,
-- 2% running, 2% failed, the rest succeeded. metrics: {} while queued/running, else
-- cycle time and collisions; 100 rows (0.05%) carry an "alarm", the containment probe's target.
INSERT INTO jobs (user_id, type, status, params, metrics, idempotency_key, request_fingerprint,
                  created_at, started_at, finished_at)
SELECT u.id,
       (ARRAY['cam', 'simulation', 'post_process', 'nesting', 'model_import']::job_type[])[1 + g % 5],
       (CASE g % 50 WHEN 0 THEN 'queued' WHEN 1 THEN 'running' WHEN 2 THEN 'failed' ELSE 'succeeded' END)::job_status,
       (ARRAY['{"machine": "haas-vf2", "material": "al-6061-t6", "strategy": "adaptive"}',
              '{"machine": "dmg-dmu50", "material": "steel-1.2379", "strategy": "pocket"}']::jsonb[])[1 + g % 2],
       CASE WHEN g % 50 IN (0, 1) THEN '{}'::jsonb
            WHEN g % 2000 = 7 THEN '{"cycle_time_s": 5400, "collisions": 1, "alarm": "spindle_overload"}'::jsonb
            ELSE (ARRAY['{"cycle_time_s": 640, "collisions": 0}', '{"cycle_time_s": 1210, "collisions": 0}',
                        '{"cycle_time_s": 95, "collisions": 0, "toolpath_mm": 18250}']::jsonb[])[1 + g % 3] END,
       'volume-job-' || g,
       md5(g::text) || md5((-g)::text),
       now() - interval '365 days' + g * interval '157 seconds',
       CASE WHEN g % 50 <> 0 THEN now() - interval '365 days' + g * interval '157 seconds' END,
       CASE WHEN g % 50 NOT IN (0, 1) THEN now() - interval '365 days' + g * interval '157 seconds' + interval '1 minute' END
FROM generate_series(1, 200000) g
JOIN volume_users u ON u.n = g % 2000;

-- 50,000 licenses, 25 per user, statuses evenly spread, each valid for a year.
INSERT INTO licenses (user_id, plan, status, seats, starts_at, ends_at)
SELECT u.id,
       (ARRAY['trial', 'starter', 'professional', 'enterprise', 'education']::license_plan[])[1 + g % 5],
       (ARRAY['pending', 'active', 'past_due', 'suspended', 'expired', 'cancelled']::license_status[])[1 + g % 6],
       1 + g % 10,
       now() - interval '2 years' + g * interval '25 minutes',
       now() - interval '1 year' + g * interval '25 minutes'
FROM generate_series(1, 50000) g
JOIN volume_users u ON u.n = g % 2000;

-- 50,000 audit rows: 500 chains of 100 rows. Each row's prev_chain_hash is the chain_hash of
-- the row before it in its scope (NULL for the first), so the fork guard uq_audit_logs_scope_prev
-- holds; the hashes are sha256 of "scope:position", valid 64-char hex but not real chain hashes.
INSERT INTO audit_logs (scope_type, scope_id, event_type, payload, prev_chain_hash, chain_hash, created_at)
SELECT 'job', 'volume-scope-' || s, 'job.updated', jsonb_build_object('seq', i),
       CASE WHEN i > 1 THEN encode(sha256(convert_to(s || ':' || (i - 1), 'UTF8')), 'hex') END,
       encode(sha256(convert_to(s || ':' || i, 'UTF8')), 'hex'),
       now() - interval '100 days' + i * interval '1 hour'
FROM generate_series(1, 500) s, generate_series(1, 100) i
ORDER BY s, i;

DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM volume_saved ORDER BY step, name LOOP
    IF r.step = 4 THEN
      EXECUTE r.definition;
    ELSE
      EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', r.tab, r.name, r.definition);
    END IF;
  END LOOP;
END
$$;

-- The test then runs VACUUM (ANALYZE) users, jobs, licenses, audit_logs (not in a script:
-- VACUUM cannot run inside the implicit transaction of a multi-statement query).
