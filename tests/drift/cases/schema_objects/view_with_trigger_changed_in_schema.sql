-- kind: a view outside public with an INSTEAD OF trigger has another query (dropped and created again, with its trigger)
-- expect: view billing.editable_invoices changed
CREATE OR REPLACE VIEW billing.editable_invoices AS SELECT id, total FROM billing.invoices WHERE id > 0;
