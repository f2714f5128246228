-- kind: trigger function comment added (extra, issue 17)
-- expect: comment function audit_logs_append_only() changed
COMMENT ON FUNCTION audit_logs_append_only() IS 'edited by hand';
