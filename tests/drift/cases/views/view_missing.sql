-- kind: view missing
-- expect: view big_order_customers added
DROP VIEW big_order_customers;
