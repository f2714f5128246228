-- kind: extra exclusion constraint (extra)
-- expect: constraint ex_licenses_no_overlap removed
ALTER TABLE licenses ADD CONSTRAINT ex_licenses_no_overlap
    EXCLUDE USING gist (tstzrange(starts_at, ends_at) WITH &&) WHERE (cancelled_at IS NULL);
