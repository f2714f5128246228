-- kind: a trigger on a table outside public disabled
-- expect: trigger billing.invoices.invoices_touch changed
ALTER TABLE billing.invoices DISABLE TRIGGER invoices_touch;
