-- kind: comment of an INSTEAD OF trigger changed
-- expect: comment trigger open_orders.open_orders_write changed
COMMENT ON TRIGGER open_orders_write ON open_orders IS 'Something else.';
