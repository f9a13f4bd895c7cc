"""Town questions outside the procedures: a problem to report, the waste collection days, the
school holidays. Each is a new topic: a follow-up about the last procedure no longer applies."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import TownAction, latest_text, other_topic, remember, utter
from actions.context import runtime
from arobase.reports import report_answer, route_report
from arobase.school_holidays import school_holidays_answer
from arobase.waste import waste_answer


def first_entity(tracker: Tracker, entity: str) -> str | None:
    return next(iter(tracker.get_latest_entity_values(entity)), None)


class ActionReportProblem(TownAction):
    """The service that handles the problem, which the conversation is now about."""

    action_name = "action_report_problem"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        town, problem = runtime().town(), first_entity(tracker, "problem")
        utter(dispatcher, report_answer(town, problem, runtime().now()))
        return [*other_topic(), *remember(service=route_report(town, problem).service.key)]


class ActionWasteCollection(TownAction):
    action_name = "action_waste_collection"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        area = first_entity(tracker, "area")
        utter(dispatcher, waste_answer(runtime().town(), area, runtime().now()))
        return other_topic()


class ActionSchoolHolidays(TownAction):
    action_name = "action_school_holidays"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        text = latest_text(tracker)
        utter(dispatcher, school_holidays_answer(runtime().town(), text, runtime().now()))
        return other_topic()
