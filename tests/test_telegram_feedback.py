"""The vote on an answer (👍/👎) on Telegram: the real `arobase telegram` process polling the
fake Bot API, a fake Rasa whose answers carry a question id as the action server's do, and
the hub's database the vote lands in (never with the chat). The vote's buttons themselves
are pure (bot/telegram/format.py), tested first."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest

from bot.rasa_client import Button, Reply
from bot.telegram.format import (
    MAX_CALLBACK_BYTES,
    VOTE_REFUSED,
    VOTE_THANKS,
    KeyButton,
    merge_replies,
    vote_of,
    vote_rows,
    without_votes,
)
from notifications.hub import Hub, system_clock
from notifications.questions import AskedQuestion, kept_question, record_question
from tests import test_telegram_bot
from tests.fake_rasa import CHOICE_BUTTONS, FakeRasa
from tests.fakes.telegram_api import FakeTelegram, SentMessage
from tests.hub_support import make_test_hub, migrated_sqlite
from tests.test_telegram_bot import tap_answers, wait_replies

chats = itertools.count(760_001)
QUESTION = "aB3_-x9QzT0k"


# --- The buttons, pure -----------------------------------------------------------------------


def test_the_vote_row_carries_the_question_within_telegrams_limit():
    longest = "x" * 16  # the longest id the hub makes

    (row,) = vote_rows(longest)

    assert [(b.text, b.data) for b in row] == [
        ("👍 Utile", f"avis:{longest}:1"),
        ("👎 Pas utile", f"avis:{longest}:0"),
    ]
    assert all(len(b.data.encode()) <= MAX_CALLBACK_BYTES for b in row)
    assert vote_rows(None) == []


@pytest.mark.parametrize(
    ("data", "vote"),
    [
        (f"avis:{QUESTION}:1", (QUESTION, True)),
        (f"avis:{QUESTION}:0", (QUESTION, False)),
        (f"avis:{QUESTION}:2", None),
        ("avis::1", None),
        (f"r:/avis:{QUESTION}:1", None),
        ("avis:", None),
    ],
)
def test_a_tap_is_read_back_as_its_question_and_vote(data: str, vote: tuple[str, bool] | None):
    assert vote_of(data) == vote


def test_once_voted_only_the_vote_row_goes():
    rows = [[KeyButton("Mairie", "r:/mairie")], *vote_rows(QUESTION)]

    assert without_votes(rows) == [[KeyButton("Mairie", "r:/mairie")]]


def test_the_question_goes_with_the_pieces_of_its_answer_joined():
    replies = [
        Reply("Carte nationale d'identité"),
        Reply("Faites une pré-demande.", question=QUESTION),
        Reply("Autre chose ?", (Button("Oui", "/oui"),)),
    ]

    assert merge_replies(replies) == [
        Reply(
            "Carte nationale d'identité\n\nFaites une pré-demande.\n\nAutre chose ?",
            (Button("Oui", "/oui"),),
            QUESTION,
        )
    ]


# --- The bot ---------------------------------------------------------------------------------


# The bot of tests/test_telegram_bot.py, its fake Bot API and fake Rasa (reset before each
# test), on this module's hub.
telegram = test_telegram_bot.telegram
rasa = test_telegram_bot.rasa
fresh_rasa = test_telegram_bot.fresh_rasa
bot = test_telegram_bot.bot


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """The bot's database; the system's clock, as the bot's (a vote is taken for a day)."""
    hub = make_test_hub(migrated_sqlite(tmp_path_factory.mktemp("bot") / "hub.db"), system_clock)
    yield hub
    hub.close()


def answered(
    telegram: FakeTelegram, rasa: FakeRasa, hub: Hub, text: str
) -> tuple[str, SentMessage]:
    """A resident asks TEXT in a new chat; the action server recorded it (the fake Rasa's
    answer carries its id): the question's id and the bot's answer."""
    asked = AskedQuestion(text, "telegram", "ask_opening_hours", None, 0.93, "answered")
    rasa.question = record_question(hub, asked)
    chat = next(chats)
    telegram.push_text(chat, text)
    (answer,) = wait_replies(telegram, chat, 1)
    return rasa.question, answer


def voted(
    telegram: FakeTelegram, hub: Hub, answer: SentMessage, data: str
) -> tuple[dict, bool | None]:
    """DATA tapped under ANSWER and thanked for: the bot's edit of its keyboard, the vote kept."""
    tap(telegram, answer, data)
    assert tap_answers(telegram, answer) == [VOTE_THANKS]
    (edit,) = markup_edits(telegram, answer)
    kept = kept_question(hub, data.split(":")[1])
    assert kept is not None
    return edit, kept.vote


def tap(telegram: FakeTelegram, message: SentMessage, data: str) -> None:
    """The resident taps DATA under MESSAGE, whose keyboard Telegram sends with the tap."""
    chat_id = int(message.chat_id)
    query = {
        "id": f"cb{message.message_id}-{time.monotonic_ns()}",
        "from": {"id": chat_id, "is_bot": False, "first_name": "Marie"},
        "chat_instance": f"ci{chat_id}",
        "data": data,
        "message": {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "text": message.text,
            "reply_markup": message.reply_markup,
        },
    }
    telegram.push_update({"callback_query": query})


def markup_edits(telegram: FakeTelegram, message: SentMessage) -> list[dict]:
    def edits(calls: list) -> list:
        return [
            c.params
            for c in calls
            if c.method == "editMessageReplyMarkup" and c.params["message_id"] == message.message_id
        ]

    return edits(telegram.calls.wait_until(lambda calls: bool(edits(calls)), what="an edit"))


def rows(message: SentMessage) -> list[list[tuple[str, str]]]:
    keyboard = (message.reply_markup or {}).get("inline_keyboard", [])
    return [[(b["text"], b["callback_data"]) for b in row] for row in keyboard]


def test_a_vote_under_an_answer_is_kept_with_the_question_and_its_row_removed(
    bot: None, telegram: FakeTelegram, rasa: FakeRasa, hub: Hub
) -> None:
    question, answer = answered(telegram, rasa, hub, "la mairie est ouverte samedi ?")
    assert rows(answer) == [
        [("👍 Utile", f"avis:{question}:1"), ("👎 Pas utile", f"avis:{question}:0")]
    ]

    edit, vote = voted(telegram, hub, answer, f"avis:{question}:0")

    assert edit.get("reply_markup") is None  # nothing else was under that answer
    assert vote is False


def test_the_assistants_choices_stay_once_the_vote_is_given(
    bot: None, telegram: FakeTelegram, rasa: FakeRasa, hub: Hub
) -> None:
    question, answer = answered(telegram, rasa, hub, "je voudrais des choix")
    choices = [[(b["title"], f"r:{b['payload']}")] for b in CHOICE_BUTTONS]
    assert rows(answer) == [
        *choices,
        [("👍 Utile", f"avis:{question}:1"), ("👎 Pas utile", f"avis:{question}:0")],
    ]

    edit, vote = voted(telegram, hub, answer, f"avis:{question}:1")

    keyboard = edit["reply_markup"]["inline_keyboard"]
    assert [[(b["text"], b["callback_data"]) for b in row] for row in keyboard] == choices
    assert vote is True


def test_a_forged_vote_gets_a_polite_word_and_nothing_is_stored(
    bot: None, telegram: FakeTelegram, rasa: FakeRasa, hub: Hub
) -> None:
    question, answer = answered(telegram, rasa, hub, "horaires de la médiathèque")

    tap(telegram, answer, "avis:AAAAAAAAAAAA:0")
    tap(telegram, answer, f"avis:{question}:7")

    assert tap_answers(telegram, answer, 2) == [VOTE_REFUSED, VOTE_REFUSED]
    assert not [c for c in telegram.calls_of("editMessageReplyMarkup")
                if c.params["message_id"] == answer.message_id]  # fmt: skip
    kept = kept_question(hub, question)
    assert kept is not None and kept.vote is None


def test_an_answer_without_a_question_has_no_vote(
    bot: None, telegram: FakeTelegram, rasa: FakeRasa
) -> None:
    chat = next(chats)
    telegram.push_text(chat, "/start")
    telegram.push_text(chat, "bonjour")  # the fake Rasa echoes, no question id

    replies = wait_replies(telegram, chat, 2)

    assert [rows(reply) for reply in replies] == [[], []]
