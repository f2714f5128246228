-- kind: the INSTEAD OF trigger of a view outside public dropped
-- expect: trigger billing.editable_invoices.editable_insert added
DROP TRIGGER editable_insert ON billing.editable_invoices;
