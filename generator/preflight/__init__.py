"""schemactl preflight: would the pending revisions succeed on this database's rows (docs/preflight.md)."""
