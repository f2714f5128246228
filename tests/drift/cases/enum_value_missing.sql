-- kind: enum value missing
-- expect: enum tool_material changed
-- The type recreated without 'ceramic' (a middle value): the fix is ADD VALUE ... AFTER 'hss_co'.
ALTER TYPE tool_material RENAME TO tool_material_old;
CREATE TYPE tool_material AS ENUM ('carbide', 'hss', 'hss_co', 'cbn', 'pcd');
ALTER TABLE tools ALTER COLUMN material TYPE tool_material USING material::text::tool_material;
DROP TYPE tool_material_old;
COMMENT ON TYPE tool_material IS 'Cutting material of a tool (not the workpiece material, see materials).';
