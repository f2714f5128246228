-- kind: enum value added
-- expect: enum job_status changed
-- A value the spec does not have; removing it needs the type recreated (destructive).
ALTER TYPE job_status ADD VALUE 'paused' AFTER 'running';
