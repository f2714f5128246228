-- kind: nullability
-- expect: column sessions.expires_at changed
ALTER TABLE sessions ALTER COLUMN expires_at DROP NOT NULL;
