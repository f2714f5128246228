-- kind: a column under a chain of views outside public changed type
-- expect: column billing.invoices.customer_id changed
DROP MATERIALIZED VIEW billing.totals;
DROP VIEW billing.big_open_invoices;
DROP VIEW billing.open_invoices;
ALTER TABLE billing.invoices ALTER COLUMN customer_id TYPE integer;
CREATE VIEW billing.open_invoices AS SELECT id, customer_id, total FROM billing.invoices WHERE total > 0;
COMMENT ON VIEW billing.open_invoices IS 'Invoices with something to pay.';
COMMENT ON COLUMN billing.open_invoices.total IS 'Amount.';
CREATE VIEW billing.big_open_invoices AS SELECT id, total FROM billing.open_invoices WHERE total > 1000;
COMMENT ON VIEW billing.big_open_invoices IS 'Open invoices over 1000.';
CREATE MATERIALIZED VIEW billing.totals AS SELECT customer_id, billing.money_sum(total) AS total FROM billing.invoices GROUP BY customer_id;
COMMENT ON MATERIALIZED VIEW billing.totals IS 'Totals per customer.';
CREATE UNIQUE INDEX ix_totals_customer_id ON billing.totals (customer_id);
