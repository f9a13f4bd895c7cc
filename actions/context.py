"""What the actions need at run time: settings, the town content (reloaded on edit), the clock."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from arobase.clock import current_time
from arobase.settings import Settings
from arobase.town import Town, load_town
from notifications.db import Database
from notifications.hub import Hub


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings()


@lru_cache(maxsize=4)
def _town_version(path: Path, mtime_ns: int) -> Town:
    return load_town(path)


def town() -> Town:
    """The town content, read again whenever staff edit the file (no retraining needed)."""
    path = settings().town_file
    return _town_version(path, path.stat().st_mtime_ns)


def now() -> datetime:
    return current_time(town().commune.zone, settings().now)


@lru_cache(maxsize=1)
def _database() -> Database:
    return Database(settings().database_url)


def hub() -> Hub:
    """The notification hub with the current town content and the assistant's clock."""
    return Hub(settings(), _database(), town(), clock=now)
