-- kind: an extra view outside public
-- expect: view billing.extra_view removed
CREATE VIEW billing.extra_view AS SELECT id FROM billing.invoices;
