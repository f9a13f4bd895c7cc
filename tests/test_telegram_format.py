"""The Telegram front-end's pure pieces: splitting, escaping, buttons, merging, flood, the
per-chat locks, retries and a few texts."""

from __future__ import annotations

import asyncio

import pytest
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.rasa_client import Button, Reply
from bot.telegram import texts
from bot.telegram.app import ChatLocks, _transient
from bot.telegram.flood import ChatFlood, Verdict
from bot.telegram.format import (
    MAX_CALLBACK_BYTES,
    MAX_MESSAGE,
    PayloadStore,
    callback_data,
    html_parts,
    keyboard,
    merge_replies,
    payload_of,
    split_message,
)


def test_a_short_text_is_one_part() -> None:
    assert split_message("Bonjour") == ["Bonjour"]


def test_long_text_is_cut_between_paragraphs() -> None:
    paragraphs = [f"Paragraphe {n} " + "x" * 990 for n in range(10)]
    parts = split_message("\n\n".join(paragraphs))
    assert all(len(p) <= MAX_MESSAGE for p in parts)
    assert "\n\n".join(parts) == "\n\n".join(paragraphs)
    assert all(p.startswith("Paragraphe") for p in parts)


def test_a_paragraph_longer_than_the_limit_is_cut_at_words() -> None:
    text = " ".join(["mot"] * 3000)  # 11,999 characters, no blank line
    parts = split_message(text)
    assert all(len(p) <= MAX_MESSAGE for p in parts)
    assert " ".join(parts) == text


def test_escaping_never_pushes_a_part_over_the_limit() -> None:
    parts = html_parts("&" * 5000)
    assert all(len(p) <= MAX_MESSAGE for p in parts)
    assert "".join(parts) == "&amp;" * 5000


def test_html_is_escaped() -> None:
    assert html_parts("<b>1 < 2 & 3</b>") == ["&lt;b&gt;1 &lt; 2 &amp; 3&lt;/b&gt;"]


def test_short_payloads_travel_in_the_button_long_ones_are_kept() -> None:
    store = PayloadStore()
    short = '/ask_contact{"service": "ccas"}'
    long = '/ask_opening_hours{"service": "services_techniques", "jour": "samedi matin"}'
    assert callback_data(short, store) == "r:" + short
    data = callback_data(long, store)
    assert len(data.encode()) <= MAX_CALLBACK_BYTES and data.startswith("s:")
    assert payload_of(data, store) == long
    assert payload_of("s:inconnu", store) is None
    assert payload_of("a:travaux", store) is None


def test_old_kept_payloads_are_forgotten() -> None:
    store = PayloadStore(size=2)
    keys = [store.put(f"/p{n}") for n in range(3)]
    assert [store.get(k) for k in keys] == [None, "/p1", "/p2"]


def test_one_button_per_row() -> None:
    rows = keyboard([Button("Mairie", "/a"), Button("CCAS", "/b")], PayloadStore())
    assert [[b.text for b in row] for row in rows] == [["Mairie"], ["CCAS"]]


def test_rasa_pieces_are_joined_and_buttons_close_a_group() -> None:
    replies = [
        Reply("Carte nationale d'identité"),
        Reply("Faites une pré-demande."),
        Reply("Quel service ?", (Button("Mairie", "/a"),)),
        Reply("Autre chose ?"),
    ]
    assert merge_replies(replies) == [
        Reply("Carte nationale d'identité\n\nFaites une pré-demande.\n\nQuel service ?",
              (Button("Mairie", "/a"),)),
        Reply("Autre chose ?"),
    ]  # fmt: skip


@pytest.mark.parametrize("per_minute", [1, 20])
def test_a_chat_over_its_limit_is_slowed_down_then_heard_again(per_minute: int) -> None:
    flood = ChatFlood(per_minute)
    assert all(flood.check(42, 100.0 + n) is Verdict.PASS for n in range(per_minute))
    assert flood.check(42, 130.0) is Verdict.WARN
    assert flood.check(7, 130.0) is Verdict.PASS  # other chats are not affected
    assert flood.check(42, 160.5) is Verdict.PASS  # the first message left the one-minute window


async def test_a_chat_lock_is_forgotten_once_nobody_holds_or_waits_for_it() -> None:
    locks, order = ChatLocks(), []

    async def turn(chat: int, name: str) -> None:
        async with locks.hold(chat):
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")

    await asyncio.gather(turn(1, "a"), turn(1, "b"), turn(2, "c"))
    assert order.index("a out") < order.index("b in")  # one turn at a time in a chat
    assert len(locks) == 0


def test_only_idempotent_calls_are_retried_after_a_timeout() -> None:
    assert not _transient(TimedOut(), idempotent=False)
    assert _transient(TimedOut(), idempotent=True)
    assert _transient(NetworkError("connexion perdue"), idempotent=False)
    assert not _transient(BadRequest("message is not modified"), idempotent=True)


@pytest.mark.parametrize(
    ("topics", "start"),
    [
        ((), "Vous ne recevez aucune alerte pour le moment."),
        (("travaux",), "Vous êtes abonné(e) à 1 thème, marqué ✅."),
        (("travaux", "ecoles"), "Vous êtes abonné(e) à 2 thèmes, marqués ✅."),
    ],
)
def test_the_alerts_menu_counts_topics_in_plain_french(topics: tuple, start: str) -> None:
    assert texts.alerts_intro(topics).startswith(start + " Touchez")


@pytest.mark.parametrize(
    ("spec", "spoken"),
    [("22:00-07:00", "de 22 h à 7 h"), ("21:30-06:45", "de 21 h 30 à 6 h 45"), (None, "aucune")],
)
def test_quiet_hours_are_spoken(spec: str | None, spoken: str) -> None:
    assert texts.quiet_hours(spec) == spoken
