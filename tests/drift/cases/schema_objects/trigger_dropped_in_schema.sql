-- kind: a trigger on a table outside public dropped
-- expect: trigger billing.invoices.invoices_touch added
DROP TRIGGER invoices_touch ON billing.invoices;
