-- kind: extra index
-- expect: index ix_users_display_name removed
CREATE INDEX ix_users_display_name ON users (display_name);
