-- kind: a domain's NOT NULL, default and comment changed
-- expect: domain part_code changed
-- expect: comment domain part_code changed
ALTER DOMAIN part_code DROP NOT NULL;
ALTER DOMAIN part_code SET DEFAULT 'P-001';
COMMENT ON DOMAIN part_code IS 'changed';
