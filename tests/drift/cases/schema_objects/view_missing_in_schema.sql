-- kind: a view outside public missing
-- expect: view billing.big_open_invoices added
DROP VIEW billing.big_open_invoices;
