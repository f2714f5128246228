-- kind: an extra function outside public
-- expect: function billing.extra_helper(n integer) removed
CREATE FUNCTION billing.extra_helper(n integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT n + 1';
