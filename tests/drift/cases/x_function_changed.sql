-- kind: trigger function body changed (extra)
-- expect: function audit_logs_append_only() changed
CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RETURN NEW;
END
$$;
