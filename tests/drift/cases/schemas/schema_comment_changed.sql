-- kind: a schema's comment changed
-- expect: comment schema billing changed
COMMENT ON SCHEMA billing IS 'something else';
