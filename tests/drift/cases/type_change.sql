-- kind: type change
-- expect: column tools.coating changed
ALTER TABLE tools ALTER COLUMN coating TYPE varchar(64);
