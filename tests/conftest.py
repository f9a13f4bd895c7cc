"""Shared fixtures: the trained model (once per run), the real Rasa + action servers, and the
hub's databases (a SQLite file, and a private PostgreSQL cluster started once per run)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from arobase.model import ensure_model
from arobase.settings import ROOT
from notifications.hub import Hub
from notifications.store.migrate import upgrade
from tests.hub_support import FakeClock, make_test_hub, migrated_sqlite
from tests.postgres import fresh_database, running_postgres
from tests.stack import RasaStack, running_stack

# Figures measured by tests (NLU accuracy…), printed at the end of the run.
MEASURES: dict[str, str] = {}


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
