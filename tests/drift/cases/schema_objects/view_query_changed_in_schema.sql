-- kind: a view outside public has another query
-- expect: view billing.big_open_invoices changed
CREATE OR REPLACE VIEW billing.big_open_invoices AS SELECT id, total FROM billing.open_invoices WHERE total > 5000;
