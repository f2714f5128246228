-- kind: a foreign key from one schema to another dropped
-- expect: constraint fk_events_invoice_id_invoices added
ALTER TABLE audit.events DROP CONSTRAINT fk_events_invoice_id_invoices;
