-- kind: a generated column of the spec is a plain column in the database
-- expect: column parts.code_key changed
ALTER TABLE parts ALTER COLUMN code_key DROP EXPRESSION;
