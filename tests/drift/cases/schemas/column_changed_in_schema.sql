-- kind: a column of a table outside public changed type
-- expect: column billing.invoices.total changed
ALTER TABLE billing.invoices ALTER COLUMN total TYPE numeric(14,2);
