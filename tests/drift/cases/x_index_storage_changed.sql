-- kind: index storage parameter set (extra)
-- expect: index ix_licenses_status_ends_at changed
ALTER INDEX ix_licenses_status_ends_at SET (fillfactor = 50);
