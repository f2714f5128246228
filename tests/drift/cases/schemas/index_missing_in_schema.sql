-- kind: an index of a table outside public dropped
-- expect: index billing.ix_invoices_customer_id added
DROP INDEX billing.ix_invoices_customer_id;
