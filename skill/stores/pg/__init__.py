"""The PostgreSQL backend: a pooled database and its schema; the stores themselves are shared with SQLite."""
