-- kind: a generated column's expression changed (not a default)
-- expect: column parts.area changed
ALTER TABLE parts ALTER COLUMN area SET EXPRESSION AS (width * height * 2);
