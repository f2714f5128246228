-- kind: extra expression index (extra)
-- expect: index ix_users_lower_display_name removed
CREATE INDEX ix_users_lower_display_name ON users (lower(display_name) text_pattern_ops);
