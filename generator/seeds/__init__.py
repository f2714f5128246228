"""seeds.yaml: load and check, apply (upsert on natural keys), data revisions."""
