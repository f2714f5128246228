-- kind: a view in public named like one in billing
-- expect: view open_invoices removed
CREATE VIEW public.open_invoices AS SELECT 1 AS one;
