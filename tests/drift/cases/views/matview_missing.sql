-- kind: materialized view missing
-- expect: materialized view order_totals added
DROP MATERIALIZED VIEW order_totals;
