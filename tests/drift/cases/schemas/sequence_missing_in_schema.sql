-- kind: a sequence outside public dropped (with the default that used it)
-- expect: sequence billing.invoice_no added
-- expect: column billing.invoices.number changed
ALTER TABLE billing.invoices ALTER COLUMN number DROP DEFAULT;
DROP SEQUENCE billing.invoice_no;
