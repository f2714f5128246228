-- kind: column collation changed (issue 16)
-- expect: column users.display_name changed
ALTER TABLE users ALTER COLUMN display_name TYPE text COLLATE "C";
