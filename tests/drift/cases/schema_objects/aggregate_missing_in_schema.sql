-- kind: an aggregate outside public missing (with the materialized view that uses it)
-- expect: function billing.money_sum(billing.money_try) added
-- expect: materialized view billing.totals added
DROP MATERIALIZED VIEW billing.totals;
DROP AGGREGATE billing.money_sum(billing.money_try);
