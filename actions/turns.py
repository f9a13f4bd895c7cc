"""One turn of a conversation, as the staff's review sees it: what the resident typed, what
the assistant understood, and whether it answered (never who asked)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.confidence import procedure_guess
from actions.context import runtime
from arobase.replies import Answer, Outcome
from arobase.staff_answers import matching_answer
from notifications import AskedQuestion, HubError, record_question

log = logging.getLogger(__name__)

FRONTS = ("web", "telegram", "terminal")
TRANSCRIPT_TURNS = 10  # the last turns shown to the agent a conversation is handed to


class TurnDispatcher(CollectingDispatcher):
    """Collects one turn's replies, and what they were (the last Answer's outcome)."""

    def __init__(self) -> None:
        super().__init__()
        self.outcome: Outcome = "answered"


def typed_text(tracker: Tracker) -> str:
    """The resident's latest message, empty when it was a button's payload ("/intent…")."""
    text = tracker.latest_message.get("text") or ""
    return "" if text.startswith("/") else text


def staff_answer(tracker: Tracker) -> Answer | None:
    """A staff-written answer to the latest message (console « Questions »), if one is close."""
    found = matching_answer(runtime().town(), typed_text(tracker))
    return None if found is None else Answer(found.answer, outcome="staff_answer")


def asked(tracker: Tracker, outcome: Outcome) -> AskedQuestion | None:
    """The latest message as a question to keep for the review, or None (a button, no front)."""
    text, front = typed_text(tracker), tracker.sender_id.partition(":")[0]
    if not text.strip() or front not in FRONTS:
        return None
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name") or None
    if name == "procedure":
        guess = procedure_guess(tracker.latest_message)
        return AskedQuestion(text, front, name, guess.key, guess.confidence, outcome)
    confidence = intent.get("confidence")
    return AskedQuestion(text, front, name, None, confidence, outcome)


def record_turn(tracker: Tracker, outcome: Outcome) -> str | None:
    """Keep the turn for the votes and the staff's review; its id, or None if not kept.

    The answer has been given already: a hub that cannot store it costs the review one
    question, never the resident their answer."""
    question = asked(tracker, outcome)
    if question is None:
        return None
    try:
        return record_question(runtime().hub(), question)
    except HubError as error:
        log.warning("question not kept for the review: %r", error)
        return None


def transcript(tracker: Tracker) -> list[tuple[str, str]]:
    """The conversation's last turns before the latest message, as (who, text).

    The latest message is the last "user" event, not the last event: Rasa logs others after
    it (`user_featurization`, slots) before the action runs."""
    events = [event for event in tracker.events if isinstance(event, dict)]
    users = [index for index, event in enumerate(events) if event.get("event") == "user"]
    turns: list[tuple[str, str]] = []
    for event in events[: users[-1] if users else len(events)]:
        text = event.get("text")
        if not isinstance(text, str) or not text:
            continue
        if event.get("event") == "user":
            turns.append(("resident", text))
        elif event.get("event") == "bot":
            turns.append(("assistant", text))
    return turns[-TRANSCRIPT_TURNS:]


def forward_messages(turn: TurnDispatcher, dispatcher: CollectingDispatcher) -> None:
    dispatcher.messages.extend(turn.messages)


def question_message(question: str) -> dict[str, Any]:
    """The custom message the front-ends read the vote's id from (bot/rasa_client.py)."""
    return {"arobase_question": question}
