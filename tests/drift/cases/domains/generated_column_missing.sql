-- kind: a generated column of the spec is missing
-- expect: column parts.area added
ALTER TABLE parts DROP COLUMN area;
