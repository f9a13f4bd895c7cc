"""The Telegram bot as residents meet it: the real `arobase telegram` process, polling the
fake Bot API on loopback (tests/fakes/telegram_api.py), with a fake Rasa for the bot's own
behaviour. tests/test_telegram_assistant.py runs it with the real Rasa and action servers."""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from arobase.settings import ROOT
from notifications.hub import Hub
from notifications.store.tables import DeliveryRow, MessageRow, SubscriberRow, SubscriptionRow
from notifications.subscribers import add_subscriber, deactivate_address, find_subscriber
from tests.fake_rasa import FakeRasa, running_fake_rasa
from tests.fakes.telegram_api import FakeTelegram, SentMessage, running_fake_telegram
from tests.hub_support import make_test_hub, migrated_sqlite
from tests.servers import closed_port_url
from tests.worker_processes import (
    AROBASE,
    bot_env,
    environ_without_ours,
    running_bot,
    wait_until,
)

chats = itertools.count(700_001)


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    with running_fake_telegram() as fake:
        yield fake


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasa]:
    with running_fake_rasa() as fake:
        yield fake


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    hub = make_test_hub(migrated_sqlite(tmp_path_factory.mktemp("bot") / "hub.db"))
    yield hub
    hub.close()


@pytest.fixture(scope="module")
def bot(
    telegram: FakeTelegram, rasa: FakeRasa, hub: Hub, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    env = bot_env(telegram, rasa.url, hub.settings.database_url, telegram_flood_per_minute="20")
    with running_bot(env, telegram, tmp_path_factory.mktemp("logs") / "bot.log"):
        yield


@pytest.fixture(autouse=True)
def fresh_rasa(rasa: FakeRasa) -> None:
    rasa.reset()


def to_chat(telegram: FakeTelegram, chat: int) -> list[SentMessage]:
    return [m for m in telegram.messages.items() if m.chat_id == chat]


def wait_replies(telegram: FakeTelegram, chat: int, count: int) -> list[SentMessage]:
    telegram.messages.wait_until(
        lambda items: sum(m.chat_id == chat for m in items) >= count,
        timeout=20,
        what=f"{count} replies to chat {chat}",
    )
    return to_chat(telegram, chat)


def wait_edits(telegram: FakeTelegram, chat: int, count: int = 1, containing: str = "") -> list:
    """The bot's editMessageText calls on CHAT, once COUNT of them (with CONTAINING) came."""

    def edits(calls: list) -> list:
        return [
            c
            for c in calls
            if c.method == "editMessageText"
            and c.params["chat_id"] == chat
            and containing in c.params.get("text", "")
        ]

    return edits(telegram.calls.wait_until(lambda calls: len(edits(calls)) >= count))


def buttons(message: SentMessage) -> list[dict]:
    return [row[0] for row in (message.reply_markup or {}).get("inline_keyboard", [])]


def tap_answers(telegram: FakeTelegram, message: SentMessage, count: int = 1) -> list[str]:
    """The notices of answerCallbackQuery to taps under MESSAGE, once COUNT of them came."""

    def answers(calls: list) -> list[str]:
        return [
            c.params.get("text", "")
            for c in calls
            if c.method == "answerCallbackQuery"
            and c.params["callback_query_id"].startswith(f"cb{message.message_id}-")
        ]

    return answers(telegram.calls.wait_until(lambda calls: len(answers(calls)) >= count))


def record_alerts(hub: Hub, subscriber_id: int, alerts: list[tuple[str, datetime, str]]) -> None:
    """Deliveries (title, time, status) to a subscriber, as the worker records them."""
    with hub.db.session() as session:
        for title, at, status in alerts:
            message = MessageRow(kind="staff", title=title, body="", topics=["travaux"],
                                 status="sent", scheduled_at=at, created_at=at)  # fmt: skip
            session.add(message)
            session.flush()
            delivery = DeliveryRow(message_id=message.id, subscriber_id=subscriber_id,
                                   target=f"subscriber:{subscriber_id}", channel="telegram",
                                   status=status, next_attempt_at=at, created_at=at,
                                   sent_at=at if status == "sent" else None)  # fmt: skip
            session.add(delivery)


def test_start_welcomes_and_the_commands_are_registered(bot: None, telegram: FakeTelegram) -> None:
    chat = next(chats)
    telegram.push_text(chat, "/start")
    (welcome,) = wait_replies(telegram, chat, 1)
    assert "Bonjour" in welcome.text and "/alertes" in welcome.text
    assert "https://www.trilport.example/confidentialite" in welcome.text
    commands = telegram.calls_of("setMyCommands")[-1].params["commands"]
    assert [c["command"] for c in commands] == [
        "start", "aide", "alertes", "quartier", "stop", "mesdonnees", "supprimer",
    ]  # fmt: skip


def test_a_question_gets_the_answer_and_buttons_lead_back_to_rasa(
    bot: None, telegram: FakeTelegram, rasa: FakeRasa
) -> None:
    chat = next(chats)
    telegram.push_text(chat, "Je voudrais faire un choix")
    (question,) = wait_replies(telegram, chat, 1)
    assert question.text == "Que souhaitez-vous savoir ?"
    assert [b["text"] for b in buttons(question)] == ["Horaires de la mairie", "Carte d'identité"]
    assert any(
        c.method == "sendChatAction"
        and c.params["chat_id"] == chat
        and c.params["action"] == "typing"
        for c in telegram.calls.items()
    )
    telegram.push_callback(chat, buttons(question)[1]["callback_data"], question.message_id)
    replies = wait_replies(telegram, chat, 2)
    assert replies[1].text == "Vous avez choisi /carte_identite"
    assert rasa.senders[-1] == f"telegram:{chat}"
    assert any(c.method == "answerCallbackQuery" for c in telegram.calls.items())


def test_text_is_escaped_for_html(bot: None, telegram: FakeTelegram) -> None:
    chat = next(chats)
    telegram.push_text(chat, "<b>gras</b> & co")
    (reply,) = wait_replies(telegram, chat, 1)
    assert reply.text == "Vous avez dit : &lt;b&gt;gras&lt;/b&gt; &amp; co"
    assert reply.parse_mode == "HTML"


def test_a_long_reply_is_split_at_paragraphs(bot: None, telegram: FakeTelegram) -> None:
    chat = next(chats)
    telegram.push_text(chat, "des paragraphes svp")
    telegram.messages.wait_until(
        lambda items: any(m.chat_id == chat and "Paragraphe 19." in m.text for m in items),
        timeout=20,
    )
    parts = to_chat(telegram, chat)
    assert len(parts) >= 3
    assert all(len(p.text) <= 4096 for p in parts)
    assert all(p.text.startswith("Paragraphe ") for p in parts)
    assert "".join(p.text for p in parts).count("Paragraphe") == 20


def test_alerts_menu_toggles_topics_in_the_hub_and_the_keyboard(
    bot: None, telegram: FakeTelegram, hub: Hub
) -> None:
    chat = next(chats)
    telegram.push_text(chat, "/alertes")
    (menu,) = wait_replies(telegram, chat, 1)
    keys = {b["text"]: b["callback_data"] for b in buttons(menu)}
    assert "Travaux" in keys and "✅ Travaux" not in keys
    telegram.push_callback(chat, keys["Travaux"], menu.message_id)
    edit = wait_edits(telegram, chat)[-1]
    labels = [row[0]["text"] for row in edit.params["reply_markup"]["inline_keyboard"]]
    assert "✅ Travaux" in labels and "Écoles" in labels
    subscriber = find_subscriber(hub, "telegram", str(chat))
    assert subscriber is not None and subscriber.topics == ("travaux",)
    # A second tap removes it again.
    telegram.push_callback(chat, keys["Travaux"], menu.message_id)
    wait_edits(telegram, chat, count=2)
    assert find_subscriber(hub, "telegram", str(chat)) is None


def test_stop_asks_first_then_unsubscribes_everything(
    bot: None, telegram: FakeTelegram, hub: Hub
) -> None:
    chat = next(chats)
    add_subscriber(hub, "telegram", str(chat), ["travaux", "ecoles"])
    telegram.push_text(chat, "/stop")
    (question,) = wait_replies(telegram, chat, 1)
    assert "arrêter toutes les alertes" in question.text
    yes = buttons(question)[0]
    assert find_subscriber(hub, "telegram", str(chat)) is not None
    telegram.push_callback(chat, yes["callback_data"], question.message_id)
    wait_edits(telegram, chat)
    assert find_subscriber(hub, "telegram", str(chat)) is None


def test_stop_also_erases_a_suspended_subscription(
    bot: None, telegram: FakeTelegram, hub: Hub
) -> None:
    chat = next(chats)
    add_subscriber(hub, "telegram", str(chat), ["travaux"])
    deactivate_address(hub, "telegram", str(chat), "le résident a bloqué le bot")
    telegram.push_text(chat, "/mesdonnees")
    (data,) = wait_replies(telegram, chat, 1)
    assert "Travaux" in data.text and "suspendu" in data.text and "bloqué" not in data.text
    telegram.push_text(chat, "/stop")
    question = wait_replies(telegram, chat, 2)[1]
    assert "arrêter toutes les alertes" in question.text
    telegram.push_callback(chat, buttons(question)[0]["callback_data"], question.message_id)
    wait_edits(telegram, chat)
    assert find_subscriber(hub, "telegram", str(chat)) is None


def test_stop_without_a_subscription_says_so(bot: None, telegram: FakeTelegram) -> None:
    chat = next(chats)
    telegram.push_text(chat, "/stop")
    (reply,) = wait_replies(telegram, chat, 1)
    assert reply.text == "Vous ne recevez aucune alerte."


def test_my_data_then_delete_leaves_no_row_of_the_chat(
    bot: None, telegram: FakeTelegram, hub: Hub, rasa: FakeRasa
) -> None:
    chat = next(chats)
    subscriber = add_subscriber(hub, "telegram", str(chat), ["alertes"])
    telegram.push_text(chat, "/mesdonnees")
    (data,) = wait_replies(telegram, chat, 1)
    assert str(chat) in data.text and "Alertes" in data.text and "accord donné le" in data.text
    telegram.push_text(chat, "/supprimer")
    question = wait_replies(telegram, chat, 2)[1]
    telegram.push_callback(chat, buttons(question)[0]["callback_data"], question.message_id)
    wait_edits(telegram, chat, containing="effacées")
    with hub.db.session() as session:
        for table, column in (
            (SubscriberRow, SubscriberRow.address == str(chat)),
            (SubscriptionRow, SubscriptionRow.subscriber_id == subscriber.id),
            (DeliveryRow, DeliveryRow.subscriber_id == subscriber.id),
        ):
            assert session.scalar(select(func.count()).select_from(table).where(column)) == 0
    assert rasa.forgotten == [f"telegram:{chat}"]


def test_my_data_lists_the_latest_alerts_received_newest_first(
    bot: None, telegram: FakeTelegram, hub: Hub
) -> None:
    chat = next(chats)
    subscriber = add_subscriber(hub, "telegram", str(chat), ["travaux"])
    # Twelve alerts a day apart at 09:00 UTC (10:00 in Trilport, winter), stored out of order;
    # one that failed and one still waiting were not received.
    first = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    sent = [(f"Travaux n° {n} <rue> & co", first + timedelta(days=n), "sent") for n in range(12)]
    record_alerts(hub, subscriber.id, [*sent[6:], ("Jamais reçue", first, "failed"), *sent[:6],
                                       ("Pas encore", first, "pending")])  # fmt: skip
    telegram.push_text(chat, "/mesdonnees")
    (data,) = wait_replies(telegram, chat, 1)
    listed = data.text.split("\n\n")[1].splitlines()
    assert listed == [
        "Les 10 dernières des 12 alertes reçues ici :",
        *[f"- {n + 2:02d}/11/2026 à 10:00 : Travaux n° {n} &lt;rue&gt; &amp; co"
          for n in range(11, 1, -1)],
        "Pour recevoir la liste complète, appelez la mairie au 01 99 00 10 00.",
    ]  # fmt: skip
    assert len(data.text) <= 4096


def test_delete_says_when_the_conversation_could_not_be_erased(
    bot: None, telegram: FakeTelegram, hub: Hub, rasa: FakeRasa
) -> None:
    chat = next(chats)
    add_subscriber(hub, "telegram", str(chat), ["alertes"])
    rasa.forget_fails = True
    telegram.push_text(chat, "/supprimer")
    (question,) = wait_replies(telegram, chat, 1)
    telegram.push_callback(chat, buttons(question)[0]["callback_data"], question.message_id)
    (edit,) = wait_edits(telegram, chat)
    text = edit.params["text"]
    assert "données d'alertes sont effacées" in text and "n'a pas pu être effacé" in text
    assert "toutes vos données" not in text and "01 99 00 10 00" in text
    assert find_subscriber(hub, "telegram", str(chat)) is None
    assert rasa.forgotten == []


def test_a_resident_who_blocked_the_bot_is_deactivated(
    bot: None, telegram: FakeTelegram, hub: Hub
) -> None:
    chat = next(chats)
    add_subscriber(hub, "telegram", str(chat), ["alertes"])
    telegram.blocked.add(chat)
    try:
        telegram.push_text(chat, "bonjour")
        # The reply is refused (403): the subscriber stops receiving alerts.
        wait_until(
            lambda: not find_subscriber(hub, "telegram", str(chat)).active,
            timeout=20,
            what="the subscriber deactivated",
        )
    finally:
        telegram.blocked.discard(chat)
    assert "bloqué" in (find_subscriber(hub, "telegram", str(chat)).deactivated_reason or "")


@pytest.mark.parametrize("mode", ["error", "hang"])
def test_rasa_down_or_slow_gets_an_apology_with_the_phone(
    bot: None, telegram: FakeTelegram, rasa: FakeRasa, mode: str
) -> None:
    chat = next(chats)
    rasa.mode = mode  # type: ignore[assignment]
    telegram.push_text(chat, "la mairie est ouverte ?")
    (reply,) = wait_replies(telegram, chat, 1)
    assert reply.text.startswith("Désolé, l'assistant ne répond pas")
    assert "01 99 00 10 00" in reply.text


def test_photos_stickers_and_voice_get_a_polite_reply(bot: None, telegram: FakeTelegram) -> None:
    chat = next(chats)
    base = {
        "chat": {"id": chat, "type": "private", "first_name": "Marie"},
        "from": {"id": chat, "is_bot": False, "first_name": "Marie"},
        "date": 1_790_000_000,
    }
    kinds = [
        {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]},
        {"sticker": {"file_id": "s1", "file_unique_id": "u2", "width": 512, "height": 512,
                     "is_animated": False, "is_video": False, "type": "regular"}},
        {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
        {"location": {"latitude": 48.95, "longitude": 2.94}},
    ]  # fmt: skip
    for number, kind in enumerate(kinds):
        telegram.push_update({"message": {"message_id": 900 + number, **base, **kind}})
    replies = wait_replies(telegram, chat, len(kinds))
    assert all("messages écrits" in r.text for r in replies)


def test_a_flood_gets_a_slow_down_without_reaching_rasa(
    bot: None, telegram: FakeTelegram, rasa: FakeRasa
) -> None:
    chat = next(chats)
    for number in range(21):
        telegram.push_text(chat, f"message {number}")
    replies = wait_replies(telegram, chat, 21)
    assert sum("patientez une minute" in r.text for r in replies) == 1
    assert sum(sender == f"telegram:{chat}" for sender in rasa.senders) == 20


def test_commands_and_taps_count_in_flood_control_and_are_then_dropped(
    bot: None, telegram: FakeTelegram, rasa: FakeRasa, hub: Hub
) -> None:
    chat = next(chats)
    telegram.push_text(chat, "un choix, svp")  # reaches Rasa: a question with buttons
    (question,) = wait_replies(telegram, chat, 1)
    for _ in range(19):  # the limit (20 a minute) reached with commands
        telegram.push_text(chat, "/aide")
    wait_replies(telegram, chat, 20)
    burst = [
        *[("tap", buttons(question)[0]["callback_data"])] * 5,
        *[("tap", "a:travaux")] * 3, ("tap", "x:del:oui"), ("tap", "x:stop:oui"),
        ("text", "/alertes"), ("text", "/mesdonnees"), ("text", "/stop"), ("text", "/supprimer"),
        ("text", "/start"), ("text", "la mairie est ouverte ?"),
    ]  # fmt: skip
    for kind, data in burst:
        if kind == "tap":
            telegram.push_callback(chat, data, question.message_id)
        else:
            telegram.push_text(chat, data)
    # A resident of another chat, after the burst: once answered, the burst was handled.
    witness = next(chats)
    telegram.push_text(witness, "témoin")
    wait_replies(telegram, witness, 1)
    replies = wait_replies(telegram, chat, 21)
    assert len(replies) == 21
    assert [r.text for r in replies].count(
        "Vous m'envoyez beaucoup de messages : patientez une minute, puis reposez votre "
        "question. Merci !"
    ) == 1
    assert rasa.senders.count(f"telegram:{chat}") == 1 and rasa.forgotten == []
    assert len(tap_answers(telegram, question, 0)) <= 1  # at most the tap told to slow down
    assert find_subscriber(hub, "telegram", str(chat)) is None  # no tap reached the hub


ADMINS_ONLY = (
    "Dans un groupe, seuls ses administrateurs peuvent arrêter les alertes ou effacer les "
    "données. Demandez à l'un d'eux, s'il vous plaît."
)


@pytest.mark.parametrize(
    ("command", "done", "forgotten"),
    [
        ("/stop", "C'est fait : vous ne recevrez plus aucune alerte. Votre abonnement est effacé.",
         False),
        ("/supprimer", "C'est fait : toutes vos données sont effacées.", True),
    ],
)  # fmt: skip
def test_in_a_group_only_its_administrators_may_stop_or_erase(
    bot: None,
    telegram: FakeTelegram,
    rasa: FakeRasa,
    hub: Hub,
    command: str,
    done: str,
    forgotten: bool,
) -> None:
    group, owner, admin, member = -next(chats), 91, 92, 93
    telegram.set_admins(group, owner=owner, administrators=[admin])
    add_subscriber(hub, "telegram", str(group), ["travaux"])
    telegram.push_group_text(group, member, command)
    (refused,) = wait_replies(telegram, group, 1)
    assert refused.text == ADMINS_ONLY and not refused.reply_markup
    telegram.push_group_text(group, admin, f"{command}@trilport_test_bot")
    question = wait_replies(telegram, group, 2)[1]
    yes = buttons(question)[0]["callback_data"]
    # A member's tap on « Oui »: a notice for them alone; the buttons wait for an admin.
    telegram.push_callback(group, yes, question.message_id, user_id=member)
    assert tap_answers(telegram, question) == [
        "Seuls les administrateurs du groupe peuvent faire ce choix."
    ]
    assert find_subscriber(hub, "telegram", str(group)) is not None
    telegram.push_callback(group, yes, question.message_id, user_id=owner)
    (edit,) = wait_edits(telegram, group)
    assert edit.params["text"] == done
    assert find_subscriber(hub, "telegram", str(group)) is None
    assert rasa.forgotten == ([f"telegram:{group}"] if forgotten else [])
    checked = [c.params["user_id"] for c in telegram.calls_of("getChatMember")
               if c.params["chat_id"] == group]  # fmt: skip
    assert checked == [member, admin, member, owner]


def test_in_a_group_a_member_cannot_remove_its_topics_from_the_alerts_menu(
    bot: None, telegram: FakeTelegram, hub: Hub
) -> None:
    group, member = -next(chats), 93
    telegram.set_admins(group, owner=91)
    add_subscriber(hub, "telegram", str(group), ["travaux"])
    telegram.push_group_text(group, member, "/alertes")
    (menu,) = wait_replies(telegram, group, 1)
    keys = {b["text"]: b["callback_data"] for b in buttons(menu)}
    telegram.push_callback(group, keys["✅ Travaux"], menu.message_id, user_id=member)
    assert tap_answers(telegram, menu) == [
        "Seuls les administrateurs du groupe peuvent faire ce choix."
    ]
    subscriber = find_subscriber(hub, "telegram", str(group))
    assert subscriber is not None and subscriber.topics == ("travaux",)


@pytest.mark.parametrize("kind", ["message", "edited_message"])
def test_an_anonymous_administrator_may_stop_a_group_s_alerts(
    bot: None, telegram: FakeTelegram, hub: Hub, kind: str
) -> None:
    group = -next(chats)
    add_subscriber(hub, "telegram", str(group), ["travaux"])
    chat = {"id": group, "type": "supergroup", "title": "Voisins de la rue de Meaux"}
    anonymous = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                 "username": "GroupAnonymousBot"}  # fmt: skip
    # Written as /stop, or edited into it (commands answer edits too).
    edited = {"edit_date": 1_790_000_060} if kind == "edited_message" else {}
    telegram.push_update({kind: {
        "message_id": 1, "date": 1_790_000_000, "chat": chat, "sender_chat": chat,
        "from": anonymous, "text": "/stop",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}], **edited,
    }})  # fmt: skip
    (question,) = wait_replies(telegram, group, 1)
    assert [b["text"] for b in buttons(question)] == ["Oui, tout arrêter"]


def test_in_a_group_the_bot_answers_only_when_mentioned(
    bot: None, telegram: FakeTelegram, rasa: FakeRasa
) -> None:
    group = -next(chats)
    member = {"id": 4242, "is_bot": False, "first_name": "Paul"}
    chat = {"id": group, "type": "group", "title": "Voisins de la rue de Meaux"}

    def post(text: str, entities: list | None = None) -> None:
        message = {"message_id": next(chats), "date": 1_790_000_000, "chat": chat,
                   "from": member, "text": text}  # fmt: skip
        if entities:
            message["entities"] = entities
        telegram.push_update({"message": message})

    post("on mange où ce soir ?")
    mention = "@Trilport_Test_Bot"  # usernames ignore case
    post(
        f"{mention} la mairie est ouverte ?",
        [{"type": "mention", "offset": 0, "length": len(mention)}],
    )
    (reply,) = wait_replies(telegram, group, 1)
    assert reply.text == "Vous avez dit : la mairie est ouverte ?"
    assert rasa.messages == ["la mairie est ouverte ?"]


def test_the_bot_needs_a_token(tmp_path: Path) -> None:
    env = environ_without_ours()
    result = subprocess.run(
        [str(AROBASE), "telegram"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "AROBASE_TELEGRAM_TOKEN" in result.stderr and "BotFather" in result.stderr


def test_an_unreachable_rasa_is_handled_from_the_start(hub: Hub, tmp_path: Path) -> None:
    with running_fake_telegram() as telegram:  # its own: the module's bot polls the other
        env = bot_env(telegram, closed_port_url(), hub.settings.database_url)
        with running_bot(env, telegram, tmp_path / "bot.log"):
            chat = next(chats)
            telegram.push_text(chat, "bonjour")
            (reply,) = wait_replies(telegram, chat, 1)
    assert "01 99 00 10 00" in reply.text
