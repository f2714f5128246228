-- kind: the index of a materialized view outside public dropped
-- expect: index billing.ix_totals_customer_id added
DROP INDEX billing.ix_totals_customer_id;
