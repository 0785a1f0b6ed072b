"""The store: every stage reads and writes here, so a run can stop anywhere and resume."""

from eco.store.db import SCHEMA_VERSION, Store, open_store
from eco.store import models

__all__ = ["SCHEMA_VERSION", "Store", "open_store", "models"]
