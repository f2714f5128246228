-- kind: extra table
-- expect: table scratch_notes removed
CREATE TABLE scratch_notes (id integer PRIMARY KEY, body text NOT NULL);
