-- kind: trigger added in the database (extra, issue 17)
-- expect: trigger users.users_extra_touch removed
-- expect: function extra_touch() removed
CREATE FUNCTION extra_touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER users_extra_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION extra_touch();
