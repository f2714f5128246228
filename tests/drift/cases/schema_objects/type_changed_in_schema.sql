-- kind: a composite type outside public gained an attribute
-- expect: type billing.address changed
ALTER TYPE billing.address ADD ATTRIBUTE zip text;
