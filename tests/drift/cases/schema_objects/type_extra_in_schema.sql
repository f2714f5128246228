-- kind: an extra composite type outside public
-- expect: type billing.pair removed
CREATE TYPE billing.pair AS (a integer, b text);
