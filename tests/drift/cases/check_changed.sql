-- kind: CHECK expression changed
-- expect: constraint ck_machines_axes_range changed
ALTER TABLE machines DROP CONSTRAINT ck_machines_axes_range;
ALTER TABLE machines ADD CONSTRAINT ck_machines_axes_range CHECK (axes BETWEEN 2 AND 12);
