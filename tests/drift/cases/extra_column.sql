-- kind: extra column
-- expect: column users.nickname removed
ALTER TABLE users ADD COLUMN nickname text;
