"""A Telegram conversation handed over to a town agent: the real `arobase telegram` process
polling the fake Bot API (tests/fakes/telegram_api.py) with a fake Rasa, and the console of
create_app (uvicorn, same SQLite hub) sending the agent's messages through the same fake.

resident writes during the handoff → kept, not sent to Rasa → the agent's reply arrives in
the chat → the agent closes → the bot answers again."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from bot.web.app import create_app
from notifications.decide.handoffs import HandoffAuthor, Relay
from notifications.handoffs import handoff_of, handoff_thread, open_handoff
from notifications.hub import Hub
from notifications.staff import add_staff
from tests import test_telegram_bot
from tests.fake_rasa import FakeRasa
from tests.fakes.telegram_api import FakeTelegram, SentMessage
from tests.hub_support import make_test_hub, migrated_sqlite
from tests.servers import serving
from tests.test_web_alerts import app_settings
from tests.worker_processes import wait_until

AGENT = "accueil@trilport.example"
PASSWORD = "le lavoir de Trilport en hiver"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ACK = "Message transmis à l'agent de la mairie."
CLOSING = "L'agent a terminé la conversation. L'assistant peut de nouveau vous répondre."
chats = itertools.count(710_001)
# The fake Bot API and the fake Rasa of the bot's own tests, one of each for this module.
telegram = test_telegram_bot.telegram
rasa = test_telegram_bot.rasa
fresh_rasa = test_telegram_bot.fresh_rasa
bot = test_telegram_bot.bot  # `arobase telegram` on this module's hub


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    hub = make_test_hub(migrated_sqlite(tmp_path_factory.mktemp("handoff") / "hub.db"))
    add_staff(hub, AGENT, "agent", PASSWORD, actor="cli")
    yield hub
    hub.close()


@contextmanager
def agent_console(telegram: FakeTelegram, hub: Hub, email: str) -> Iterator[httpx.Client]:
    """Agent EMAIL logged in to the console of an app on HUB's database that sends through
    the fake Bot API."""
    settings = app_settings(
        hub.settings.database_url,
        telegram_token=telegram.token,
        telegram_base_url=telegram.base_url,
    )
    with serving(create_app(settings)) as url, httpx.Client(base_url=url) as http:
        form = http.get("/console/connexion")
        data = {"csrf": csrf_of(form), "email": email, "password": PASSWORD}
        assert http.post("/console/connexion", data=data).status_code == 303
        yield http


@pytest.fixture(scope="module")
def console(telegram: FakeTelegram, hub: Hub) -> Iterator[httpx.Client]:
    """The agent, logged in to the console of an app that sends through the fake Bot API."""
    with agent_console(telegram, hub, AGENT) as http:
        yield http


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


def to_chat(telegram: FakeTelegram, chat: int, count: int) -> list[SentMessage]:
    """The bot's messages to CHAT, once there are COUNT."""
    items = telegram.messages.wait_until(
        lambda items: sum(m.chat_id == chat for m in items) >= count,
        timeout=20,
        what=f"{count} messages to chat {chat}",
    )
    return [m for m in items if m.chat_id == chat]


def post_step(console: httpx.Client, handoff_id: int, step: str, **fields: str) -> str:
    """A form of the conversation's page posted; where the 303 leads (its query)."""
    page = console.get(f"/console/conversations/{handoff_id}")
    data = {"csrf": csrf_of(page), **fields}
    response = console.post(f"/console/conversations/{handoff_id}/{step}", data=data)
    assert response.status_code == 303, response.text
    return response.headers["location"].rpartition("?")[2]


def residents_messages(hub: Hub, handoff_id: int) -> list[str]:
    messages = handoff_thread(hub, handoff_id).messages
    return [m.text for m in messages if m.author is HandoffAuthor.RESIDENT]


def test_the_handoff_journey_on_telegram(
    bot: None, console: httpx.Client, telegram: FakeTelegram, rasa: FakeRasa, hub: Hub
) -> None:
    chat = next(chats)
    telegram.push_text(chat, "Bonjour")
    assert to_chat(telegram, chat, 1)[0].text == "Vous avez dit : Bonjour"
    # The assistant's action hands the conversation over (actions/: open_handoff).
    handoff = open_handoff(
        hub, f"telegram:{chat}", "je veux parler à quelqu'un", [("resident", "Bonjour")]
    ).handoff

    telegram.push_text(chat, "C'est pour ma carte grise.")
    assert to_chat(telegram, chat, 2)[1].text == ACK
    telegram.push_text(chat, "Elle est perdue.")
    wait_until(
        lambda: len(residents_messages(hub, handoff.id)) == 2, timeout=20, what="two messages"
    )
    assert residents_messages(hub, handoff.id) == ["C'est pour ma carte grise.", "Elle est perdue."]
    assert rasa.messages == ["Bonjour"]  # the bot stays silent

    outcome = post_step(console, handoff.id, "repondre", reponse="Bonjour <Marie> & merci.")
    assert outcome == "suite=envoyee"
    reply = to_chat(telegram, chat, 3)[2]
    assert (reply.text, reply.parse_mode) == (
        "<b>Agent de la mairie</b>\nBonjour &lt;Marie&gt; &amp; merci.",
        "HTML",
    )
    page = console.get(f"/console/conversations/{handoff.id}?{outcome}").text
    assert "La réponse est envoyée sur Telegram." in page
    assert "<strong>Envoyé sur Telegram.</strong>" in page

    assert post_step(console, handoff.id, "terminer") == "suite=terminee"
    assert to_chat(telegram, chat, 4)[3].text == CLOSING
    assert handoff_of(hub, f"telegram:{chat}") is None

    telegram.push_text(chat, "Une autre question")
    texts = [m.text for m in to_chat(telegram, chat, 5)]
    assert texts[1:] == [
        ACK,
        "<b>Agent de la mairie</b>\nBonjour &lt;Marie&gt; &amp; merci.",
        CLOSING,
        "Vous avez dit : Une autre question",
    ]
    assert rasa.messages == ["Bonjour", "Une autre question"]


def test_a_reply_telegram_refuses_is_kept_shown_and_sent_again(
    bot: None, console: httpx.Client, telegram: FakeTelegram, hub: Hub
) -> None:
    chat = next(chats)
    handoff = open_handoff(hub, f"telegram:{chat}", "Bonjour", []).handoff
    telegram.blocked.add(chat)
    try:
        outcome = post_step(console, handoff.id, "repondre", reponse="Bonjour, je vous écoute.")
    finally:
        telegram.blocked.discard(chat)

    assert outcome == "suite=echec"
    (stored,) = handoff_thread(hub, handoff.id).messages
    assert (stored.relay, stored.relay_error) == (Relay.FAILED, "le résident a bloqué le bot")
    page = console.get(f"/console/conversations/{handoff.id}?{outcome}").text
    assert 'role="alert">Telegram n\'a pas accepté le message' in page
    assert "Envoi sur Telegram en échec : le résident a bloqué le bot." in page
    assert ">Renvoyer</button>" in page

    assert post_step(console, handoff.id, "renvoyer", message=str(stored.id)) == "suite=envoyee"
    (sent,) = to_chat(telegram, chat, 1)
    assert sent.text == "<b>Agent de la mairie</b>\nBonjour, je vous écoute."
    assert handoff_thread(hub, handoff.id).messages[0].relay is Relay.SENT
    # Sent: asking again (a second tab) sends nothing more; the console waits for Telegram's
    # answer before it answers, so the fake has all it will ever get.
    assert post_step(console, handoff.id, "renvoyer", message=str(stored.id)) == "suite=envoyee"
    assert [m.text for m in telegram.messages.items() if m.chat_id == chat] == [sent.text]


def test_a_button_tapped_during_the_handoff_gets_a_word_not_rasa(
    bot: None, telegram: FakeTelegram, rasa: FakeRasa, hub: Hub
) -> None:
    chat = next(chats)
    telegram.push_text(chat, "Je voudrais un choix")
    question = to_chat(telegram, chat, 1)[0]
    open_handoff(hub, f"telegram:{chat}", "Je voudrais parler à quelqu'un", [])

    tap = question.reply_markup["inline_keyboard"][0][0]["callback_data"]
    telegram.push_callback(chat, tap, question.message_id)

    said = to_chat(telegram, chat, 2)[1]
    assert said.text == "Un agent de la mairie suit votre demande : écrivez-lui ici."
    assert rasa.messages == ["Je voudrais un choix"]


def test_erasing_the_chats_data_erases_its_handoffs(
    bot: None, telegram: FakeTelegram, hub: Hub
) -> None:
    chat = next(chats)
    open_handoff(hub, f"telegram:{chat}", "Bonjour", [])

    telegram.push_text(chat, "/supprimer")
    question = to_chat(telegram, chat, 1)[0]
    telegram.push_callback(chat, "x:del:oui", question.message_id)

    wait_until(
        lambda: handoff_of(hub, f"telegram:{chat}") is None, timeout=20, what="handoff erased"
    )
