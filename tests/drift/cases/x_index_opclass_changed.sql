-- kind: index operator class changed (extra)
-- expect: index ix_jobs_params changed
DROP INDEX ix_jobs_params;
CREATE INDEX ix_jobs_params ON jobs USING gin (params jsonb_path_ops);
