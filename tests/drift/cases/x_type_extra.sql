-- kind: extra composite type (issue 16)
-- expect: type spare_pair removed
CREATE TYPE spare_pair AS (a integer, b text COLLATE "C");
