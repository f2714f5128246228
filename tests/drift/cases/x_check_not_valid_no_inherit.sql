-- kind: CHECK re-added NOT VALID and NO INHERIT (extra)
-- expect: constraint ck_machines_axes_range changed
ALTER TABLE machines DROP CONSTRAINT ck_machines_axes_range;
ALTER TABLE machines ADD CONSTRAINT ck_machines_axes_range CHECK (axes BETWEEN 3 AND 5) NO INHERIT NOT VALID;
