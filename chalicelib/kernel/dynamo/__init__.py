"""DynamoDB, shared: sessions, TTL reads, translated errors, the table registry, the
runtime table and its lease."""
