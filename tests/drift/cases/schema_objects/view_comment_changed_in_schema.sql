-- kind: comments of a view outside public changed
-- expect: comment view billing.open_invoices changed
-- expect: comment view billing.open_invoices columns changed
COMMENT ON VIEW billing.open_invoices IS 'Drifted.';
COMMENT ON COLUMN billing.open_invoices.total IS NULL;
