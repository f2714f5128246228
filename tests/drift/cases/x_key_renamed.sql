-- kind: key and index renamed (only the name differs: the fix renames, never drops a key other tables' foreign keys depend on)
-- expect: constraint pk_users added
-- expect: constraint users_pkey removed
-- expect: index ix_sessions_expires_at added
-- expect: index sessions_expiry removed
ALTER TABLE users RENAME CONSTRAINT pk_users TO users_pkey;
ALTER INDEX ix_sessions_expires_at RENAME TO sessions_expiry;
