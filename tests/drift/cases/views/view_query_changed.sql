-- kind: view query changed
-- expect: view open_orders changed
CREATE OR REPLACE VIEW open_orders AS SELECT id, status FROM orders WHERE status = 'closed' WITH CASCADED CHECK OPTION;
