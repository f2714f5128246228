-- kind: a schema the spec does not declare, with a table in it
-- expect: schema scratch removed
-- expect: table scratch.notes removed
CREATE SCHEMA scratch;
CREATE TABLE scratch.notes (id integer PRIMARY KEY, body text);
