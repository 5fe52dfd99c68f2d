"""Storage: engine and sessions, column types, migrations, backend differences."""

from trucewatch.store.base import Base
from trucewatch.store.engine import Database, open_database

__all__ = ["Base", "Database", "open_database"]
