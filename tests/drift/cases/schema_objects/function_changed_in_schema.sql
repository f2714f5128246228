-- kind: the body of a function outside public changed
-- expect: function billing.total_of(inv bigint) changed
CREATE OR REPLACE FUNCTION billing.total_of(inv bigint) RETURNS billing.money_try LANGUAGE sql STABLE
AS 'SELECT 0::billing.money_try';
