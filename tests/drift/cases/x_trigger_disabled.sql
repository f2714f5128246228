-- kind: append-only trigger disabled (extra, issue 17)
-- expect: trigger audit_logs.audit_logs_append_only_truncate changed
ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only_truncate;
