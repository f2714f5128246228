-- kind: a sequence the spec lacks, in a schema the spec declares
-- expect: sequence billing.stray removed
CREATE SEQUENCE billing.stray START 5;
