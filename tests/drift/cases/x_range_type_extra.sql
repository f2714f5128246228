-- kind: extra range type (issue 16; migra does not see range types, nor the constructors PostgreSQL makes for them)
-- expect: type spare_range removed
CREATE TYPE spare_range AS RANGE (subtype = double precision, subtype_diff = float8mi);
