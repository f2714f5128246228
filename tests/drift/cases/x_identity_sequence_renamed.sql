-- kind: identity sequence renamed (extra)
-- expect: identity audit_logs.id changed
ALTER SEQUENCE audit_logs_id_seq RENAME TO audit_logs_ids;
