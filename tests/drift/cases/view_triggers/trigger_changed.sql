-- kind: INSTEAD OF trigger redefined (events and function)
-- expect: trigger open_orders.open_orders_delete changed
DROP TRIGGER open_orders_delete ON open_orders;
CREATE TRIGGER open_orders_delete INSTEAD OF DELETE OR UPDATE ON open_orders FOR EACH ROW EXECUTE FUNCTION orders_view_write();
