-- kind: a view re-created by hand without its INSTEAD OF trigger, its query changed
-- expect: view big_open_orders changed
-- expect: trigger big_open_orders.big_open_orders_refuse added
DROP VIEW big_open_orders;
CREATE VIEW big_open_orders AS SELECT id, amount FROM open_orders WHERE amount > 200;
