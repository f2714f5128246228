-- kind: unique made DEFERRABLE (extra)
-- expect: constraint uq_machines_code changed
ALTER TABLE machines DROP CONSTRAINT uq_machines_code;
ALTER TABLE machines ADD CONSTRAINT uq_machines_code UNIQUE (code) DEFERRABLE INITIALLY DEFERRED;
