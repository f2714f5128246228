-- kind: column type changed under two views with INSTEAD OF triggers (the fix drops and re-creates them, triggers included)
-- expect: column orders.amount changed
DROP VIEW big_open_orders;
DROP VIEW open_orders;
ALTER TABLE orders ALTER COLUMN amount TYPE bigint;
CREATE VIEW open_orders AS SELECT id, amount FROM orders WHERE status = 'open';
CREATE VIEW big_open_orders AS SELECT id, amount FROM open_orders WHERE amount > 100;
CREATE TRIGGER open_orders_write INSTEAD OF INSERT OR UPDATE ON open_orders FOR EACH ROW EXECUTE FUNCTION orders_view_write();
COMMENT ON TRIGGER open_orders_write ON open_orders IS 'Writes through to orders.';
CREATE TRIGGER open_orders_delete INSTEAD OF DELETE ON open_orders FOR EACH ROW EXECUTE FUNCTION orders_view_refuse();
CREATE TRIGGER big_open_orders_refuse INSTEAD OF INSERT OR UPDATE OR DELETE ON big_open_orders FOR EACH ROW EXECUTE FUNCTION orders_view_refuse();
