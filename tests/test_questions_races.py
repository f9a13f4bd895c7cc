"""Staff answering the review's questions at the same moment, on SQLite and PostgreSQL: a
staff-written answer is never replaced unseen, and one group gets one answer."""

from __future__ import annotations

import pytest

from notifications import questions
from notifications.errors import NotFound
from notifications.hub import Hub
from notifications.questions import (
    AnswerInput,
    AskedQuestion,
    record_question,
    review_group,
    staff_answers,
    write_answer,
)
from notifications.staff import audit_entries
from notifications.store import town_edits
from tests.hub_support import FakeClock

EDITOR, OTHER_EDITOR = "com@trilport.example", "accueil@trilport.example"
GREEN = "Où jeter mes déchets verts ?"


def ask(hub: Hub, text: str) -> str:
    return record_question(hub, AskedQuestion(text, "web", None, None, 0.31, "not_understood"))


def test_an_answer_whose_key_was_taken_meanwhile_gets_the_next_one(
    hub: Hub, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
):
    green, bins = ask(hub, GREEN), ask(hub, "Quand passe le camion poubelle ?")
    real_edits = town_edits.edits
    stale = real_edits(hub.db)  # what the second editor's request read: no answer yet
    first = write_answer(hub, bins, AnswerInput("Le mardi.", GREEN), actor=EDITOR)
    reads = iter([stale])
    monkeypatch.setattr(town_edits, "edits", lambda db: next(reads, None) or real_edits(db))

    second = write_answer(hub, green, AnswerInput("À la déchetterie.", GREEN), actor=OTHER_EDITOR)

    assert (first.key, second.key) == ("ou_jeter_mes_dechets_verts", "ou_jeter_mes_dechets_verts_2")
    answers = {key: edit.answer for key, edit in staff_answers(hub).items()}
    assert answers == {first.key: "Le mardi.", second.key: "À la déchetterie."}


def test_a_group_answered_meanwhile_is_refused_and_nothing_is_written(
    hub: Hub, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
):
    question_id = ask(hub, GREEN)
    shown = review_group(hub, question_id)  # the second editor's page, opened before
    first = write_answer(hub, question_id, AnswerInput("À la déchetterie.", GREEN), actor=EDITOR)
    monkeypatch.setattr(questions, "review_group", lambda hub, question_id: shown)

    with pytest.raises(NotFound):
        write_answer(hub, question_id, AnswerInput("Au bac marron.", GREEN), actor=OTHER_EDITOR)

    assert list(staff_answers(hub)) == [first.key]
    assert [entry.actor for entry in audit_entries(hub)] == [EDITOR]
