"""What residents read when an agent takes over (arobase/handoff_replies.py), and the pure rules
of the handoffs (notifications/decide/handoffs.py): table-driven, no server, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from arobase.handoff_replies import (
    CLOSING_NOTICE,
    acknowledgement,
    agent_label,
    from_when,
    hall_hours,
    of_service,
    opened_reply,
    opened_text,
    thread_full,
    with_the_agent,
)
from arobase.town import Town, load_town
from notifications.decide.handoffs import (
    ASKED_FOR_A_PERSON,
    MAX_TURNS,
    SEND_LEASE,
    HandoffAuthor,
    HandoffInfo,
    HandoffMessage,
    HandoffStatus,
    Relay,
    Speaker,
    Turn,
    acknowledged,
    bounded,
    erase_before,
    inbox_order,
    is_payload,
    may_send,
    question_of,
    relay_for,
    transcript_of,
)
from tests.hub_support import TOWN_FILE

TOWN = load_town(TOWN_FILE)
ZONE = TOWN.commune.zone


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZONE)


def town_hall(short: str, gender: str = "f", plural: bool = False) -> Town:
    """The sample town with its main service renamed."""
    hall = TOWN.main_service.model_copy(update={"short": short, "gender": gender, "plural": plural})
    return TOWN.model_copy(update={"services": {**TOWN.services, hall.key: hall}})


@pytest.mark.parametrize(
    ("short", "of"),
    [
        ("la mairie", "de la mairie"),
        ("le CCAS", "du CCAS"),
        ("les services techniques", "des services techniques"),
        ("l'accueil", "de l'accueil"),
    ],
)
def test_the_service_after_de_is_contracted_as_french_does(short: str, of: str):
    assert of_service(town_hall(short).main_service) == of
    assert agent_label(town_hall(short)) == f"Agent {of}"


@pytest.mark.parametrize(
    ("moment", "now", "words"),
    [
        (at(2026, 11, 25, 13, 30), at(2026, 11, 25, 12, 5), "à partir de 13h30"),
        (at(2026, 11, 26, 8, 30), at(2026, 11, 25, 18, 0), "à partir de demain à 8h30"),
        (at(2026, 11, 30, 8, 30), at(2026, 11, 28, 13, 0), "à partir de lundi 30 novembre à 8h30"),
        (at(2027, 1, 4, 9, 0), at(2026, 12, 31, 13, 0), "à partir de lundi 4 janvier à 9h"),
    ],
)
def test_when_the_agent_will_answer_in_plain_french(moment: datetime, now: datetime, words: str):
    assert from_when(moment.astimezone(UTC), now, ZONE) == words


@pytest.mark.parametrize(
    ("now", "during", "next_opening"),
    [
        (at(2026, 11, 25, 10, 0), True, None),  # Wednesday morning
        (at(2026, 11, 25, 12, 30), False, at(2026, 11, 25, 13, 30)),  # lunch
        (at(2026, 11, 28, 13, 0), False, at(2026, 11, 30, 8, 30)),  # Saturday afternoon
        (at(2026, 12, 25, 10, 0), False, at(2026, 12, 28, 8, 30)),  # Christmas, then a closure
    ],
)
def test_the_town_halls_hours_decide_the_answer(
    now: datetime, during: bool, next_opening: datetime | None
):
    assert hall_hours(TOWN, now) == (during, next_opening)


def test_the_answer_when_the_conversation_is_handed_over():
    assert opened_reply(TOWN, at(2026, 11, 25, 10, 0)) == (
        "Je transmets votre demande à un agent de la mairie. Il vous répondra ici, dans cette "
        "conversation."
    )
    assert opened_reply(TOWN, at(2026, 11, 28, 13, 0)) == (
        "La mairie est fermée. Votre message est gardé : un agent vous répondra à partir de "
        "lundi 30 novembre à 8h30."
    )
    services = town_hall("les services techniques", "m", plural=True)
    assert opened_text(services, at(2026, 11, 28, 13, 0), False, None) == (
        "Les services techniques sont fermés. Votre message est gardé : un agent vous "
        "répondra dès la réouverture."
    )


def test_the_acknowledgement_says_when_until_the_town_hall_opens():
    monday = at(2026, 11, 30, 8, 30)
    saturday = at(2026, 11, 28, 13, 0)
    assert acknowledgement(TOWN, saturday, False, monday) == (
        "Message gardé : un agent vous répondra à partir de lundi 30 novembre à 8h30."
    )
    assert acknowledgement(TOWN, monday, False, monday) == (
        "Message transmis à l'agent de la mairie."
    )
    assert acknowledgement(TOWN, saturday, True, None) == "Message transmis à l'agent de la mairie."
    assert with_the_agent(TOWN) == "Un agent de la mairie suit votre demande : écrivez-lui ici."
    assert thread_full(TOWN).endswith("ou appelez la mairie au 01 99 00 10 00.")
    assert CLOSING_NOTICE == (
        "L'agent a terminé la conversation. L'assistant peut de nouveau vous répondre."
    )


# --- The rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("/human_handoff", True),
        ('/ask_contact{"service":"ccas"}', True),
        (" /horaires ", True),
        ("/ et alors ?", False),
        ("je veux parler à quelqu'un", False),
        ("c'est 1/2 tarif ?", False),
    ],
)
def test_a_buttons_payload_is_told_from_words(text: str, payload: bool):
    assert is_payload(text) is payload


def test_bounded_keeps_line_breaks_and_cuts_with_an_ellipsis():
    assert bounded("  a\r\nb\x00c\u200b ", 10) == "a\nbc\u200b"
    assert bounded("x" * 20, 10) == "x" * 9 + "…"


def test_the_transcript_keeps_the_last_turns_of_known_speakers():
    turns = [("resident", f"q{n}") for n in range(15)] + [("system", "x"), ("assistant", "  ")]
    kept = transcript_of(turns)
    assert len(kept) == MAX_TURNS
    assert kept[-1] == Turn(Speaker.RESIDENT, "q14")


def test_the_question_is_the_residents_words_never_a_payload():
    turns = (Turn(Speaker.RESIDENT, "un nid de poule"), Turn(Speaker.ASSISTANT, "Désolé."))
    assert question_of("je veux parler à quelqu'un", turns) == "je veux parler à quelqu'un"
    assert question_of("/human_handoff", turns) == "un nid de poule"
    assert question_of("/human_handoff", ()) == ASKED_FOR_A_PERSON


def test_only_a_telegram_chat_is_sent_the_agents_messages():
    assert relay_for("telegram") is Relay.PENDING
    assert relay_for("web") is None and relay_for("terminal") is None


@pytest.mark.parametrize(
    ("previous", "told"),
    [(None, True), (HandoffAuthor.AGENT, True), (HandoffAuthor.RESIDENT, False)],
)
def test_a_burst_is_acknowledged_once(previous: HandoffAuthor | None, told: bool):
    assert acknowledged(previous) is told


def handoff(number: int, status: HandoffStatus, minutes: int) -> HandoffInfo:
    opened = datetime(2026, 11, 25, 9, tzinfo=UTC) + timedelta(minutes=minutes)
    return HandoffInfo(number, "web:x", "web", status, "q", opened, True, None)


def test_the_inbox_puts_the_waiting_first_oldest_first():
    handoffs = [
        handoff(1, HandoffStatus.OPEN, 0),
        handoff(2, HandoffStatus.WAITING, 10),
        handoff(3, HandoffStatus.WAITING, 5),
        handoff(4, HandoffStatus.OPEN, -5),
    ]
    assert [h.id for h in inbox_order(handoffs)] == [3, 2, 4, 1]


@pytest.mark.parametrize(
    ("relay", "started", "again"),
    [
        (None, None, False),
        (Relay.PENDING, None, True),
        (Relay.FAILED, timedelta(seconds=1), True),
        (Relay.SENT, timedelta(hours=1), False),
        (Relay.SENDING, timedelta(seconds=5), False),  # another request is sending it
        (Relay.SENDING, SEND_LEASE + timedelta(seconds=1), True),  # cut short
    ],
)
def test_a_message_is_sent_again_only_when_it_may_be(
    relay: Relay | None, started: timedelta | None, again: bool
):
    now = datetime(2026, 11, 25, 9, tzinfo=UTC)
    began = now - started if started else None
    message = HandoffMessage(1, 1, now, HandoffAuthor.AGENT, "x", "a", relay, None, began)
    assert may_send(message, now) is again


def test_closed_handoffs_are_kept_for_the_retention_period():
    now = datetime(2026, 11, 25, 9, tzinfo=UTC)
    assert erase_before(now, 30) == now - timedelta(days=30)
