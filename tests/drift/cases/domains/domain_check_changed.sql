-- kind: a domain CHECK changed, one dropped, one extra (the fix adds and removes them)
-- expect: domain check part_code.part_code_format changed
-- expect: domain check part_code.part_code_not_zero added
-- expect: domain check part_code.part_code_extra removed
ALTER DOMAIN part_code DROP CONSTRAINT part_code_format;
ALTER DOMAIN part_code ADD CONSTRAINT part_code_format CHECK (VALUE ~ '^P-[0-9]+$');
ALTER DOMAIN part_code DROP CONSTRAINT part_code_not_zero;
ALTER DOMAIN part_code ADD CONSTRAINT part_code_extra CHECK (length(VALUE) < 10);
