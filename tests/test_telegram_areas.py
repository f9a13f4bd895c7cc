"""Alerts by area on Telegram, with the real `arobase telegram` process and the fake Bot API:
/quartier says which areas' alerts a chat receives, /quartier <street> keeps only that
street's area besides the whole commune's, « Toute la commune » brings every area back; an
unknown street is answered politely and changes nothing; in a group, only its
administrators choose."""

from __future__ import annotations

import itertools

from notifications.hub import Hub
from notifications.subscribers import add_subscriber, find_subscriber
from tests import test_telegram_bot
from tests.fakes.telegram_api import FakeTelegram
from tests.test_telegram_bot import buttons, tap_answers, wait_edits, wait_replies

telegram = test_telegram_bot.telegram
rasa = test_telegram_bot.rasa
hub = test_telegram_bot.hub
bot = test_telegram_bot.bot
fresh_rasa = test_telegram_bot.fresh_rasa
chats = itertools.count(800_001)


def areas_of(hub: Hub, chat: int) -> tuple[str, ...] | None:
    subscriber = find_subscriber(hub, "telegram", str(chat))
    return None if subscriber is None else subscriber.areas


def test_a_chat_chooses_its_area_by_street_then_every_area_again(
    bot: None, telegram: FakeTelegram, hub: Hub
) -> None:
    chat = next(chats)
    add_subscriber(hub, "telegram", str(chat), ["travaux"])
    telegram.push_text(chat, "/quartier")
    (state,) = wait_replies(telegram, chat, 1)
    assert state.text.startswith("Vous recevez les alertes de tous les quartiers.")
    assert "par exemple : /quartier Rue de Meaux" in state.text
    assert buttons(state) == []

    telegram.push_text(chat, "/quartier 12 r. de Meaux")
    chosen = wait_replies(telegram, chat, 2)[1]
    assert chosen.text.startswith(
        "C'est noté : vous recevrez les alertes de toute la commune et celles du quartier "
        "« Secteur A » ; vous ne recevrez plus celles des autres quartiers."
    )
    assert areas_of(hub, chat) == ("secteur_a",)

    telegram.push_text(chat, "/mesdonnees")
    data = wait_replies(telegram, chat, 3)[2]
    assert "- quartier : Secteur A\n" in data.text

    telegram.push_text(chat, "/quartier")
    state = wait_replies(telegram, chat, 4)[3]
    assert "celles du quartier « Secteur A », pas celles des autres quartiers" in state.text
    (everywhere,) = buttons(state)
    assert everywhere["text"] == "Toute la commune"
    telegram.push_callback(chat, everywhere["callback_data"], state.message_id)
    (edit,) = wait_edits(telegram, chat)
    assert edit.params["text"] == (
        "C'est noté : vous recevrez de nouveau les alertes de tous les quartiers."
    )
    assert areas_of(hub, chat) == ()


def test_an_unknown_street_is_answered_politely_and_changes_nothing(
    bot: None, telegram: FakeTelegram, hub: Hub
) -> None:
    chat = next(chats)
    add_subscriber(hub, "telegram", str(chat), ["travaux"], areas=["secteur_b"])
    telegram.push_text(chat, "/quartier rue de Nulle-Part <b>")
    (reply,) = wait_replies(telegram, chat, 1)
    assert reply.parse_mode == "HTML"  # what the resident typed is escaped
    assert reply.text.startswith(
        "Je ne trouve pas « rue de Nulle-Part &lt;b&gt; » dans la liste des rues de Trilport."
    )
    assert "appelez" in reply.text
    # Hostile input costs one reply: a street of 5,000 characters is cut, not stored.
    telegram.push_text(chat, "/quartier " + "x" * 5000)
    long_reply = wait_replies(telegram, chat, 2)[1]
    assert f"« {'x' * 120} »" in long_reply.text
    assert areas_of(hub, chat) == ("secteur_b",)


def test_a_chat_without_alerts_is_sent_to_alertes_first(
    bot: None, telegram: FakeTelegram, hub: Hub
) -> None:
    chat = next(chats)
    telegram.push_text(chat, "/quartier")
    (state,) = wait_replies(telegram, chat, 1)
    assert state.text.startswith("Abonnez-vous d'abord à des alertes avec /alertes.")
    telegram.push_text(chat, "/quartier Rue de Meaux")
    reply = wait_replies(telegram, chat, 2)[1]
    assert reply.text.startswith("Vous ne recevez encore aucune alerte : choisissez d'abord")
    assert find_subscriber(hub, "telegram", str(chat)) is None


def test_in_a_group_only_its_administrators_choose_its_area(
    bot: None, telegram: FakeTelegram, hub: Hub
) -> None:
    group, owner, member = -next(chats), 91, 93
    telegram.set_admins(group, owner=owner)
    add_subscriber(hub, "telegram", str(group), ["travaux"], areas=["secteur_a"])
    telegram.push_group_text(group, member, "/quartier Rue de Montceaux")
    (refused,) = wait_replies(telegram, group, 1)
    assert refused.text.startswith("Dans un groupe, seuls ses administrateurs")
    assert areas_of(hub, group) == ("secteur_a",)

    telegram.push_group_text(group, member, "/quartier")
    state = wait_replies(telegram, group, 2)[1]
    telegram.push_callback(group, buttons(state)[0]["callback_data"], state.message_id, member)
    assert tap_answers(telegram, state) == [
        "Seuls les administrateurs du groupe peuvent faire ce choix."
    ]
    assert areas_of(hub, group) == ("secteur_a",)

    telegram.push_group_text(group, owner, "/quartier Rue de Montceaux")
    chosen = wait_replies(telegram, group, 3)[2]
    assert "« Secteur B »" in chosen.text
    assert areas_of(hub, group) == ("secteur_b",)
