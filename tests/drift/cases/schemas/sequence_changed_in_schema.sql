-- kind: an option of a sequence outside public changed
-- expect: sequence billing.invoice_no changed
ALTER SEQUENCE billing.invoice_no INCREMENT BY 2;
