"""The Telegram bot in webhook mode (AROBASE_TELEGRAM_WEBHOOK_URL): the real `arobase telegram`
process registers its webhook and its commands with the fake Bot API, answers the updates
posted with Telegram's secret header (and only those), and at its stop writes its chat counts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from notifications.hub import Hub
from notifications.store.console_tables import ChatCountRow
from tests.fake_rasa import FakeRasa, running_fake_rasa
from tests.fakes.telegram_api import FakeTelegram, running_fake_telegram
from tests.hub_support import make_test_hub, migrated_sqlite
from tests.servers import free_port
from tests.worker_processes import bot_env, running_bot

SECRET = "secret-du-webhook-de-test"
PUBLIC_URL = "https://bot.trilport.example/telegram"
CHAT = 800_001
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with running_fake_telegram() as fake:
        yield fake


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with running_fake_rasa() as fake:
        yield fake


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    hub = make_test_hub(migrated_sqlite(tmp_path / "hub.db"))
    yield hub
    hub.close()


def update(text: str) -> dict:
    """A resident's private message, as Telegram posts it to a webhook."""
    chat = {"id": CHAT, "type": "private", "first_name": "Marie"}
    sender = {"id": CHAT, "is_bot": False, "first_name": "Marie", "language_code": "fr"}
    message = {"message_id": 1, "date": int(time.time()), "chat": chat, "from": sender}
    return {"update_id": 1, "message": message | {"text": text}}


def listening(url: str, deadline: float = 30) -> None:
    """Wait until the webhook's server answers (it starts after the commands are set)."""
    start = time.monotonic()
    while True:
        try:
            httpx.post(url, json={}, timeout=5)
            return
        except httpx.TransportError:
            assert time.monotonic() - start < deadline, f"nothing listens at {url}"


def chat_counts(hub: Hub) -> int:
    with hub.db.session() as session:
        total = session.scalar(
            select(func.sum(ChatCountRow.messages)).where(ChatCountRow.front == "telegram")
        )
    return total or 0


def test_the_webhook_answers_telegram_only_and_writes_its_counts_at_stop(
    telegram: FakeTelegram, rasa: FakeRasa, hub: Hub, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    env = bot_env(
        telegram,
        rasa.url,
        hub.settings.database_url,
        telegram_webhook_url=PUBLIC_URL,
        telegram_webhook_host="127.0.0.1",
        telegram_webhook_port=str(port),
        telegram_webhook_secret=SECRET,
    )
    with running_bot(env, telegram, tmp_path / "bot.log"):
        (registered,) = telegram.calls_of("setWebhook")
        assert registered.params["url"] == PUBLIC_URL
        assert registered.params["secret_token"] == SECRET
        listening(url)

        forged = httpx.post(url, json=update("Bonjour"), headers={HEADER: "pas le bon"})
        answered = httpx.post(url, json=update("Bonjour"), headers={HEADER: SECRET})

        assert forged.status_code == 403
        assert answered.status_code == 200
        received = telegram.messages.wait_until(
            lambda items: any(m.chat_id == CHAT for m in items), timeout=20, what="the reply"
        )
        (reply,) = [m for m in received if m.chat_id == CHAT]
        assert reply.text == "Vous avez dit : Bonjour"
        assert chat_counts(hub) == 0  # counted in memory, written every minute or at stop
    assert chat_counts(hub) == 1
    assert len([m for m in telegram.messages.items() if m.chat_id == CHAT]) == 1
