"""A resident's conversation on Telegram, end to end: the fake Bot API → the real bot → the
real Rasa 3.6 server → the real action server → the hub; then an alert through the worker
with the same bot token. The actions' clock is Wednesday 25 November 2026, 10:00."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from notifications.handoffs import waiting_handoffs
from notifications.hub import Hub, system_clock
from notifications.messages import announce
from notifications.staff import add_staff
from notifications.subscribers import find_subscriber
from tests.fakes.telegram_api import FakeTelegram, SentMessage, running_fake_telegram
from tests.hub_support import make_test_hub
from tests.stack import RasaStack
from tests.test_console_conversations_browser import CLOSING, PASSWORD
from tests.test_telegram_bot import buttons, wait_edits, wait_replies
from tests.test_telegram_handoff import ACK, agent_console, post_step
from tests.worker_processes import bot_env, running_bot, worker_env, workers

pytestmark = pytest.mark.rasa
chats = itertools.count(810_001)
TELEGRAM_AGENT = "accueil-telegram@trilport.example"  # the stack's hub is shared by modules


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    with running_fake_telegram() as fake:
        yield fake


@pytest.fixture(scope="module")
def hub(rasa_stack: RasaStack) -> Iterator[Hub]:
    """The hub database the action server uses."""
    hub = make_test_hub(rasa_stack.env["AROBASE_DATABASE_URL"], system_clock)
    yield hub
    hub.close()


@pytest.fixture(scope="module")
def bot(
    telegram: FakeTelegram,
    rasa_stack: RasaStack,
    hub: Hub,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    env = bot_env(telegram, rasa_stack.rasa_url, hub.settings.database_url, rasa_timeout="30")
    env["AROBASE_RASA_TOKEN"] = rasa_stack.token
    with running_bot(env, telegram, tmp_path_factory.mktemp("bot") / "bot.log"):
        yield


def last_reply(telegram: FakeTelegram, chat: int, count: int) -> SentMessage:
    return wait_replies(telegram, chat, count)[-1]


def test_question_answer_button_answer(bot: None, telegram: FakeTelegram) -> None:
    chat = next(chats)
    telegram.push_text(chat, "c'est ouvert samedi ?")
    question = last_reply(telegram, chat, 1)
    assert "quel service" in question.text.lower()
    choices = {b["text"]: b["callback_data"] for b in buttons(question)}
    assert len(choices) == 10
    telegram.push_callback(chat, choices["La médiathèque"], question.message_id)
    answer = last_reply(telegram, chat, 2)
    assert "samedi 28 novembre" in answer.text.lower()
    assert "médiathèque" in answer.text.lower()


def test_a_procedure_is_explained(bot: None, telegram: FakeTelegram) -> None:
    chat = next(chats)
    telegram.push_text(chat, "jveux refaire ma carte d'identité")
    # One message (Rasa's pieces joined), the title first.
    answer = last_reply(telegram, chat, 1)
    assert answer.text.startswith("Carte d'identité\n\n")
    assert "Documents à fournir" in answer.text and "ants.gouv.fr" in answer.text


def test_subscribing_in_the_chat_then_receiving_an_alert(
    bot: None, telegram: FakeTelegram, hub: Hub, tmp_path: Path
) -> None:
    chat = next(chats)
    telegram.push_text(chat, "je veux être prévenu des travaux")
    confirmation = last_reply(telegram, chat, 1)
    assert "C'est fait" in confirmation.text and "Travaux" in confirmation.text
    subscriber = find_subscriber(hub, "telegram", str(chat))
    assert subscriber is not None and subscriber.topics == ("travaux",)

    # Urgent: sent at once whatever the hour the tests run (quiet hours hold the others).
    announce(
        hub, "Rue de Meaux fermée", body="Du 1er au 5 décembre.", topics=["travaux"], urgent=True
    )
    env = worker_env(hub.settings.database_url, telegram, worker_lease="5")
    with workers(1, env, tmp_path):
        alert = last_reply(telegram, chat, 2)
    assert "<b>URGENT : Rue de Meaux fermée</b>" in alert.text
    assert "/alertes" in alert.text


def test_alerts_menu_and_erasure_with_the_real_servers(
    bot: None, telegram: FakeTelegram, hub: Hub, rasa_stack: RasaStack
) -> None:
    chat = next(chats)
    telegram.push_text(chat, "bonjour")
    last_reply(telegram, chat, 1)
    telegram.push_text(chat, "/alertes")
    menu = last_reply(telegram, chat, 2)
    keys = {b["text"]: b["callback_data"] for b in buttons(menu)}
    telegram.push_callback(chat, keys["Écoles"], menu.message_id)
    wait_edits(telegram, chat)
    assert find_subscriber(hub, "telegram", str(chat)).topics == ("ecoles",)  # type: ignore[union-attr]
    assert tracker_events(rasa_stack, chat)  # Rasa holds the conversation…

    telegram.push_text(chat, "/supprimer")
    question = last_reply(telegram, chat, 3)
    telegram.push_callback(chat, buttons(question)[0]["callback_data"], question.message_id)
    wait_edits(telegram, chat, containing="effacées")
    assert find_subscriber(hub, "telegram", str(chat)) is None
    assert not tracker_events(rasa_stack, chat)  # …and forgot it


def tracker_events(stack: RasaStack, chat: int) -> list[dict]:
    response = httpx.get(
        f"{stack.rasa_url}/conversations/telegram:{chat}/tracker",
        params={"token": stack.token},
        trust_env=False,
    )
    response.raise_for_status()
    return [e for e in response.json()["events"] if e["event"] == "user"]


def test_a_photo_gets_a_polite_reply(bot: None, telegram: FakeTelegram) -> None:
    chat = next(chats)
    telegram.push_update(
        {
            "message": {
                "message_id": 1,
                "date": 1_790_000_000,
                "chat": {"id": chat, "type": "private", "first_name": "Marie"},
                "from": {"id": chat, "is_bot": False, "first_name": "Marie"},
                "photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}],
            }
        }
    )
    assert "messages écrits" in last_reply(telegram, chat, 1).text


@pytest.fixture(scope="module")
def console(telegram: FakeTelegram, hub: Hub) -> Iterator[httpx.Client]:
    """An agent logged in to the console of an app on the stack's hub."""
    add_staff(hub, TELEGRAM_AGENT, "agent", PASSWORD, actor="cli")
    with agent_console(telegram, hub, TELEGRAM_AGENT) as http:
        yield http


def test_the_handoff_journey_with_the_real_assistant(
    bot: None, console: httpx.Client, telegram: FakeTelegram, hub: Hub
) -> None:
    """Issue 11's acceptance on Telegram: resident asks → agent sees it → agent answers →
    resident receives it → agent closes → the bot (the real one) answers again."""
    chat = next(chats)
    telegram.push_text(chat, "je veux parler à quelqu'un de la mairie")
    assert last_reply(telegram, chat, 1).text.startswith("Je transmets votre demande à un agent")
    [waiting] = [h for h in waiting_handoffs(hub) if h.conversation == f"telegram:{chat}"]

    telegram.push_text(chat, "la mairie est ouverte samedi ?")  # to the agent, not to Rasa
    assert last_reply(telegram, chat, 2).text == ACK
    assert post_step(console, waiting.id, "repondre", reponse="Oui, de 9h à 12h.") == (
        "suite=envoyee"
    )
    assert last_reply(telegram, chat, 3).text == "<b>Agent de la mairie</b>\nOui, de 9h à 12h."
    assert post_step(console, waiting.id, "terminer") == "suite=terminee"
    assert last_reply(telegram, chat, 4).text == CLOSING

    telegram.push_text(chat, "la mairie est ouverte samedi ?")
    assert "samedi 28 novembre" in last_reply(telegram, chat, 5).text.lower()
