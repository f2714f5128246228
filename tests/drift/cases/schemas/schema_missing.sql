-- kind: a schema of the spec (and its table) missing in the database
-- expect: schema audit added
-- expect: table audit.events added
DROP SCHEMA audit CASCADE;
