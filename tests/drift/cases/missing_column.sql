-- kind: missing column
-- expect: column users.last_login_at added
ALTER TABLE users DROP COLUMN last_login_at;
