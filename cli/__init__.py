"""The schemactl command line: one module per command group; parse, call generator/, report, exit."""
