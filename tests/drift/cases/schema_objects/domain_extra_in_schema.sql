-- kind: an extra domain outside public
-- expect: domain billing.code removed
CREATE DOMAIN billing.code AS text;
