"""What the actions need at run time: settings, the town content (reloaded on edit), the clock."""

from __future__ import annotations

import threading
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from arobase.clock import current_time
from arobase.settings import Settings, load_settings
from arobase.town import Town, load_town
from notifications.hub import Hub
from notifications.store.database import Database, missing_sqlite_file


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


@lru_cache(maxsize=4)
def _town_version(path: Path, mtime_ns: int) -> Town:
    return load_town(path)


def town() -> Town:
    """The town content, read again whenever staff edit the file (no retraining needed)."""
    path = settings().town_file
    return _town_version(path, path.stat().st_mtime_ns)


def now() -> datetime:
    return current_time(town().commune.zone, settings().now)


class AlertsUnavailable(Exception):
    """The hub's database is not set up here: the alerts cannot be served."""


@lru_cache(maxsize=1)
def _database() -> Database:
    return Database(settings().database_url)


_database_lock = threading.Lock()  # actions run in worker threads: build the engine once


def hub() -> Hub:
    """The notification hub with the current town content and the assistant's clock.

    Raises AlertsUnavailable when the SQLite file is absent, rather than creating an empty one
    (the hub is then not set up on this machine; `arobase db upgrade` creates it).
    """
    missing = missing_sqlite_file(settings().database_url)
    if missing is not None:
        raise AlertsUnavailable(f"the database {missing} does not exist")
    with _database_lock:
        database = _database()
    return Hub(settings(), database, town(), clock=now)
