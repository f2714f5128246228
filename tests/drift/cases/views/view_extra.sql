-- kind: extra view
-- expect: view drift_extra_view removed
CREATE VIEW drift_extra_view AS SELECT id FROM customers;
