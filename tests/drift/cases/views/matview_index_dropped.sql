-- kind: materialized view index dropped
-- expect: index order_totals_customer added
DROP INDEX order_totals_customer;
