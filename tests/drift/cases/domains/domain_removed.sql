-- kind: a domain of the spec missing in the database (no column uses it there)
-- expect: domain metric_unit added
-- expect: column parts.unit changed
ALTER TABLE parts ALTER COLUMN unit TYPE unit;
DROP DOMAIN metric_unit;
