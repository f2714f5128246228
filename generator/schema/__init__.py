"""spec -> artefacts, pure: SQLAlchemy MetaData, the DDL script, guards, ERD/docs, ORM codegen."""
