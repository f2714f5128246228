-- kind: append-only trigger dropped (extra)
-- expect: trigger audit_logs.audit_logs_append_only_row added
DROP TRIGGER audit_logs_append_only_row ON audit_logs;
