-- kind: index dropped
-- expect: index ix_sessions_expires_at added
DROP INDEX ix_sessions_expires_at;
