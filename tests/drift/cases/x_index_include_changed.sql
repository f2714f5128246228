-- kind: index INCLUDE columns added (extra)
-- expect: index ix_licenses_user_id changed
DROP INDEX ix_licenses_user_id;
CREATE INDEX ix_licenses_user_id ON licenses (user_id) INCLUDE (seats, ends_at);
