-- kind: a table named like a spec table, in public instead of billing
-- expect: table invoices removed
CREATE TABLE public.invoices (id bigint PRIMARY KEY);
