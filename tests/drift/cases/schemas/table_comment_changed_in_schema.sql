-- kind: a table comment outside public changed
-- expect: comment table billing.invoices changed
COMMENT ON TABLE billing.invoices IS 'changed';
