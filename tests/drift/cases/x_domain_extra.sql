-- kind: extra domain (migra does not compare domains: this database was "in sync")
-- expect: domain release_year removed
-- expect: domain short_label removed
CREATE DOMAIN release_year AS integer CONSTRAINT release_year_range CHECK (VALUE >= 1901 AND VALUE <= 2155);
CREATE DOMAIN short_label AS text COLLATE "C" DEFAULT 'x' NOT NULL CHECK (length(VALUE) <= 20);
