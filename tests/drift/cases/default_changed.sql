-- kind: default changed
-- expect: column users.locale changed
ALTER TABLE users ALTER COLUMN locale SET DEFAULT 'en-US';
