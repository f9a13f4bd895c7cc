"""Shared fixtures: the trained model (once per run) and the real Rasa + action servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from arobase.model import ensure_model
from arobase.settings import ROOT
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
def measures() -> dict[str, str]:
    return MEASURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if MEASURES:
        terminalreporter.section("measured")
        for name, value in MEASURES.items():
            terminalreporter.write_line(f"{name}: {value}")
