"""`arobase conversations waiting`: the conversations handed over to a town agent and not
closed yet, waiting ones first, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from cli import app
from notifications.handoffs import close_handoff, open_handoff, take_handoff
from notifications.hub import Hub
from tests.hub_support import FakeClock, command_environment

runner = CliRunner()
# The commands run on the system's clock; the handoffs are opened at fixed moments.
OPENED = datetime(2026, 11, 25, 9, 5, tzinfo=UTC)  # 10:05 in Trilport


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, hub: Hub) -> None:
    command_environment(monkeypatch, hub.settings.database_url)


def waiting() -> list[str]:
    result = runner.invoke(app, ["conversations", "waiting"])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_nothing_waiting_is_said_plainly():
    assert waiting() == ["Aucune conversation en attente d'un agent."]


def test_the_open_handoffs_are_listed_waiting_first(hub: Hub, clock: FakeClock):
    clock.set(OPENED)
    taken = open_handoff(hub, "web:" + "a" * 32, "Bonjour, une question sur l'état civil", [])
    clock.advance(60)
    question = "Il y a un nid de poule énorme rue de la Gare, devant la boulangerie, depuis lundi"
    waits = open_handoff(hub, "telegram:700001", question, [])
    clock.advance(60)
    closed = open_handoff(hub, "web:" + "b" * 32, "Merci", [])
    take_handoff(hub, taken.handoff.id, "accueil@trilport.example")
    close_handoff(hub, closed.handoff.id, "accueil@trilport.example")
    clock.set(OPENED + timedelta(hours=1))

    lines = waiting()

    assert lines == [
        f"n° {waits.handoff.id:<6} Telegram  depuis le 25/11/2026 10:06  "
        f"{'en attente':<40} Il y a un nid de poule énorme rue de la Gare, devant la bou…",
        f"n° {taken.handoff.id:<6} site      depuis le 25/11/2026 10:05  "
        f"{'prise par accueil@trilport.example':<40} Bonjour, une question sur l'état civil",
    ]
