"""The Telegram front-end's pure pieces: splitting, escaping, buttons, merging, flood."""

from __future__ import annotations

import pytest

from bot.rasa_client import Button, Reply
from bot.telegram.flood import ChatFlood
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
    assert all(flood.allow(42, 100.0 + n) for n in range(per_minute))
    assert not flood.allow(42, 130.0)
    assert flood.allow(7, 130.0)  # other chats are not affected
    assert flood.allow(42, 160.5)  # the first message left the one-minute window
