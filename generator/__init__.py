"""schemactl's library: the spec, metadata, revisions, drift, seeds and the app-layer helpers."""

__version__ = "0.1.0"
