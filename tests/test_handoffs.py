"""Conversations handed over to a town agent, through the hub's use cases on SQLite and
PostgreSQL: opened during the town hall's hours or outside them (the next opening told,
closures and holidays included), the resident's messages kept for the agent while the bot is
silent, the agents' inbox, replies, taking and closing (audited), the web page's news, and
the erasure of closed ones after the retention period."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from notifications.decide.handoffs import (
    ASKED_FOR_A_PERSON,
    MAX_MESSAGES,
    NEWS_LIMIT,
    REPLY_CHARS,
    TURN_CHARS,
    HandoffAuthor,
    HandoffStatus,
    Relay,
    Speaker,
    Turn,
)
from notifications.errors import Conflict, InvalidInput, NotFound
from notifications.handoffs import (
    HandoffAction,
    agent_messages_since,
    agent_replies,
    close_handoff,
    erase_handoffs,
    handoff_of,
    handoff_thread,
    handoffs_waiting,
    open_handoff,
    purge_handoffs,
    resident_writes,
    take_handoff,
    waiting_handoffs,
)
from notifications.hub import Hub
from notifications.staff import audit_entries
from notifications.town_content import ClosureInput, add_closure
from notifications.worker import Worker
from tests.hub_support import START, FakeClock

WEB = "web:AbCdEfGhIjKlMnOpQrStUvWxYz012345"
CHAT = "telegram:700123"
AGENT = "accueil@trilport.example"
OTHER_AGENT = "secretaire@trilport.example"
OPEN_REPLY = (
    "Je transmets votre demande à un agent de la mairie. Il vous répondra ici, dans cette "
    "conversation."
)
TURNS = [
    ("resident", "La mairie est ouverte samedi ?"),
    ("assistant", "Samedi 28 novembre, la mairie est ouverte de 9h à 12h."),
    ("resident", "je veux parler à quelqu'un"),
]


def paris(hub: Hub, *args: int) -> datetime:
    """A moment in Trilport's time."""
    return datetime(*args, tzinfo=hub.zone)


def test_asked_during_the_hours_the_question_and_last_turns_wait_for_an_agent(hub: Hub):
    opened = open_handoff(hub, WEB, "je veux parler à quelqu'un", TURNS)

    assert opened.reply == OPEN_REPLY
    assert opened.added is False
    handoff = opened.handoff
    assert (handoff.status, handoff.front, handoff.question) == (
        HandoffStatus.WAITING,
        "web",
        "je veux parler à quelqu'un",
    )
    assert (handoff.during_hours, handoff.next_opening, handoff.opened_at) == (True, None, START)
    assert handoff_of(hub, WEB) == handoff
    assert handoff_of(hub, CHAT) is None
    thread = handoff_thread(hub, handoff.id)
    assert thread.transcript == tuple(Turn(Speaker(who), text) for who, text in TURNS)
    assert thread.messages == ()
    assert handoffs_waiting(hub) == 1


def test_asked_on_saturday_afternoon_an_agent_answers_from_monday_morning(
    hub: Hub, clock: FakeClock
):
    clock.set(paris(hub, 2026, 11, 28, 13, 0))

    opened = open_handoff(hub, CHAT, "Mon voisin a un arbre qui tombe sur ma clôture", [])

    assert opened.reply == (
        "La mairie est fermée. Votre message est gardé : un agent vous répondra à partir de "
        "lundi 30 novembre à 8h30."
    )
    assert opened.handoff.during_hours is False
    assert opened.handoff.next_opening == paris(hub, 2026, 11, 30, 8, 30)


def test_a_closure_added_in_the_console_and_a_holiday_push_the_answer_back(
    hub: Hub, clock: FakeClock
):
    training = ClosureInput("2026-12-07", "Formation du personnel", services=("mairie",))
    add_closure(hub, training, actor=OTHER_AGENT)
    clock.set(paris(hub, 2026, 12, 7, 10, 0))  # a Monday, the town hall closed all day

    monday = open_handoff(hub, WEB, "Bonjour, une question sur l'état civil", [])
    # The town file closes at noon on Christmas Eve, Christmas Day is a public holiday, and
    # the town file closes Saturday 26 too.
    clock.set(paris(hub, 2026, 12, 24, 13, 0))
    christmas = open_handoff(hub, CHAT, "Une question sur le cimetière", [])

    assert monday.reply.endswith("un agent vous répondra à partir de demain à 8h30.")
    assert monday.handoff.next_opening == paris(hub, 2026, 12, 8, 8, 30)
    assert christmas.reply == (
        "La mairie est fermée. Votre message est gardé : un agent vous répondra à partir de "
        "lundi 28 décembre à 8h30."
    )


def test_the_transcript_keeps_the_last_ten_turns_bounded_without_buttons(hub: Hub):
    turns = [("resident" if n % 2 else "assistant", f"tour {n}") for n in range(14)]
    turns += [("resident", "/human_handoff"), ("bot", "pas un tour"), ("assistant", "x" * 5000)]

    opened = open_handoff(hub, WEB, "/human_handoff", turns)

    transcript = handoff_thread(hub, opened.handoff.id).transcript
    assert [turn.text for turn in transcript[:-1]] == [f"tour {n}" for n in range(5, 14)]
    assert transcript[-1].who is Speaker.ASSISTANT
    assert len(transcript[-1].text) == TURN_CHARS and transcript[-1].text.endswith("…")
    # A button's payload is no question: the agent reads the resident's last words instead.
    assert opened.handoff.question == "tour 13"
    assert open_handoff(hub, CHAT, "/human_handoff", []).handoff.question == ASKED_FOR_A_PERSON


def test_asking_again_while_one_is_open_adds_the_question_to_it(hub: Hub):
    first = open_handoff(hub, WEB, "Ma poubelle n'a pas été ramassée", [])

    again = open_handoff(hub, WEB, "Vous êtes là ?", [])

    assert (again.added, again.handoff.id) == (True, first.handoff.id)
    (message,) = handoff_thread(hub, first.handoff.id).messages
    assert (message.author, message.text) == (HandoffAuthor.RESIDENT, "Vous êtes là ?")


def test_a_conversation_of_no_known_front_is_refused(hub: Hub):
    with pytest.raises(InvalidInput):
        open_handoff(hub, "fax:0160000000", "Bonjour", [])


def test_the_residents_messages_go_to_the_agent_acknowledged_once_per_burst(hub: Hub):
    assert resident_writes(hub, CHAT, "Bonjour") is None  # no handoff: Rasa answers
    handoff = open_handoff(hub, CHAT, "Je veux parler à quelqu'un", []).handoff

    first = resident_writes(hub, CHAT, "C'est pour un acte de naissance.")
    second = resident_writes(hub, CHAT, "Pour ma fille.")
    agent_replies(hub, handoff.id, AGENT, "Bonjour, de quelle commune de naissance ?")
    third = resident_writes(hub, CHAT, "Trilport.")

    assert first and second and third
    assert (first.stored, first.acknowledge) == (True, True)
    assert first.acknowledgement == "Message transmis à l'agent de la mairie."
    assert (second.stored, second.acknowledge) == (True, False)
    assert third.acknowledge is True
    texts = [(m.author, m.text) for m in handoff_thread(hub, handoff.id).messages]
    assert texts == [
        (HandoffAuthor.RESIDENT, "C'est pour un acte de naissance."),
        (HandoffAuthor.RESIDENT, "Pour ma fille."),
        (HandoffAuthor.AGENT, "Bonjour, de quelle commune de naissance ?"),
        (HandoffAuthor.RESIDENT, "Trilport."),
    ]


def test_outside_the_hours_the_acknowledgement_says_when_and_a_button_is_not_passed_on(
    hub: Hub, clock: FakeClock
):
    clock.set(paris(hub, 2026, 11, 28, 13, 0))
    handoff = open_handoff(hub, WEB, "Bonjour", []).handoff

    written = resident_writes(hub, WEB, "Je reviens lundi alors.")
    pressed = resident_writes(hub, WEB, '/ask_contact{"service":"ccas"}')
    clock.set(paris(hub, 2026, 11, 30, 9, 0))
    monday = resident_writes(hub, WEB, "Bonjour, c'est lundi.")

    assert written and written.acknowledgement == (
        "Message gardé : un agent vous répondra à partir de lundi 30 novembre à 8h30."
    )
    assert pressed and (pressed.stored, pressed.acknowledge) == (False, True)
    assert pressed.acknowledgement == "Un agent de la mairie suit votre demande : écrivez-lui ici."
    assert monday and monday.acknowledgement == "Message transmis à l'agent de la mairie."
    assert len(handoff_thread(hub, handoff.id).messages) == 2


def test_a_flood_stops_at_the_threads_limit(hub: Hub):
    handoff = open_handoff(hub, WEB, "Bonjour", []).handoff
    for number in range(MAX_MESSAGES):
        assert resident_writes(hub, WEB, f"message {number}")

    refused = resident_writes(hub, WEB, "encore un")

    assert refused and refused.stored is False
    assert refused.acknowledgement.startswith("Message non transmis")
    assert "01 99 00 10 00" in refused.acknowledgement
    assert len(handoff_thread(hub, handoff.id).messages) == MAX_MESSAGES


def test_an_agent_reply_takes_the_handoff_and_waits_to_be_sent_to_a_telegram_chat(hub: Hub):
    on_telegram = open_handoff(hub, CHAT, "Bonjour", []).handoff
    on_the_site = open_handoff(hub, WEB, "Bonjour", []).handoff

    telegram_reply = agent_replies(hub, on_telegram.id, AGENT, "  Bonjour, je vous écoute.  ")
    site_reply = agent_replies(hub, on_the_site.id, AGENT, "Bonjour !")

    assert (telegram_reply.text, telegram_reply.relay) == (
        "Bonjour, je vous écoute.",
        Relay.PENDING,
    )
    assert site_reply.relay is None  # the page asks for it
    taken = handoff_of(hub, CHAT)
    assert taken and (taken.status, taken.taken_by) == (HandoffStatus.OPEN, AGENT)
    assert handoffs_waiting(hub) == 0
    with pytest.raises(InvalidInput, match="écrivez votre réponse"):
        agent_replies(hub, on_telegram.id, AGENT, " \n ")
    with pytest.raises(InvalidInput, match="dépasse"):
        agent_replies(hub, on_telegram.id, AGENT, "x" * (REPLY_CHARS + 1))
    with pytest.raises(NotFound):
        agent_replies(hub, 999_999, AGENT, "Bonjour")


def test_the_inbox_lists_the_waiting_first_oldest_first_and_who_took_the_others(
    hub: Hub, clock: FakeClock
):
    ids = {}
    for name, conversation in [("a", "web:" + "a" * 32), ("b", "web:" + "b" * 32), ("c", CHAT)]:
        ids[name] = open_handoff(hub, conversation, f"question {name}", []).handoff.id
        clock.advance(60)
    take_handoff(hub, ids["a"], AGENT)
    take_handoff(hub, ids["a"], OTHER_AGENT)  # another agent takes it over: both are audited
    close_handoff(hub, ids["b"], AGENT)

    inbox = waiting_handoffs(hub)

    assert [(h.id, h.status, h.taken_by) for h in inbox] == [
        (ids["c"], HandoffStatus.WAITING, None),
        (ids["a"], HandoffStatus.OPEN, OTHER_AGENT),
    ]
    actions = [(e.actor, e.action, e.detail) for e in reversed(audit_entries(hub))]
    assert actions == [
        (AGENT, HandoffAction.TAKEN, f"conversation n° {ids['a']}"),
        (OTHER_AGENT, HandoffAction.TAKEN, f"conversation n° {ids['a']}"),
        (AGENT, HandoffAction.CLOSED, f"conversation n° {ids['b']}"),
    ]


def test_closing_tells_the_page_and_gives_the_conversation_back_to_the_assistant(hub: Hub):
    handoff = open_handoff(hub, WEB, "Bonjour", []).handoff
    resident_writes(hub, WEB, "Vous êtes là ?")
    reply = agent_replies(hub, handoff.id, AGENT, "Oui, bonjour.")
    assert agent_messages_since(hub, WEB, 0).messages == (reply,)

    closing = close_handoff(hub, handoff.id, AGENT)

    news = agent_messages_since(hub, WEB, reply.id)
    assert (news.open, news.status, news.messages) == (False, HandoffStatus.CLOSED, (closing,))
    assert closing.text == (
        "L'agent a terminé la conversation. L'assistant peut de nouveau vous répondre."
    )
    assert agent_messages_since(hub, WEB, closing.id).messages == ()
    assert handoff_of(hub, WEB) is None
    assert resident_writes(hub, WEB, "Merci !") is None  # Rasa answers again
    with pytest.raises(Conflict):
        agent_replies(hub, handoff.id, AGENT, "Encore une chose")
    with pytest.raises(Conflict):
        close_handoff(hub, handoff.id, AGENT)
    # A new request opens a new handoff; the page's news are that one's.
    again = open_handoff(hub, WEB, "Une autre question", []).handoff
    assert again.id != handoff.id
    assert agent_messages_since(hub, WEB, closing.id) == agent_messages_since(hub, WEB, 0)
    assert agent_messages_since(hub, WEB, 0).open is True


def test_a_page_that_missed_many_replies_is_told_to_ask_again_until_the_closing(hub: Hub):
    """More replies than one poll returns, then the closing: the page gets them all."""
    handoff = open_handoff(hub, WEB, "Bonjour", []).handoff
    replies = [agent_replies(hub, handoff.id, AGENT, f"Réponse {n}") for n in range(NEWS_LIMIT + 3)]
    closing = close_handoff(hub, handoff.id, AGENT)

    first = agent_messages_since(hub, WEB, 0)
    rest = agent_messages_since(hub, WEB, first.messages[-1].id)

    assert (first.open, first.status) == (True, HandoffStatus.CLOSED)  # more are waiting
    assert first.messages == tuple(replies[:NEWS_LIMIT])
    assert (rest.open, rest.messages) == (False, (*replies[NEWS_LIMIT:], closing))


def test_closed_handoffs_are_erased_after_the_retention_period(hub: Hub, clock: FakeClock):
    days = hub.settings.handoff_retention_days
    old = open_handoff(hub, WEB, "ancienne", []).handoff
    agent_replies(hub, old.id, AGENT, "réponse")
    close_handoff(hub, old.id, AGENT)
    clock.advance(2 * 86_400)
    recent = open_handoff(hub, WEB, "récente", []).handoff
    close_handoff(hub, recent.id, AGENT)
    still_open = open_handoff(hub, CHAT, "toujours ouverte", []).handoff
    clock.set(old.opened_at + timedelta(days=days, hours=1))

    assert purge_handoffs(hub) == 1

    with pytest.raises(NotFound):
        handoff_thread(hub, old.id)
    assert handoff_thread(hub, recent.id).handoff.status is HandoffStatus.CLOSED
    assert handoff_thread(hub, still_open.id).handoff.status is HandoffStatus.WAITING
    clock.advance(10 * 86_400)
    assert purge_handoffs(hub) == 1
    assert [h.id for h in waiting_handoffs(hub)] == [still_open.id]


async def test_the_workers_hourly_retention_erases_them(hub: Hub, clock: FakeClock):
    old = open_handoff(hub, WEB, "ancienne", []).handoff
    close_handoff(hub, old.id, AGENT)
    clock.advance((hub.settings.handoff_retention_days + 1) * 86_400)
    worker = Worker(hub, {}, poll=False)
    running = asyncio.create_task(worker.run())  # its first purge comes at once
    await asyncio.wait_for(worker.purged.wait(), 30)
    worker.stop()
    await running
    with pytest.raises(NotFound):
        handoff_thread(hub, old.id)


def test_a_residents_erasure_takes_every_handoff_of_the_conversation(hub: Hub):
    first = open_handoff(hub, CHAT, "une", []).handoff
    close_handoff(hub, first.id, AGENT)
    second = open_handoff(hub, CHAT, "deux", []).handoff
    agent_replies(hub, second.id, AGENT, "réponse")
    kept = open_handoff(hub, WEB, "une autre personne", []).handoff

    assert erase_handoffs(hub, CHAT) == 2

    assert handoff_of(hub, CHAT) is None
    assert [h.id for h in waiting_handoffs(hub)] == [kept.id]
    assert agent_messages_since(hub, CHAT, 0).messages == ()


def test_times_are_stored_and_read_back_as_utc(hub: Hub, clock: FakeClock):
    clock.set(paris(hub, 2026, 11, 28, 13, 0))
    handoff = open_handoff(hub, WEB, "Bonjour", []).handoff
    read = handoff_of(hub, WEB)
    assert read and read.next_opening == handoff.next_opening
    assert read.opened_at.tzinfo == UTC
