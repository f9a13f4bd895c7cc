"""The questions residents asked the assistant, as staff review them (issue 11). Pure.

What a kept question's outcome and vote mean, how long it is kept and voted on, and the
review's groups: questions alike (arobase/staff_answers.py's `likeness`, GROUP_SCORE) in one
group, so that staff see « 14 × où jeter mes déchets verts » once, not fourteen times.

Grouping is greedy by frequency: the wordings (questions whose content words are the same)
are taken from the most asked; each one not yet grouped starts a group and takes every
later wording alike to it. The order is deterministic: the biggest group first, then the
one asked last, then the representative's text.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from rapidfuzz import fuzz, process

from arobase.staff_answers import COVERED, content_words, likeness, normalized

# Looser than the matcher's (arobase.staff_answers.MATCH_SCORE): a group only gathers
# questions for staff, who read them before doing anything with them.
GROUP_SCORE = 80
WORDINGS_SHOWN = 5  # other wordings shown with a group's representative
PREFIX = 3  # letters of a word's beginning that alike questions share
ODD_WORDS = 1  # words alike to another that begins otherwise (« sor » and « soir »)
# Content words of a question compared: a long message is grouped by its beginning, so that
# each comparison costs little however long the 2,000 questions reviewed are.
KEY_WORDS = 16
# A resident votes on an answer within this time; a question answered with no 👎 is erased
# when it is over (nothing left to review in it).
VOTE_WINDOW = timedelta(days=1)
_NO_MARKUP = str.maketrans("[]", "()")  # an NLU example's brackets mark an entity


class Outcome(StrEnum):
    """What the assistant did with a question (the action server says)."""

    ANSWERED = "answered"
    UNSURE = "unsure"  # asked the resident instead of guessing
    NOT_UNDERSTOOD = "not_understood"  # the fallback
    OUT_OF_SCOPE = "out_of_scope"
    STAFF_ANSWER = "staff_answer"  # answered by a staff-written answer


class Review(StrEnum):
    """Where staff's review of a question stands."""

    NEW = "new"
    TRAINING = "training"  # to add to the next training, under its label
    ANSWERED = "answered"  # a staff-written answer was written for it
    DISMISSED = "dismissed"


OUTCOME_WORDS = {  # as staff read them (the console, the commands)
    Outcome.ANSWERED: "répondue",
    Outcome.UNSURE: "réponse incertaine",
    Outcome.NOT_UNDERSTOOD: "non comprise",
    Outcome.OUT_OF_SCOPE: "hors sujet",
    Outcome.STAFF_ANSWER: "réponse de la mairie",
}
# Outcomes that staff review whatever the vote; an answer is reviewed when voted 👎.
DOUBTFUL = frozenset({Outcome.UNSURE, Outcome.NOT_UNDERSTOOD, Outcome.OUT_OF_SCOPE})


@dataclass(frozen=True)
class KeptQuestion:
    """A kept question, everything stored on it: its text masked, what the assistant
    understood and did, the resident's vote and staff's review; never who asked."""

    id: str  # the random token residents vote with
    asked_at: datetime
    front: str  # web | telegram | terminal
    text: str
    intent: str | None
    procedure: str | None
    confidence: float | None
    outcome: Outcome
    vote: bool | None = None  # True 👍, False 👎, None: no vote
    voted_at: datetime | None = None
    review: Review = Review.NEW
    label: str | None = None  # an intent, or procedure/<key>
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None


@dataclass(frozen=True)
class QuestionGroup:
    """Questions alike: REPRESENTATIVE (the most asked wording) and all of them, newest first."""

    representative: str
    questions: tuple[KeptQuestion, ...]

    @property
    def id(self) -> str:
        """The group as a link names it: its newest question (still in it if others come)."""
        return self.questions[0].id

    @property
    def first(self) -> datetime:
        return self.questions[-1].asked_at

    @property
    def last(self) -> datetime:
        return self.questions[0].asked_at

    @property
    def outcomes(self) -> tuple[tuple[Outcome, int], ...]:
        """How many questions had each outcome, the most frequent first."""
        counts = Counter(question.outcome for question in self.questions)
        return tuple(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0].value)))

    @property
    def thumbs_down(self) -> int:
        return sum(1 for question in self.questions if question.vote is False)

    @property
    def wordings(self) -> tuple[str, ...]:
        """Every distinct wording, the representative first, then the newest."""
        seen = dict.fromkeys([self.representative, *(q.text for q in self.questions)])
        return tuple(seen)


def needs_review(outcome: Outcome, vote: bool | None) -> bool:
    """Whether staff should look at a question: the assistant was unsure, did not
    understand, found it out of scope, or a resident voted 👎."""
    return outcome in DOUBTFUL or vote is False


def vote_open(asked_at: datetime, now: datetime) -> bool:
    """Whether a resident may still vote on the answer to a question asked at ASKED_AT."""
    return now - asked_at < VOTE_WINDOW


def retention_cutoffs(now: datetime, days: int) -> tuple[datetime, datetime]:
    """Before which moments kept questions are erased: an answered one with no 👎 (its vote
    window over), and any other (DAYS days, AROBASE_QUESTION_RETENTION_DAYS)."""
    return now - VOTE_WINDOW, now - timedelta(days=days)


def _beginnings(key: str) -> set[str]:
    """The first letters of KEY's words: alike words share them (a typo in a word's first
    three letters is rare), so that questions with too few in common are never compared."""
    return {word[:PREFIX] for word in key.split()}


def _alike(index: int, keys: Sequence[str | None], near: dict[str, list[int]], score: float):
    """The indexes of KEYS (None: grouped already) alike to KEYS[INDEX], itself included;
    NEAR: which keys have words beginning so. Alike keys share the beginnings of half their
    words but ODD_WORDS (`likeness`'s COVERED): counted in C, this leaves few of 2,000
    questions sharing one common word, and rapidfuzz's loop sifts those before `likeness`."""
    key = keys[index] or ""
    words = key.split()
    shared: Counter[int] = Counter()  # how many of WORDS begin like a word of each other key
    for word in words:
        shared.update(near[word[:PREFIX]])
    pending = {
        other: keys[other]
        for other, count in shared.items()
        if count + ODD_WORDS >= COVERED * len(words) and keys[other] is not None
    }
    sifted = process.extract(
        key, pending, scorer=fuzz.token_set_ratio, score_cutoff=score, limit=None
    )
    alike = {other for text, _, other in sifted if likeness(words, text.split(), score)}
    return sorted(alike | {index})


def _representative(questions: Iterable[KeptQuestion]) -> str:
    """The wording asked most often (the newest among equals)."""
    counts = Counter(question.text for question in questions)
    return max(counts, key=lambda text: counts[text])  # questions come newest first


def group_questions(
    questions: Iterable[KeptQuestion], score: float = GROUP_SCORE
) -> tuple[QuestionGroup, ...]:
    """QUESTIONS in groups of alike ones, the biggest group first (see the module's note)."""
    newest = sorted(questions, key=lambda q: (q.asked_at, q.id), reverse=True)
    wordings: dict[str, list[KeptQuestion]] = {}
    for question in newest:
        key = " ".join(content_words(question.text)[:KEY_WORDS])
        wordings.setdefault(key, []).append(question)
    # The most asked first, then the newest; dicts keep the newest-first insertion order.
    order = sorted(wordings, key=lambda key: -len(wordings[key]))
    near: dict[str, list[int]] = defaultdict(list)
    for index, key in enumerate(order):
        for beginning in _beginnings(key):
            near[beginning].append(index)
    pending: list[str | None] = list(order)
    groups = []
    for index, key in enumerate(order):
        if pending[index] is None:
            continue
        members = _alike(index, pending, near, score)
        gathered = [q for member in members for q in wordings[pending[member] or ""]]
        for member in members:
            pending[member] = None
        gathered.sort(key=lambda q: (q.asked_at, q.id), reverse=True)
        groups.append(QuestionGroup(_representative(wordings[key]), tuple(gathered)))
    groups.sort(key=lambda g: (-len(g.questions), -g.last.timestamp(), g.representative))
    return tuple(groups)


def _example(text: str) -> str:
    """TEXT as one NLU example: brackets would read as an entity's markup (« [x](y) »)."""
    return " ".join(text.translate(_NO_MARKUP).split())


def training_nlu(examples: Iterable[tuple[str, str]], made: datetime) -> str:
    """Rasa NLU training data (YAML, version 3.1) of EXAMPLES, (label, text) pairs: one
    `intent:` item per label in their order, `procedure/<key>` as the retrieval intent's.
    An example is given once (the first label it came with), as Rasa wants it."""
    by_label: dict[str, list[str]] = {}
    seen: set[str] = set()
    for label, text in examples:
        example = _example(text)
        key = normalized(example) or example  # « Où ? » and « ou » are one example
        if example and key not in seen:
            seen.add(key)
            by_label.setdefault(label, []).append(example)
    lines = [
        f"# Questions marquées « à ajouter à l'entraînement » dans la console, le {made:%d/%m/%Y}.",
        "# Relisez-les, puis ajoutez-les aux fichiers de nlu_data/ avant le prochain entraînement.",
        'version: "3.1"',
        "nlu:" if by_label else "nlu: []",
    ]
    for label, texts in by_label.items():
        lines += [f"- intent: {label}", "  examples: |", *(f"    - {text}" for text in texts)]
    return "\n".join(lines) + "\n"
