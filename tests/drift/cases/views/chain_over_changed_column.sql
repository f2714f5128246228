-- kind: column type changed under a chain of views three deep
-- expect: column orders.amount changed
DROP MATERIALIZED VIEW order_totals;
DROP VIEW big_order_customers;
DROP VIEW big_orders;
DROP VIEW order_amounts;
ALTER TABLE orders ALTER COLUMN amount TYPE bigint;
CREATE VIEW order_amounts AS SELECT o.id, o.customer_id, o.amount FROM orders o;
COMMENT ON VIEW order_amounts IS 'Every order''s amount.';
COMMENT ON COLUMN order_amounts.amount IS 'In cents.';
CREATE VIEW big_orders AS SELECT id, customer_id, amount FROM order_amounts WHERE amount > 100;
CREATE VIEW big_order_customers AS SELECT c.name, b.amount FROM big_orders b JOIN customers c ON c.id = b.customer_id;
CREATE MATERIALIZED VIEW order_totals AS SELECT customer_id, sum(amount) AS total FROM orders GROUP BY customer_id;
CREATE UNIQUE INDEX order_totals_customer ON order_totals (customer_id);
COMMENT ON MATERIALIZED VIEW order_totals IS 'Totals per customer.';
