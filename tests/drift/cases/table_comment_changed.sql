-- kind: table comment changed
-- expect: comment table users changed
COMMENT ON TABLE users IS 'Accounts (edited by hand in production).';
