"""The database comparison (migra + catalog), the diff report, its fixing SQL, the spec's database."""
