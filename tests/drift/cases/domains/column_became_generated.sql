-- kind: a plain column of the spec is generated in the database
-- expect: column parts.label changed
ALTER TABLE parts DROP COLUMN label;
ALTER TABLE parts ADD COLUMN label text GENERATED ALWAYS AS (upper(code)) STORED;
