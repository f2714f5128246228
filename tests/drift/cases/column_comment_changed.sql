-- kind: column comment changed
-- expect: comment column users.email changed
COMMENT ON COLUMN users.email IS 'E-mail address.';
