-- kind: INSTEAD OF trigger added in the database
-- expect: trigger big_open_orders.big_open_orders_extra removed
-- expect: function extra_refuse() removed
CREATE FUNCTION extra_refuse() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
CREATE TRIGGER big_open_orders_extra INSTEAD OF UPDATE ON big_open_orders FOR EACH ROW EXECUTE FUNCTION extra_refuse();
