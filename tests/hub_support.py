"""Shared pieces of the hub's tests: an injected clock, settings, a fresh database, a hub."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from arobase.settings import ROOT, Settings
from notifications.hub import Clock, Hub, open_hub
from notifications.store.migrate import upgrade
from notifications.store.subscriber_rows import new_subscriber
from notifications.store.tables import SubscriptionRow

# Wednesday 25 November 2026, 10:00 in Trilport: daytime, outside quiet hours.
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TOWN_FILE = ROOT / "town" / "trilport.yml"


@dataclass
class FakeClock:
    """A clock that moves only when told to."""

    moment: datetime = field(default=START)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> datetime:
        self.moment += timedelta(seconds=seconds)
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment.astimezone(UTC)


def data_dir_for_tests(database_url: str) -> Path:
    """A data folder for a test's generated secrets, never the project's var/: beside a
    SQLite file, else one per test process."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database).parent / "data"
    return Path(tempfile.gettempdir()) / f"arobase-test-data-{os.getpid()}"


def hub_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for a test: no .env file, the sample town, quick retries."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir_for_tests(database_url),
        "town_file": TOWN_FILE,
        "public_url": "http://alertes.test",
        "worker_tick": 0.05,
        "retry_base": 1,
        "retry_cap": 4,
        "max_attempts": 3,
        "apprise_broadcast": "",
        "webpush_allow_local": True,  # the fake push service listens on loopback
        "feeds_allow_local": True,  # so does the feed server
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def migrated_sqlite(path: Path) -> str:
    """A new SQLite database at PATH (any file there is replaced), migrated to head; its URL."""
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


def make_test_hub(database_url: str, clock: Clock | None = None, **overrides: Any) -> Hub:
    return open_hub(hub_settings(database_url, **overrides), clock or FakeClock())


def bulk_subscribers(hub: Hub, channel: str, addresses: list[str], topics: list[str]) -> None:
    """Many confirmed subscribers at once (setting up a large fan-out quickly).

    Without quiet hours, on purpose: the tests and benchmarks that use them send ordinary
    messages through real workers on the system clock, and must measure the same at 03:00
    (scripts/test-at-night.sh proves it) as at 15:00.
    """
    now = hub.now()
    with hub.db.session() as session:
        for address in addresses:
            row = new_subscriber(channel, address, {}, now, quiet=(None, None))
            row.subscriptions = [SubscriptionRow(topic=t, created_at=now) for t in topics]
            session.add(row)


COMMANDS_PUBLIC_URL = "http://alertes.test"


def command_environment(monkeypatch: Any, database_url: str) -> None:
    """The environment an `arobase` command run by a test reads: no .env file, the test's
    database and town file, and the public URL its links are checked against."""
    monkeypatch.setenv("AROBASE_ENV_FILE", "/dev/null")
    monkeypatch.setenv("AROBASE_DATABASE_URL", database_url)
    monkeypatch.setenv("AROBASE_TOWN_FILE", str(TOWN_FILE))
    monkeypatch.setenv("AROBASE_PUBLIC_URL", COMMANDS_PUBLIC_URL)
