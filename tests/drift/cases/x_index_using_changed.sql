-- kind: index with a different USING (extra)
-- expect: index ix_audit_logs_payload changed
DROP INDEX ix_audit_logs_payload;
CREATE INDEX ix_audit_logs_payload ON audit_logs USING btree (payload);
