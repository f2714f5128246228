-- kind: unique dropped
-- expect: constraint uq_machines_code added
ALTER TABLE machines DROP CONSTRAINT uq_machines_code;
