-- kind: an enum outside public gained a value
-- expect: enum billing.currency changed
ALTER TYPE billing.currency ADD VALUE 'gbp';
