"""« Je veux parler à quelqu'un »: the conversation is handed over to the town agents."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import TownAction, latest_text, utter
from actions.context import runtime
from actions.turns import transcript
from arobase.replies import handoff_answer
from notifications import HubError, open_handoff

log = logging.getLogger(__name__)

# Where an agent's answer reaches the resident (bot/web/chat_handoff.py, bot/telegram/app.py);
# the terminal chat is a staff tool with no one to answer it.
AGENT_FRONTS = ("web", "telegram")


class ActionHumanHandoff(TownAction):
    """Opens a handoff (notifications/handoffs.py): the question and the last turns go to the
    console's inbox, the agent answers in this same chat, and the front-ends keep the bot
    silent in it until the agent closes it. Without a hub (or from the terminal), the town
    hall's contact and whether it is open."""

    action_name = "action_human_handoff"
    recorded = False  # a person reads it: nothing to vote on or to review

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        if tracker.sender_id.partition(":")[0] not in AGENT_FRONTS:
            utter(dispatcher, handoff_answer(runtime().town(), runtime().now()))
            return []
        try:
            opened = open_handoff(
                runtime().hub(), tracker.sender_id, latest_text(tracker), transcript(tracker)
            )
        except HubError as error:
            log.warning("no handoff for %s: %r", tracker.sender_id.partition(":")[0], error)
            utter(dispatcher, handoff_answer(runtime().town(), runtime().now()))
            return []
        dispatcher.utter_message(text=opened.reply)
        return []
