-- kind: enum comment changed (extra)
-- expect: comment type job_status changed
COMMENT ON TYPE job_status IS 'Lifecycle of a job.';
