"""Custom actions: read the tracker, call arobase, utter French text."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.alert_replies import (
    ALL_TOPICS,
    alerts_elsewhere,
    alerts_in_a_group,
    ask_topic_to_subscribe,
    news_answer,
    subscribed,
    unsubscribed,
)
from actions.confidence import (
    GUESS_INTENT,
    ProcedureGuess,
    is_confident,
    offered_key,
    procedure_guess,
)
from actions.context import runtime
from actions.turns import (
    TurnDispatcher,
    forward_messages,
    question_message,
    record_turn,
    staff_answer,
)
from arobase.followup import mentions_time
from arobase.replies import (
    Answer,
    alerts_unavailable_answer,
    ask_which_service,
    contact_answer,
    fallback_answer,
    help_answer,
    opening_hours_answer,
    out_of_scope_answer,
    procedure_answer,
    unsure_answer,
)
from arobase.resolve import resolve_service, resolve_topic
from arobase.senders import alert_chat
from arobase.town import Service, Town
from arobase.when import parse_when
from notifications import (
    HubUnavailable,
    StorageError,
    chat_subscribe,
    chat_unsubscribe,
    latest_news,
    next_meetings,
)

log = logging.getLogger(__name__)

APOLOGY = (
    "Désolé, je rencontre un problème technique et ne peux pas répondre pour le moment. "
    "Merci de réessayer plus tard ou d'appeler la mairie."
)


def utter(dispatcher: CollectingDispatcher, answer: Answer) -> None:
    buttons = [{"title": c.title, "payload": c.payload} for c in answer.choices]
    dispatcher.utter_message(text=answer.text, buttons=buttons or None)
    if isinstance(dispatcher, TurnDispatcher) and answer.outcome != "answered":
        dispatcher.outcome = answer.outcome


def utter_unless_staff_answered(
    dispatcher: CollectingDispatcher, tracker: Tracker, answer: Answer
) -> None:
    """ANSWER (not understood, not sure, out of scope), unless staff wrote one for it."""
    utter(dispatcher, staff_answer(tracker) or answer)


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def latest_intent(tracker: Tracker) -> str:
    """The intent of the latest message (rasa-sdk's helper needs an intent ranking)."""
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def is_button_payload(text: str) -> bool:
    return text.startswith("/")


class TownAction(Action):
    """Base: runs `answer` in a worker thread (the hub's database calls block, SQLite may
    wait for a lock), and turns any failure into a polite French reply. A typed question is
    then kept (without who asked) for the residents' votes and the staff's review."""

    action_name = ""
    recorded = True  # whether its turns are kept for the votes and the review

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        turn = TurnDispatcher()
        try:
            events = await asyncio.to_thread(self.answer, turn, tracker)
        except Exception:
            # One place where every action failure ends: the resident gets a reply, we get a log.
            log.exception("action %s failed", self.action_name)
            dispatcher.utter_message(text=APOLOGY)
            return []
        forward_messages(turn, dispatcher)
        if self.recorded and turn.messages and turn.outcome != "asked":
            question = await asyncio.to_thread(record_turn, tracker, turn.outcome)
            if question is not None:
                dispatcher.utter_message(json_message=question_message(question))
        return events

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        raise NotImplementedError


def remember(**slots: str | None) -> list[EventType]:
    """Slot events for what the conversation is now about (domain.yml: service, day,
    procedure, subject); a slot not named keeps its value."""
    return [SlotSet(name, value) for name, value in slots.items()]


def other_topic() -> list[EventType]:
    """A new topic: a follow-up about the last procedure, or the day of the last hours
    question, no longer applies (a service's hours button then gives today's)."""
    return remember(subject=None, procedure=None, day=None)


def named_service(tracker: Tracker) -> Service | None:
    """The service the latest message names."""
    return resolve_service(runtime().town(), tracker.get_latest_entity_values("service"))


def kept_service(tracker: Tracker) -> Service | None:
    """The service the latest message names, else the one the conversation is about."""
    named = named_service(tracker)
    if named is not None:
        return named
    kept = tracker.get_slot("service")
    return runtime().town().services.get(kept) if isinstance(kept, str) else None


def hours_reply(
    dispatcher: CollectingDispatcher, service: Service, question: str | None
) -> list[EventType]:
    """The hours of SERVICE at the moment QUESTION names (now if None), remembered."""
    now = runtime().now()
    when = parse_when(question or "", now)
    utter(dispatcher, opening_hours_answer(runtime().town(), service, when, now))
    return remember(subject="hours", service=service.key, procedure=None, day=question)


class ActionOpeningHours(TownAction):
    """Hours of the service named, or of the one the conversation is about (« et lundi ? »)."""

    action_name = "action_opening_hours"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        text = latest_text(tracker)
        if is_button_payload(text):  # a service picked: the time words asked before it
            question = tracker.get_slot("day")
        else:
            question = text if mentions_time(text, runtime().now()) else None
        service = kept_service(tracker)
        if service is None:
            utter(dispatcher, ask_which_service(runtime().town(), "ask_opening_hours"))
            return remember(subject="hours", procedure=None, day=question)
        return hours_reply(dispatcher, service, question)


def contact_reply(dispatcher: CollectingDispatcher, service: Service) -> list[EventType]:
    utter(dispatcher, contact_answer(runtime().town(), service, runtime().now()))
    return remember(subject="contact", service=service.key, procedure=None)


class ActionContact(TownAction):
    """Contact of the service named, or of the one the conversation is about (« leur numéro ? »)."""

    action_name = "action_contact"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        service = kept_service(tracker)
        if service is None:
            utter(dispatcher, ask_which_service(runtime().town(), "ask_contact"))
            return remember(subject="contact", procedure=None)
        return contact_reply(dispatcher, service)


class ActionProcedure(TownAction):
    """A procedure, answered only when the NLU is confident of which one."""

    action_name = "action_procedure"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        town = runtime().town()
        guess = procedure_guess(tracker.latest_message)
        procedure = town.procedures.get(guess.key or "")
        if procedure is None or not is_confident(guess):
            utter_unless_staff_answered(
                dispatcher, tracker, unsure_answer(town, unsure_choices(town, guess))
            )
            # Whatever it was about, not the last procedure: « c'est combien ? » next must not
            # get that procedure's cost (an hours question before it still holds).
            return remember(procedure=None)
        dispatcher.utter_message(text=procedure.title)
        utter(dispatcher, procedure_answer(town, procedure, runtime().now()))
        return remember(
            subject="procedure", procedure=procedure.key, service=procedure.where, day=None
        )


def unsure_choices(town: Town, guess: ProcedureGuess) -> tuple[str, ...]:
    """The titles of the procedures the message most likely meant, to offer as choices."""
    if guess.intent_confidence < GUESS_INTENT:
        return ()
    keys = (guess.key, guess.runner_up)
    return tuple(town.procedures[k].title for k in keys if k in town.procedures)


def is_group(chat: tuple[str, str]) -> bool:
    """Telegram groups have negative chat ids: any member may write there, admin or not."""
    return chat[1].startswith("-")


class ActionAlertsInfo(TownAction):
    """subscribe / unsubscribe / ask_news: acts on the hub from Telegram, explains elsewhere."""

    action_name = "action_alerts_info"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        try:
            return self.act(dispatcher, tracker)
        except (HubUnavailable, StorageError) as error:
            # Every path utters once, after its database work: nothing was said yet.
            log.warning("alerts unavailable: %r", error)
            utter(dispatcher, alerts_unavailable_answer(runtime().town()))
            return []

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        town = runtime().town()
        intent = latest_intent(tracker)
        values = list(tracker.get_latest_entity_values("topic"))
        everything = ALL_TOPICS in values
        topic = resolve_topic(town, values)
        if intent == "ask_news":
            utter(dispatcher, self.news(topic.key if topic else None))
            return other_topic()
        chat = alert_chat(tracker.sender_id)
        if chat is None:
            utter(dispatcher, alerts_elsewhere(town, runtime().settings.public_url, intent))
            return []
        if is_group(chat):  # only the group's administrators may change its alerts (/alertes)
            utter(dispatcher, alerts_in_a_group())
            return []
        hub = runtime().hub()
        if intent == "unsubscribe":
            topics = None if everything or topic is None else [topic.key]
            removed = chat_unsubscribe(hub, *chat, topics)
            utter(dispatcher, unsubscribed(town, removed, topics is None))
        else:
            chosen = list(town.topics) if everything else [topic.key] if topic else []
            if not chosen:
                utter(dispatcher, ask_topic_to_subscribe(town))
                return []
            info, added = chat_subscribe(hub, *chat, chosen)
            utter(dispatcher, subscribed(town, added, info.topics, info.quiet))
        return other_topic()

    @staticmethod
    def news(topic: str | None) -> Answer:
        hub = runtime().hub()
        meetings = next_meetings(hub) if topic in (None, "conseil") else []
        return news_answer(hub.town, topic, latest_news(hub, topic), meetings, hub.zone)


class ActionHelp(TownAction):
    action_name = "action_help"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        utter(dispatcher, help_answer(runtime().town()))
        return []


class ActionFallback(TownAction):
    action_name = "action_fallback"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        utter_unless_staff_answered(dispatcher, tracker, fallback_answer(runtime().town()))
        return remember(procedure=None)  # as when unsure: « c'est combien ? » is not about it


class ActionOutOfScope(TownAction):
    action_name = "action_out_of_scope"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        town = runtime().town()
        procedure = town.procedures.get(offered_key(procedure_guess(tracker.latest_message)) or "")
        titles = (procedure.title,) if procedure else ()
        utter_unless_staff_answered(dispatcher, tracker, out_of_scope_answer(town, titles))
        return other_topic()
