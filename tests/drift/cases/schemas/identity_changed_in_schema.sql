-- kind: an identity option of a table outside public changed
-- expect: identity billing.invoices.id changed
ALTER TABLE billing.invoices ALTER COLUMN id SET INCREMENT BY 5;
