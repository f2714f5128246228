-- kind: a CHECK of a domain outside public changed
-- expect: domain check billing.money_try.non_negative changed
ALTER DOMAIN billing.money_try DROP CONSTRAINT non_negative;
ALTER DOMAIN billing.money_try ADD CONSTRAINT non_negative CHECK (VALUE > -1);
