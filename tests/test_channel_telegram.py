"""The Telegram channel against a fake Bot API on loopback: content, errors, rate limits."""

from __future__ import annotations

import asyncio
import gc
import itertools
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatAction

from notifications.channels.telegram import TELEGRAM_MAX_CHARS, telegram_text
from notifications.channels.telegram_sender import TelegramChannel, chat_limiters
from notifications.records import Outcome
from tests.fakes.envelopes import envelope, notice
from tests.fakes.telegram_api import FakeTelegram, running_fake_telegram
from tests.servers import closed_port_url

PLATFORM_LIMIT = 30  # messages per second, all chats together

# pytest shows every DeprecationWarning again; the sender silences this one (telegram_sender.py).
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*`retry_after` will be of type:telegram.warnings.PTBDeprecationWarning"
)


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeTelegram]:
    with running_fake_telegram(max_per_second=PLATFORM_LIMIT) as fake:
        yield fake


@pytest.fixture
def fake(fake_server: FakeTelegram) -> FakeTelegram:
    fake_server.reset()
    return fake_server


@pytest.fixture
async def channel(fake: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    channel = TelegramChannel(fake.token, base_url=fake.base_url, timeout=5)
    yield channel
    await channel.aclose()


def to_chat(chat_id: int | str, *notices, **kwargs):
    return envelope("telegram", str(chat_id), *notices, unsubscribe_url=None, **kwargs)


async def test_alert_reaches_the_chat_as_escaped_html(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    alert = notice(
        title="Travaux <rue Pasteur> & place de l'Église",
        body="Coupure d'eau : prévoir 2 < 3 bouteilles.",
        link="https://trilport.example/travaux?rue=pasteur&jour=mardi",
    )

    result = await channel.send(to_chat(4242, alert))

    assert result.outcome is Outcome.SENT
    [sent] = fake.messages.items()
    assert sent.chat_id == 4242
    assert sent.parse_mode == "HTML"
    assert sent.link_preview_disabled
    assert sent.text.startswith(
        "<b>Travaux &lt;rue Pasteur&gt; &amp; place de l&#x27;Église</b>\n"
        "Coupure d&#x27;eau : prévoir 2 &lt; 3 bouteilles.\n"
        '<a href="https://trilport.example/travaux?rue=pasteur&amp;jour=mardi">En savoir plus</a>'
    )
    assert sent.text.endswith("<i>Gérer vos alertes : /alertes</i>")


async def test_urgent_alert_says_so_first(channel: TelegramChannel, fake: FakeTelegram) -> None:
    await channel.send(to_chat(7, notice(title="Alerte crue de la Marne", urgent=True)))

    assert fake.messages.items()[0].text.startswith("<b>URGENT : Alerte crue de la Marne</b>")


async def test_digest_lists_each_notice(channel: TelegramChannel, fake: FakeTelegram) -> None:
    digest = to_chat(
        7, notice(title="Marché de Noël"), notice(title="Collecte des sapins"), kind="digest"
    )

    assert (await channel.send(digest)).outcome is Outcome.SENT
    text = fake.messages.items()[0].text
    assert text.startswith("<b>Trilport : 2 nouvelles du 24 novembre 2026</b>")
    assert "<b>Marché de Noël</b>" in text and "<b>Collecte des sapins</b>" in text


async def test_blocked_bot_means_the_resident_is_gone(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    fake.blocked.add(4242)

    result = await channel.send(to_chat(4242))

    assert (result.outcome, result.detail) == (Outcome.GONE, "le résident a bloqué le bot")
    assert fake.messages.items() == []


async def test_unknown_chat_is_gone(channel: TelegramChannel, fake: FakeTelegram) -> None:
    fake.unknown_chats.add(-100123)

    result = await channel.send(to_chat(-100123))

    assert result.outcome is Outcome.GONE
    assert "chat not found" in result.detail


async def test_message_telegram_cannot_parse_is_rejected(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    fake.fail_next(1, status=400, description="Bad Request: can't parse entities: unclosed tag")

    result = await channel.send(to_chat(7))

    assert result.outcome is Outcome.REJECTED
    assert "Can't parse entities" in result.detail


async def test_chat_id_that_is_not_a_number_is_rejected(channel: TelegramChannel) -> None:
    result = await channel.send(to_chat("marie"))

    assert result.outcome is Outcome.REJECTED


async def test_server_error_is_retried_later(channel: TelegramChannel, fake: FakeTelegram) -> None:
    fake.fail_next(1, status=500)

    first = await channel.send(to_chat(7))
    second = await channel.send(to_chat(7))

    assert first.outcome is Outcome.RETRY
    assert second.outcome is Outcome.SENT


async def test_unreachable_api_is_retried_later() -> None:
    channel = TelegramChannel("1:abc", base_url=f"{closed_port_url()}/bot", timeout=2)
    try:
        result = await channel.send(to_chat(7))
    finally:
        await channel.aclose()

    assert result.outcome is Outcome.RETRY


async def test_flood_control_pauses_every_send(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    fake.fail_next(1, status=429, retry_after=1)
    before = time.monotonic()

    refused = await channel.send(to_chat(1))
    paused = channel.paused_for()
    other_chat = await channel.send(to_chat(2))

    assert refused.outcome is Outcome.RETRY
    assert refused.retry_after == 1
    assert paused > 0
    assert other_chat.outcome is Outcome.SENT
    # The next message, to another chat, waited for the end of the pause Telegram asked for.
    assert fake.messages.items()[0].at >= before + 1


async def test_sending_faster_than_the_platform_gets_flood_control(fake: FakeTelegram) -> None:
    """The fake enforces the limit: the no-429 test below would catch a channel too fast."""
    too_fast = TelegramChannel(fake.token, base_url=fake.base_url, rate=80, timeout=5)
    try:
        results = await asyncio.gather(*(too_fast.send(to_chat(5000 + i)) for i in range(60)))
    finally:
        await too_fast.aclose()

    assert fake.rate_limited > 0
    assert any(r.outcome is Outcome.RETRY and r.retry_after == 1 for r in results)


async def test_ninety_messages_stay_within_the_platform_limit(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    # The fake shares this process: a garbage collection over the whole suite's objects would
    # pause its thread and bunch arrivals that Telegram, elsewhere, would see spread out.
    gc.collect()
    gc.freeze()
    try:
        results = await asyncio.gather(*(channel.send(to_chat(1000 + i)) for i in range(90)))
    finally:
        gc.unfreeze()

    assert [r.outcome for r in results] == [Outcome.SENT] * 90
    assert fake.rate_limited == 0
    assert len(fake.messages) == 90


async def test_one_chat_gets_its_messages_spaced(fake: FakeTelegram) -> None:
    channel = TelegramChannel(fake.token, base_url=fake.base_url, chat_rate=4, timeout=5)
    try:
        await asyncio.gather(*(channel.send(to_chat(77)) for _ in range(3)))
    finally:
        await channel.aclose()

    arrivals = [message.at for message in fake.messages.items()]
    # 1/4 s apart by the chat's limit; the overall limit alone would allow 1/29.5 s.
    assert min(b - a for a, b in itertools.pairwise(arrivals)) > 0.125


async def test_held_answer_lets_the_send_wait(channel: TelegramChannel, fake: FakeTelegram) -> None:
    fake.hold()
    sending = asyncio.create_task(channel.send(to_chat(7)))
    await asyncio.to_thread(fake.stalled.wait_for, 1)

    assert not sending.done()
    fake.release()
    assert (await sending).outcome is Outcome.SENT
    assert len(fake.messages) == 1


async def test_timed_out_send_is_retried_and_never_counted_as_delivered(
    fake: FakeTelegram,
) -> None:
    channel = TelegramChannel(fake.token, base_url=fake.base_url, timeout=0.5)
    fake.hold()
    try:
        timed_out = await channel.send(to_chat(7))
        fake.release()
        after = await channel.send(to_chat(8))
    finally:
        await channel.aclose()

    assert timed_out.outcome is Outcome.RETRY
    assert after.outcome is Outcome.SENT
    assert [m.chat_id for m in fake.messages.items()] == [8]


async def test_bot_is_shared_with_the_front_end(channel: TelegramChannel) -> None:
    assert isinstance(channel.bot, Bot)
    assert channel.bot.token == "123456:TEST-fake-token"


def test_chat_limiters_forget_the_least_recent_chats() -> None:
    limiters = chat_limiters(rate=1.0, size=3)
    first = limiters.get(1)
    for chat in (2, 3, 1, 4):
        limiters.get(chat)

    assert len(limiters) == 3
    assert 2 not in limiters  # the least recently used
    assert limiters.get(1) is first  # used again recently: kept, with its bucket


def test_long_message_is_shortened_to_telegram_limit() -> None:
    long_body = "Réunion publique & débat " * 400  # escaping makes it longer still
    text = telegram_text(to_chat(7, notice(body=long_body)))

    assert len(text) <= TELEGRAM_MAX_CHARS
    assert "…" in text and text.endswith("/alertes</i>")
    assert "&amp" not in text.replace("&amp;", "")  # no entity cut in half


def test_digest_whose_newest_notice_alone_is_too_long_keeps_it_shortened() -> None:
    digest = to_chat(7, notice(title="Court"), notice(title="Long", body="x" * 5000), kind="digest")
    text = telegram_text(digest)

    assert len(text) <= TELEGRAM_MAX_CHARS
    assert "<b>Long</b>" in text


# --- the fake serves what the Telegram front-end needs ------------------------------------


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url) as bot:  # initialize() calls getMe
        yield bot


async def test_fake_serves_commands_and_polled_updates(bot: Bot, fake: FakeTelegram) -> None:
    await bot.delete_webhook()
    await bot.set_my_commands([("alertes", "Gérer vos alertes"), ("stop", "Tout arrêter")])
    fake.push_text(4242, "/alertes")
    fake.push_text(4242, "La mairie est ouverte samedi ?")

    first = await bot.get_updates(offset=0, timeout=0)
    after = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)

    assert bot.username == "trilport_test_bot"
    assert [c.command for c in await bot.get_my_commands()] == ["alertes", "stop"]
    assert [u.message.text for u in first] == ["/alertes", "La mairie est ouverte samedi ?"]
    assert first[0].message.entities[0].type == "bot_command"
    assert after == ()  # the offset confirmed both


async def test_fake_long_poll_wakes_up_on_a_new_update(bot: Bot, fake: FakeTelegram) -> None:
    polling = asyncio.create_task(bot.get_updates(offset=0, timeout=30))
    await asyncio.to_thread(fake.polls.wait_for, 1)

    fake.push_text(7, "Bonjour")
    updates = await asyncio.wait_for(polling, timeout=10)  # well before the 30-second poll ends

    assert [u.message.text for u in updates] == ["Bonjour"]


async def test_fake_serves_buttons_callbacks_and_edits(bot: Bot, fake: FakeTelegram) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Travaux", callback_data="t:travaux")]])
    sent = await bot.send_message(4242, "Vos thèmes :", reply_markup=keyboard)
    await bot.send_chat_action(4242, ChatAction.TYPING)
    fake.push_callback(4242, "t:travaux", sent.message_id)

    [update] = await bot.get_updates(offset=0, timeout=0)
    query = update.callback_query
    await bot.answer_callback_query(query.id, text="Abonné(e) aux travaux")
    await bot.edit_message_reply_markup(4242, sent.message_id, reply_markup=None)
    edited = await bot.edit_message_text("Vous suivez : Travaux", 4242, sent.message_id)

    [message] = fake.messages.items()
    assert message.reply_markup == {
        "inline_keyboard": [[{"text": "Travaux", "callback_data": "t:travaux"}]]
    }
    assert (query.data, query.message.message_id) == ("t:travaux", sent.message_id)
    assert edited.text == "Vous suivez : Travaux"
    assert fake.calls_of("answerCallbackQuery")[0].params["text"] == "Abonné(e) aux travaux"
    assert fake.calls_of("sendChatAction")[0].params["action"] == "typing"
