"""PostgreSQL, knowing nothing of the spec: URLs, connections, servers, scratch and kept databases, catalog snapshots."""
