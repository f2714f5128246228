-- kind: view comment changed
-- expect: comment view order_amounts changed
-- expect: comment view order_amounts columns changed
COMMENT ON VIEW order_amounts IS 'Drifted.';
COMMENT ON COLUMN order_amounts.amount IS NULL;
