"""Follow-ups that lean on the conversation's slots: a service named alone (« et la
médiathèque ? ») and a detail of the last procedure (« c'est combien ? »)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (
    TownAction,
    contact_reply,
    hours_reply,
    kept_service,
    latest_text,
    named_service,
    remember,
    utter,
)
from actions.context import runtime
from arobase.followup import asked_detail, detail_answer, which_procedure
from arobase.replies import fallback_answer


class ActionMentionService(TownAction):
    """A service named alone: what was last asked (hours for the same day, or the contact),
    now about this service; its contact when nothing was asked yet."""

    action_name = "action_mention_service"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        service = named_service(tracker)
        if service is None:
            utter(dispatcher, fallback_answer(runtime().town()))
            return []
        if tracker.get_slot("subject") == "hours":
            return hours_reply(dispatcher, service, tracker.get_slot("day"))
        return contact_reply(dispatcher, service)


class ActionProcedureDetail(TownAction):
    """The cost, documents, delay or place of the procedure the conversation is about."""

    action_name = "action_procedure_detail"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        town, detail = runtime().town(), asked_detail(latest_text(tracker))
        procedure = town.procedures.get(tracker.get_slot("procedure") or "")
        if procedure is not None and named_service(tracker) is None:
            utter(dispatcher, detail_answer(town, procedure, detail, runtime().now()))
            return remember(subject="procedure")
        service = kept_service(tracker)
        if detail == "where" and service is not None:  # « c'est où ? » about a service
            return contact_reply(dispatcher, service)
        utter(dispatcher, which_procedure(town))
        return []
