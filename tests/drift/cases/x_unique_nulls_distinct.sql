-- kind: unique NULLS NOT DISTINCT lost (extra)
-- expect: constraint uq_audit_logs_scope_prev changed
ALTER TABLE audit_logs DROP CONSTRAINT uq_audit_logs_scope_prev;
ALTER TABLE audit_logs ADD CONSTRAINT uq_audit_logs_scope_prev
    UNIQUE (scope_type, scope_id, prev_chain_hash);
