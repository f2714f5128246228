-- kind: a materialized view outside public missing
-- expect: materialized view billing.totals added
DROP MATERIALIZED VIEW billing.totals;
