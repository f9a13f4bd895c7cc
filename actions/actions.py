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
from actions.context import runtime
from arobase.replies import (
    Answer,
    alerts_unavailable_answer,
    ask_which_service,
    contact_answer,
    fallback_answer,
    handoff_answer,
    help_answer,
    opening_hours_answer,
    out_of_scope_answer,
    procedure_answer,
)
from arobase.resolve import resolve_service, resolve_topic
from arobase.senders import alert_chat
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


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def latest_intent(tracker: Tracker) -> str:
    """The intent of the latest message (rasa-sdk's helper needs an intent ranking)."""
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def is_button_payload(text: str) -> bool:
    return text.startswith("/")


class TownAction(Action):
    """Base: runs `answer` in a worker thread (the hub's database calls block, SQLite may
    wait for a lock), and turns any failure into a polite French reply."""

    action_name = ""

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            return await asyncio.to_thread(self.answer, dispatcher, tracker)
        except Exception:
            # One place where every action failure ends: the resident gets a reply, we get a log.
            log.exception("action %s failed", self.action_name)
            dispatcher.utter_message(text=APOLOGY)
            return []

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        raise NotImplementedError


class ActionOpeningHours(TownAction):
    action_name = "action_opening_hours"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        town, text = runtime().town(), latest_text(tracker)
        service = resolve_service(town, tracker.get_latest_entity_values("service"))
        if service is None:
            utter(dispatcher, ask_which_service(town, "ask_opening_hours"))
            return [SlotSet("hours_question", None if is_button_payload(text) else text)]
        question = tracker.get_slot("hours_question") if is_button_payload(text) else text
        now = runtime().now()
        when = parse_when(question or "", now)
        utter(dispatcher, opening_hours_answer(town, service, when, now))
        return [SlotSet("hours_question", None)]


class ActionContact(TownAction):
    action_name = "action_contact"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        town = runtime().town()
        service = resolve_service(town, tracker.get_latest_entity_values("service"))
        if service is None:
            utter(dispatcher, ask_which_service(town, "ask_contact"))
        else:
            utter(dispatcher, contact_answer(town, service, runtime().now()))
        return []


def procedure_key(tracker: Tracker) -> str | None:
    """The procedure key chosen by the ResponseSelector, e.g. "carte_identite"."""
    selector = tracker.latest_message.get("response_selector", {})
    response = selector.get("procedure", {}).get("response", {})
    full_key = response.get("intent_response_key") or ""
    return full_key.partition("/")[2] or None


class ActionProcedure(TownAction):
    action_name = "action_procedure"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        town = runtime().town()
        procedure = town.procedures.get(procedure_key(tracker) or "")
        if procedure is None:
            utter(dispatcher, fallback_answer(town))
        else:
            utter(dispatcher, procedure_answer(town, procedure, runtime().now()))
        return []


class ActionHumanHandoff(TownAction):
    action_name = "action_human_handoff"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        utter(dispatcher, handoff_answer(runtime().town(), runtime().now()))
        return []


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
            return []
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
        return []

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
        utter(dispatcher, fallback_answer(runtime().town()))
        return []


class ActionOutOfScope(TownAction):
    action_name = "action_out_of_scope"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        utter(dispatcher, out_of_scope_answer(runtime().town()))
        return []
