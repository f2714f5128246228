-- kind: extra sequence (extra)
-- expect: sequence drift_invoice_seq removed
CREATE SEQUENCE drift_invoice_seq AS integer START WITH 100 CACHE 5;
