-- kind: a column the spec lacks on a table outside public
-- expect: column billing.invoices.note removed
ALTER TABLE billing.invoices ADD COLUMN note text;
