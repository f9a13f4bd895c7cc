"""The questions residents asked the assistant (issue 11): kept masked and without who asked,
voted on (👍/👎), reviewed by staff in groups of alike questions, marked for the next
training or answered by a staff-written answer (the town content's `answers`, no retraining).

The action server records each question a resident typed (`record_question`) and puts the
id it returns in its reply; the web page and Telegram send the vote back (`vote_question`).
A question answered with no 👎 is erased once its vote window is over (a day), any other
after AROBASE_QUESTION_RETENTION_DAYS (`purge_questions`, by the worker's housekeeping).
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import yaml

from arobase.errors import TownContentError
from arobase.hours_text import counted
from arobase.masking import mask
from arobase.senders import Front
from arobase.settings import ROOT
from arobase.staff_answers import normalized
from arobase.town import console_answer
from notifications.decide.question_groups import (
    VOTE_WINDOW,
    KeptQuestion,
    Outcome,
    QuestionGroup,
    Review,
    group_questions,
    retention_cutoffs,
    training_nlu,
)
from notifications.errors import InvalidInput, NotFound, StorageConflict
from notifications.hub import Hub
from notifications.staff import audit
from notifications.store import questions as store
from notifications.store import town_edits
from notifications.store.staff import AuditEntry
from notifications.store.town_edits import AnswerEdit
from notifications.town_content import ANSWER_MAX, ContentRefused

log = logging.getLogger(__name__)

QUESTION_MAX = 1000  # characters kept of a question (the chat's own limit)
TOKEN_BYTES = 9  # secrets.token_urlsafe: 12 characters, 72 random bits
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,16}")
REVIEW_MAX = 2000  # the newest questions grouped for the review (bounds the page's work)
WORDINGS_MAX, WORDING_MAX = 20, 300  # a staff answer's questions, and characters of each
DOMAIN_FILE = ROOT / "domain.yml"
PROCEDURE_LABEL = "procedure"  # the retrieval intent: a procedure is "procedure/<key>"
NOT_TRAINED = frozenset({"nlu_fallback"})  # the fallback classifier's, never an example
GONE = "Ces questions ont déjà été traitées, ou ont été effacées."


class QuestionAction(StrEnum):
    """What the audit records of the review (in French: staff read it)."""

    TRAINING = "questions pour l'entraînement"
    ANSWER_WRITTEN = "réponse écrite"
    DISMISSED = "questions ignorées"
    ANSWER_REMOVED = "réponse supprimée"
    EXPORTED = "questions exportées"


@dataclass(frozen=True)
class AskedQuestion:
    """A question a resident typed, as the action server tells it: TEXT as typed, FRONT
    (web, telegram, terminal), the INTENT and PROCEDURE understood, the CONFIDENCE (the
    intent's, or the selector's for a procedure) and the OUTCOME (an Outcome value)."""

    text: str
    front: str
    intent: str | None
    procedure: str | None
    confidence: float | None
    outcome: str


@dataclass(frozen=True)
class ReviewState:
    """The review: the groups of the REVIEW_MAX newest questions to look at, and how many
    there are in all."""

    groups: tuple[QuestionGroup, ...]
    total: int


@dataclass(frozen=True)
class WrittenAnswer:
    """A staff answer checked: its questions, text and day (arobase.town.AnswerChange)."""

    questions: tuple[str, ...]
    answer: str
    checked: date


@dataclass(frozen=True)
class AnswerInput:
    """A staff answer as typed: its text, and the questions it answers (one per line)."""

    answer: str
    questions: str


def one_line(text: str) -> str:
    """TEXT without control characters, its spaces and line breaks one space each."""
    kept = "".join(c if unicodedata.category(c) not in ("Cc", "Cs") else " " for c in text)
    return " ".join(kept.split())


# --- The assistant's side --------------------------------------------------------------------


def kept_form(asked: AskedQuestion, at: datetime) -> KeptQuestion:
    """ASKED as it is kept, asked AT: masked, on one line, bounded, with a fresh random id;
    InvalidInput for an unknown front or outcome."""
    if asked.front not in Front.__members__.values():
        raise InvalidInput(f"front inconnu « {asked.front} »")
    try:
        outcome = Outcome(asked.outcome)
    except ValueError:
        raise InvalidInput(f"issue inconnue « {asked.outcome} »") from None
    return KeptQuestion(
        id=secrets.token_urlsafe(TOKEN_BYTES),
        asked_at=at,
        front=asked.front,
        text=mask(one_line(asked.text))[:QUESTION_MAX],
        intent=asked.intent[:100] if asked.intent else None,
        procedure=asked.procedure[:100] if asked.procedure else None,
        confidence=asked.confidence,
        outcome=outcome,
    )


def record_question(hub: Hub, asked: AskedQuestion) -> str:
    """Keep ASKED (masked, never who asked); the random id residents vote with."""
    for _ in range(3):  # 72 random bits: a taken id is for the tests to imagine
        question = kept_form(asked, hub.now())
        try:
            store.add(hub.db, question)
        except StorageConflict:
            continue
        return question.id
    raise StorageConflict("aucun identifiant libre pour la question")


def vote_question(hub: Hub, question_id: str, useful: bool) -> bool:
    """A resident's vote on the answer to QUESTION_ID (a second replaces the first); False
    when there is no such question, or its vote window is over."""
    if not _TOKEN.fullmatch(question_id):
        return False
    now = hub.now()
    return store.vote(hub.db, question_id, useful, now, asked_after=now - VOTE_WINDOW)


def kept_question(hub: Hub, question_id: str) -> KeptQuestion | None:
    """Everything kept on QUESTION_ID, or None."""
    return store.question(hub.db, question_id) if _TOKEN.fullmatch(question_id) else None


def purge_questions(hub: Hub) -> int:
    """Erase the questions past their retention (see the module's note); how many."""
    answered, others = retention_cutoffs(hub.now(), hub.settings.question_retention_days)
    erased = store.purge(hub.db, answered, others)
    if erased:
        log.info("retention: erased %d kept questions", erased)
    return erased


# --- The staff's review ----------------------------------------------------------------------


def review_state(hub: Hub) -> ReviewState:
    """The questions to look at, in groups of alike ones, the biggest first."""
    groups = group_questions(store.to_review(hub.db, REVIEW_MAX))
    return ReviewState(groups, store.count_to_review(hub.db))


def review_group(hub: Hub, question_id: str) -> QuestionGroup:
    """The group QUESTION_ID is in now; NotFound when it is no longer to review."""
    for group in review_state(hub).groups:
        if any(question.id == question_id for question in group.questions):
            return group
    raise NotFound(GONE)


def training_labels(hub: Hub) -> tuple[str, ...]:
    """What a question may be trained as: the domain's intents, then `procedure/<key>` for
    each of the town's procedures (the retrieval intent's)."""
    try:
        domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        log.warning("training labels without the domain's intents: %s", error)
        domain = {}
    intents = [
        next(iter(entry)) if isinstance(entry, dict) else str(entry)
        for entry in domain.get("intents") or []
    ]
    procedures = [f"{PROCEDURE_LABEL}/{key}" for key in hub.town.procedures]
    return tuple(i for i in dict.fromkeys(intents) if i not in NOT_TRAINED) + tuple(procedures)


def _detail(group: QuestionGroup) -> str:
    return f"« {group.representative} » ({counted(len(group.questions), 'question')})"


def _note(hub: Hub, actor: str, action: QuestionAction, detail: str) -> AuditEntry:
    return AuditEntry(hub.now(), actor, action, detail)


def mark_for_training(hub: Hub, question_id: str, label: str, *, actor: str) -> int:
    """Every question of QUESTION_ID's group to the next training as LABEL; how many.
    InvalidInput for a label the assistant does not have, NotFound when already done."""
    if label not in training_labels(hub):
        raise InvalidInput("Choisissez une intention ou une démarche dans la liste.")
    group = review_group(hub, question_id)
    note = _note(hub, actor, QuestionAction.TRAINING, f"{_detail(group)} → {label}")
    return store.review(hub.db, [q.id for q in group.questions], Review.TRAINING, label, note)


def dismiss_group(hub: Hub, question_id: str, *, actor: str) -> int:
    """Every question of QUESTION_ID's group set aside; how many. NotFound when done."""
    group = review_group(hub, question_id)
    note = _note(hub, actor, QuestionAction.DISMISSED, _detail(group))
    return store.review(hub.db, [q.id for q in group.questions], Review.DISMISSED, None, note)


# --- Staff-written answers ---------------------------------------------------------------------


def _wordings(typed: str) -> tuple[str, ...]:
    """The questions typed one per line, trimmed, each once; ContentRefused beyond bounds."""
    lines = tuple(dict.fromkeys(one_line(line) for line in typed.splitlines() if line.strip()))
    if len(lines) > WORDINGS_MAX:
        raise ContentRefused("questions", f"{WORDINGS_MAX} questions au plus")
    if any(len(line) > WORDING_MAX for line in lines):
        raise ContentRefused("questions", f"{WORDING_MAX} caractères au plus par question")
    return lines


def _new_key(first: str, taken: Mapping[str, object]) -> str:
    """A key for an answer to FIRST: its words (« dechets_verts_jardin »), made unique."""
    words = "_".join(re.sub(r"[^a-z0-9]", "", word) for word in normalized(first).split())
    base = re.sub(r"_+", "_", words).strip("_")[:40].rstrip("_")
    base = base if base[:1].isalpha() else f"reponse_{base}".rstrip("_")
    key, number = base, 1
    while key in taken:
        number += 1
        key = f"{base}_{number}"
    return key


def write_answer(hub: Hub, question_id: str, typed: AnswerInput, *, actor: str) -> AnswerEdit:
    """A staff answer to QUESTION_ID's group, checked today; the group's questions are then
    answered. ContentRefused names the field; NotFound when the group was done meanwhile."""
    if len(typed.answer) > ANSWER_MAX:
        raise ContentRefused("answer", f"{ANSWER_MAX} caractères au plus")
    wordings = _wordings(typed.questions)
    group = review_group(hub, question_id)
    today, tokens = hub.now().astimezone(hub.zone).date(), [q.id for q in group.questions]
    for _ in range(3):  # a key taken at the same moment by another answer: the next one
        taken = {**hub.town.answers, **town_edits.edits(hub.db).answers}
        key = _new_key(wordings[0] if wordings else group.representative, taken)
        try:
            answer = console_answer(hub.town, key, WrittenAnswer(wordings, typed.answer, today))
        except TownContentError as error:
            raise ContentRefused(error.key, error.reason) from error
        note = _note(hub, actor, QuestionAction.ANSWER_WRITTEN, f"{_detail(group)} : {key}")
        try:
            return store.answer(hub.db, answer, tokens, note, gone=GONE)
        except StorageConflict:
            continue
    raise StorageConflict("aucune clé libre pour la réponse")


def staff_answers(hub: Hub) -> Mapping[str, AnswerEdit]:
    """The answers written in the console, the oldest first."""
    return town_edits.edits(hub.db).answers


def remove_answer(hub: Hub, key: str, *, actor: str) -> bool:
    """The staff answer KEY no longer given; whether there was one."""
    note = _note(hub, actor, QuestionAction.ANSWER_REMOVED, key)
    return town_edits.remove_answer(hub.db, key, note)


def training_export(hub: Hub, *, actor: str) -> str:
    """The questions marked for the training, as Rasa NLU YAML (see `training_nlu`); its
    making audited (it holds residents' questions, masked)."""
    text = training_nlu(store.for_training(hub.db), hub.now().astimezone(hub.zone))
    audit(hub, actor, QuestionAction.EXPORTED, counted(text.count("\n    - "), "exemple"))
    return text
