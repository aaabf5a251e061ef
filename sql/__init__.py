"""Database layer: settings, connections, named queries and migrations."""

from sql.db import DbSettings, connect, query, query_text

__all__ = ["DbSettings", "connect", "query", "query_text"]
