"""``schemactl lint``: squawk over each revision's offline SQL (issue 18 item 3)."""
