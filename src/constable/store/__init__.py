"""The records store: engine, sessions, the declarative base and migrations. No business rules."""

from constable.store.base import Base
from constable.store.engine import Store, open_store

__all__ = ["Base", "Store", "open_store"]
