"""The action server keeps each typed question for the votes and the staff's review (never who
asked), answers from a staff-written answer before saying it does not know, and hands a
conversation over to the agents (issue 11). Sample town, frozen clock, a fresh hub."""

from __future__ import annotations

from typing import Any

from actions import actions, context, handoff
from notifications import (
    AnswerInput,
    handoff_thread,
    kept_question,
    waiting_handoffs,
    write_answer,
)
from notifications.questions import AskedQuestion, record_question
from tests.test_actions import run, sample_town, tracker

__all__ = ["sample_town"]  # the autouse fixture: the sample town, a frozen clock, a fresh hub


def question_id(messages: list[dict[str, Any]]) -> str | None:
    """The vote id the action sent after its replies, if any."""
    found = [m["custom"]["arobase_question"] for m in messages if m.get("custom")]
    assert len(found) <= 1
    return found[0] if found else None


async def test_a_typed_question_is_kept_masked_and_without_its_sender() -> None:
    messages, _ = await run(
        actions.ActionFallback(),
        tracker("zorglub mon numéro est le 06 12 34 56 78", "nlu_fallback", sender="web:abc123"),
    )
    kept = kept_question(context.runtime().hub(), question_id(messages) or "")
    assert kept is not None
    assert (kept.front, kept.outcome, kept.intent) == ("web", "not_understood", "nlu_fallback")
    assert "06 12" not in kept.text and "abc123" not in repr(kept)


async def test_an_unsure_procedure_is_kept_as_unsure_with_its_guess() -> None:
    ranking = (("passeport", 0.40), ("carte_identite", 0.35))
    messages, _ = await run(
        actions.ActionProcedure(),
        tracker("papiers pour voyager", "procedure", procedure="passeport", ranking=ranking),
    )
    kept = kept_question(context.runtime().hub(), question_id(messages) or "")
    assert kept is not None
    assert (kept.outcome, kept.procedure, kept.confidence) == ("unsure", "passeport", 0.40)


async def test_a_button_press_is_not_a_question() -> None:
    messages, _ = await run(
        actions.ActionContact(), tracker('/ask_contact{"service":"ccas"}', "ask_contact")
    )
    assert messages and question_id(messages) is None


async def test_a_staff_answer_is_given_instead_of_not_understood() -> None:
    hub = context.runtime().hub()
    asked = AskedQuestion("où garer mon camping-car ?", "web", "nlu_fallback", None, 0.4, "unsure")
    written = AnswerInput(
        "Les camping-cars stationnent sur l'aire de la rue du Port.", "où garer mon camping-car ?"
    )
    write_answer(hub, record_question(hub, asked), written, actor="editrice")
    context.reset()  # the actions read the content again (AROBASE_CONTENT_REFRESH in service)
    messages, _ = await run(
        actions.ActionFallback(), tracker("je peux garer mon camping car où ?", "nlu_fallback")
    )
    assert messages[0]["text"] == "Les camping-cars stationnent sur l'aire de la rue du Port."
    kept = kept_question(context.runtime().hub(), question_id(messages) or "")
    assert kept is not None and kept.outcome == "staff_answer"


async def test_a_handoff_goes_to_the_agents_inbox_with_the_last_turns() -> None:
    state = tracker("je veux parler à quelqu'un", "human_handoff", sender="web:s1")
    state.events.extend(
        [
            {"event": "user", "text": "ma facture de cantine est fausse"},
            {"event": "bot", "text": "Je n'ai pas bien compris votre demande, pardon."},
            {"event": "user", "text": "je veux parler à quelqu'un"},
        ]
    )
    messages, _ = await run(handoff.ActionHumanHandoff(), state)
    assert messages[0]["text"].startswith("Je transmets votre demande à un agent")
    assert question_id(messages) is None  # a person reads it: no vote
    [waiting] = waiting_handoffs(context.runtime().hub())
    assert waiting.conversation == "web:s1"
    assert waiting.question == "je veux parler à quelqu'un"
    thread = handoff_thread(context.runtime().hub(), waiting.id)
    assert [(t.who.value, t.text) for t in thread.transcript] == [
        ("resident", "ma facture de cantine est fausse"),
        ("assistant", "Je n'ai pas bien compris votre demande, pardon."),
    ]


async def test_the_handoff_question_is_not_repeated_in_the_turns_before_it() -> None:
    """Rasa logs events after the latest message before the action runs (the tracker it
    sends ends with `user_featurization`): the question is still not a turn before itself."""
    state = tracker("je veux parler à quelqu'un", "human_handoff", sender="web:s2")
    state.events.extend(
        [
            {"event": "user", "text": "ma facture de cantine est fausse"},
            {"event": "user_featurization", "use_text_for_featurization": False},
            {"event": "action", "name": "action_fallback"},
            {"event": "bot", "text": "Je n'ai pas bien compris votre demande, pardon."},
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "je veux parler à quelqu'un"},
            {"event": "user_featurization", "use_text_for_featurization": False},
        ]
    )
    await run(handoff.ActionHumanHandoff(), state)
    [waiting] = waiting_handoffs(context.runtime().hub())
    thread = handoff_thread(context.runtime().hub(), waiting.id)
    assert [(t.who.value, t.text) for t in thread.transcript] == [
        ("resident", "ma facture de cantine est fausse"),
        ("assistant", "Je n'ai pas bien compris votre demande, pardon."),
    ]


async def test_from_the_terminal_a_handoff_gives_the_town_halls_contact() -> None:
    messages, _ = await run(
        handoff.ActionHumanHandoff(), tracker("un agent", "human_handoff", sender="terminal:x")
    )
    assert "01 99 00" in messages[0]["text"]
    assert "ouverte en ce moment" in messages[0]["text"]
