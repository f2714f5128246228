-- kind: extra domain in the database
-- expect: domain release_year removed
CREATE DOMAIN release_year AS integer CONSTRAINT release_year_range CHECK (VALUE >= 1901 AND VALUE <= 2155);
