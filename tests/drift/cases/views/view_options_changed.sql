-- kind: view options changed
-- expect: view open_orders changed
ALTER VIEW open_orders RESET (security_barrier);
ALTER VIEW open_orders SET (check_option = local);
