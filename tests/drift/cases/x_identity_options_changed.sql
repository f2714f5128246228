-- kind: identity options changed (extra)
-- expect: identity audit_logs.id changed
ALTER TABLE audit_logs ALTER COLUMN id SET INCREMENT BY 2 SET CACHE 10;
