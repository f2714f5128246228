"""Alembic: custom ops, autogenerate comparators, renames, the env, generate-and-prove, command wrappers."""
