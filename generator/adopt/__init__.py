"""Adopting an existing database: its spec (``schemactl import``), proven by a round trip."""
