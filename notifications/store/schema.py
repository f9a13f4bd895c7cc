"""Every table of the hub's database, for the migrations and their check: importing the
modules that declare them registers them on the one metadata."""

from __future__ import annotations

from sqlalchemy import MetaData

from notifications.store import console_tables  # noqa: F401  (registers the console's tables)
from notifications.store.tables import Base


def metadata() -> MetaData:
    """The metadata of all the hub's tables (tables.py and console_tables.py)."""
    return Base.metadata
