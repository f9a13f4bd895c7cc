"""The staff review's groups of alike questions, and the review's rules (pure:
notifications/decide/question_groups.py), table-driven."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from arobase.staff_answers import likeness
from notifications.decide import question_groups
from notifications.decide.question_groups import (
    KeptQuestion,
    Outcome,
    group_questions,
    needs_review,
    retention_cutoffs,
    vote_open,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NOT_UNDERSTOOD, UNSURE, ANSWERED = Outcome.NOT_UNDERSTOOD, Outcome.UNSURE, Outcome.ANSWERED


def asked(
    text: str, hours_ago: float, outcome: Outcome = NOT_UNDERSTOOD, vote: bool | None = None
) -> KeptQuestion:
    at = NOW - timedelta(hours=hours_ago)
    ident = f"q{int(hours_ago * 10):05d}"
    return KeptQuestion(ident, at, "web", text, None, None, None, outcome, vote)


@pytest.mark.parametrize(
    ("questions", "expected"),
    [
        pytest.param([], [], id="nothing to review"),
        pytest.param(
            [
                asked("Où jeter mes déchets verts ?", 5),
                asked("ou jeter les dechets verts", 4),
                asked("Quand passe le camion poubelle ?", 3),
                asked("où jeter mes déchets verts", 2),
                asked("déchets verts ?", 1),
            ],
            [
                # The first wording is the most asked (three times once normalised).
                ("où jeter mes déchets verts", 4),
                ("Quand passe le camion poubelle ?", 1),
            ],
            id="alike wordings together, the biggest group first",
        ),
        pytest.param(
            [
                asked("Où jeter mes encombrants ?", 3),
                asked("Où jeter mes déchets verts ?", 2),
                asked("Puis-je louer un vélo ?", 1),
                asked("Puis-je louer la salle des fêtes ?", 0.5),
            ],
            [
                ("Puis-je louer la salle des fêtes ?", 1),
                ("Puis-je louer un vélo ?", 1),
                ("Où jeter mes déchets verts ?", 1),
                ("Où jeter mes encombrants ?", 1),
            ],
            id="near misses apart, the newest group first among equals",
        ),
        pytest.param(
            [
                asked("gare", 2),
                asked("un chien errant rue de la gare", 1),
                asked("chien errant", 3),
            ],
            [("un chien errant rue de la gare", 2), ("gare", 1)],
            id="a one-word question is not like every question containing it",
        ),
        pytest.param(
            [asked("?", 2), asked("!!", 1), asked("bonjour", 3)],
            [("!!", 2), ("bonjour", 1)],
            id="no word at all: together, never a crash",
        ),
    ],
)
def test_questions_are_grouped_by_likeness_in_a_stable_order(
    questions: list[KeptQuestion], expected: list[tuple[str, int]]
):
    groups = group_questions(questions)

    assert [(g.representative, len(g.questions)) for g in groups] == expected
    assert group_questions(reversed(questions)) == groups  # the input's order is irrelevant


def test_a_group_tells_its_counts_dates_and_other_wordings():
    questions = [
        asked("Où jeter mes déchets verts ?", 30, NOT_UNDERSTOOD),
        asked("ou jeter les dechets verts", 20, UNSURE),
        asked("où jeter mes déchets verts", 10, ANSWERED, vote=False),
        asked("Où jeter mes déchets verts ?", 1, NOT_UNDERSTOOD),
    ]

    (group,) = group_questions(questions)

    assert group.representative == "Où jeter mes déchets verts ?"
    assert group.id == "q00010"  # its newest question
    assert (group.first, group.last) == (NOW - timedelta(hours=30), NOW - timedelta(hours=1))
    assert group.outcomes == ((NOT_UNDERSTOOD, 2), (ANSWERED, 1), (UNSURE, 1))
    assert group.thumbs_down == 1
    assert group.wordings == (
        "Où jeter mes déchets verts ?",
        "où jeter mes déchets verts",
        "ou jeter les dechets verts",
    )


@pytest.fixture
def comparisons(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How many times two questions' words were compared in full (`likeness`): what made the
    grouping slow, counted instead of timed."""
    calls = 0

    def counted(*args: Any, **kwargs: Any) -> float:
        nonlocal calls
        calls += 1
        return likeness(*args, **kwargs)

    monkeypatch.setattr(question_groups, "likeness", counted)
    return lambda: calls


def test_many_questions_all_different_are_grouped_quickly(comparisons: Callable[[], int]):
    """The console's bound (2,000 questions), none like another: the worst case for a
    greedy grouping, which compares only questions sharing a word's beginning."""
    consonants, vowels = "bcdfghjklmnpqrstvwxz", "aeiou"
    words = ["".join(w) for w in itertools.product(consonants, vowels, consonants, vowels)]
    questions = [asked(" ".join(words[n * 5 : n * 5 + 5]), n / 10) for n in range(2000)]

    groups = group_questions(questions)

    assert comparisons() <= 2 * len(questions)  # not one per pair
    assert len(groups) == 2000


def test_many_long_questions_sharing_a_word_are_grouped_quickly(
    comparisons: Callable[[], int],
):
    """2,000 questions of a thousand characters, none like another but all about « la
    mairie »: each shares a word's beginning with every other (it took minutes)."""
    consonants, vowels = "bcdfghjklmnpqrstvwxz", "aeiou"
    words = ["".join(w) for w in itertools.product(consonants, vowels, consonants, vowels)]
    pick = random.Random(11).sample
    questions = [asked(f"la mairie {' '.join(pick(words, 200))}", n / 10) for n in range(2000)]

    groups = group_questions(questions)

    # Not one (slow, pure Python) comparison per pair as before: it took minutes.
    assert comparisons() <= 2 * len(questions)
    assert len(groups) == 2000


@pytest.mark.parametrize(
    ("outcome", "vote", "review"),
    [
        (Outcome.ANSWERED, None, False),
        (Outcome.ANSWERED, True, False),
        (Outcome.ANSWERED, False, True),
        (Outcome.STAFF_ANSWER, False, True),
        (Outcome.STAFF_ANSWER, None, False),
        (Outcome.UNSURE, True, True),
        (Outcome.NOT_UNDERSTOOD, None, True),
        (Outcome.OUT_OF_SCOPE, None, True),
    ],
)
def test_staff_review_what_was_not_understood_unsure_out_of_scope_or_voted_down(
    outcome: Outcome, vote: bool | None, review: bool
):
    assert needs_review(outcome, vote) is review


@pytest.mark.parametrize(
    ("age", "open_"),
    [(timedelta(0), True), (timedelta(hours=23, minutes=59), True), (timedelta(days=1), False)],
)
def test_a_vote_is_taken_for_one_day(age: timedelta, open_: bool):
    assert vote_open(NOW - age, NOW) is open_


def test_answered_questions_go_after_one_day_the_others_after_the_setting():
    assert retention_cutoffs(NOW, 90) == (NOW - timedelta(days=1), NOW - timedelta(days=90))
