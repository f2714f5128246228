-- kind: INSTEAD OF trigger missing on a view
-- expect: trigger open_orders.open_orders_write added
DROP TRIGGER open_orders_write ON open_orders;
