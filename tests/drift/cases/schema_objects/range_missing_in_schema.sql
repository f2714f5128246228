-- kind: a range type outside public missing
-- expect: type billing.amount_range added
DROP TYPE billing.amount_range;
