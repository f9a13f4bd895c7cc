"""Shared fixtures: the trained model (once per run), the real Rasa + action servers, and the
hub's databases (a SQLite file, and a private PostgreSQL cluster started once per run)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from arobase.model import ensure_model
from arobase.settings import ROOT
from notifications.hub import Hub
from notifications.store.migrate import upgrade
from tests.fakes.webhook import FakeWebhook, running_fake_webhook
from tests.hub_support import FakeClock, make_test_hub, migrated_sqlite
from tests.postgres import fresh_database, running_postgres
from tests.stack import RasaStack, running_stack

# Figures measured by tests (NLU accuracy…), printed at the end of the run.
MEASURES: dict[str, str] = {}


class StillClock:
    """The clock limits' in-memory counters read during a test: one instant throughout.

    The public endpoints count requests in sliding window counters, which by design let one
    request more through when the counted ones straddle a window's edge (the previous
    window's count is weighted, then rounded down). A test that sends N allowed requests then
    expects a 429 must not depend on the second it runs at.
    """

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def still_rate_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    import limits.storage.memory

    monkeypatch.setattr(limits.storage.memory, "time", StillClock(time.time()))


@pytest.fixture(scope="session")
def trained_model() -> Path:
    path, _ = ensure_model()
    return path


@pytest.fixture(scope="session")
def rasa_stack(trained_model: Path) -> Iterator[RasaStack]:
    with running_stack(trained_model, ROOT / "var" / "test-logs") as stack:
        yield stack


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[str]:
    """A PostgreSQL cluster for the whole run, started on first use."""
    with running_postgres() as url:
        yield url


_databases = iter(range(1_000_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated hub database: each hub test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return migrated_sqlite(tmp_path / "hub.db")
    admin = request.getfixturevalue("postgres_admin")
    url = fresh_database(admin, f"hub_{next(_databases)}")
    upgrade(url)
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hub(database_url: str, clock: FakeClock) -> Iterator[Hub]:
    hub = make_test_hub(database_url, clock)
    yield hub
    hub.close()


@pytest.fixture(scope="session")
def measures() -> dict[str, str]:
    return MEASURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if MEASURES:
        terminalreporter.section("measured")
        for name, value in MEASURES.items():
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture(scope="module")
def webhook_server() -> Iterator[FakeWebhook]:
    """A JSON webhook on loopback (apprise's json://), shared by a module's tests."""
    with running_fake_webhook() as server:
        yield server


@pytest.fixture
def webhook(webhook_server: FakeWebhook) -> FakeWebhook:
    """The module's webhook, its posts and scripted failures forgotten."""
    webhook_server.reset()
    return webhook_server
