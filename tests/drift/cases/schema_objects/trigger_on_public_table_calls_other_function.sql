-- kind: a public table's trigger calls another schema's function, and was dropped
-- expect: trigger customers.customers_touch added
DROP TRIGGER customers_touch ON public.customers;
