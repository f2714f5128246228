-- kind: function added in the database (extra, issue 17)
-- expect: function extra_helper(n integer) removed
CREATE FUNCTION extra_helper(n integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT n + 1';
