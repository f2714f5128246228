-- kind: the comment of a function outside public changed
-- expect: comment function billing.touch() changed
COMMENT ON FUNCTION billing.touch() IS 'Drifted.';
