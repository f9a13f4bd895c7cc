"""Staff-written answers (the town content's `answers`, issue 11) and how a resident's
question is found close enough to one of them; the same likeness groups the questions staff
review (notifications/decide/question_groups.py). Pure: no I/O.

Two questions are alike when, once normalised (lower case, accents and punctuation off) and
stripped of the words every question shares (articles, « comment », « je voudrais »…):
- rapidfuzz's `token_set_ratio` of their remaining words reaches a threshold, and
- at least half of each one's words has a counterpart in the other (a word within a typo of
  it): a question of one word (« gare ») is not like every question that contains it.
The matcher is the stricter: a staff answer given to the wrong question would be a confident
wrong answer, which the assistant must never give. Its threshold is higher, and every word of
the staff's question must be in the resident's: « le marché a lieu quel jour » is not « quel
jour a lieu le marché de Noël », nor « ouvert en août » « ouvert en avril ». Staff list the
short wordings too (« Que faire de mes déchets verts ? » beside « Où jeter… »).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz

from arobase.town import StaffAnswer, Town

MATCH_SCORE = 88  # token_set_ratio (0-100) for a staff answer to be given
WORD_SCORE = 85  # fuzz.ratio for two words to count as the same (a typo, an accent)
COVERED = 0.5  # the share of each question's words that must be found in the other
# Words that say nothing of the subject: articles, pronouns, prepositions, auxiliaries,
# question words and politeness, « a lieu ». Without accents, as `normalized` leaves them.
FILLER_WORDS = """
    a ai aimerais as au aux avec avez avoir bonjour c ca ce ces cet cette chez combien comment
    d dans de des doit dois du elle elles en est et etre faire fait faut il ils j je l la le
    les leur leurs lieu m ma me merci mes moi mon n ne nous on ou par pas peut peux plait pour
    pourquoi puis qu quand que quel quelle quelles quels qui quoi s sa se ses sil son sont stp
    suis sur svp t ta te tes toi ton tu un une veux voudrais voudrait vos votre vous y
"""
FILLER = frozenset(FILLER_WORDS.split())
_NOT_WORD = re.compile(r"[\W_]+")


def normalized(text: str) -> str:
    """TEXT in lower case, without accents or punctuation, its words one space apart."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(character for character in decomposed if not unicodedata.combining(character))
    return " ".join(_NOT_WORD.sub(" ", bare).split())


_local = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    """This thread's stemmer: a Snowball stemmer keeps its word in its state while it works,
    and the action server matches answers in several threads at once."""
    if not hasattr(_local, "stemmer"):
        _local.stemmer = snowballstemmer.stemmer("french")
    return _local.stemmer


@lru_cache(maxsize=2**16)  # Snowball is pure Python; residents' words repeat a lot
def _stem(word: str) -> str:
    """WORD's French stem (Snowball), so that forms of one word meet: « jeter » and « jette »,
    « dechets » and « dechet », « ouverte » and « ouvert »."""
    return _stemmer().stemWord(word)


def content_words(text: str) -> tuple[str, ...]:
    """The words of TEXT that carry its subject; all its words when none does
    (« bonjour ? »)."""
    words = normalized(text).split()
    kept = [_stem(word) for word in words if word not in FILLER]
    return tuple(kept or words)


def _covered(words: Sequence[str], other: Sequence[str]) -> float:
    """The share of WORDS that have a counterpart in OTHER."""
    if not words:
        return 0.0
    found = sum(
        1 for word in words if any(fuzz.ratio(word, their) >= WORD_SCORE for their in other)
    )
    return found / len(words)


def likeness(words: Sequence[str], other: Sequence[str], score: float) -> float:
    """How alike two questions' content words are (0 to 100): their token_set_ratio when it
    reaches SCORE and each covers half of the other's words, else 0."""
    ratio = fuzz.token_set_ratio(" ".join(words), " ".join(other), score_cutoff=score)
    if not ratio:
        return 0.0
    if min(_covered(words, other), _covered(other, words)) < COVERED:
        return 0.0
    return ratio


def matching_answer(town: Town, text: str) -> StaffAnswer | None:
    """The staff-written answer of TOWN whose questions are the most like TEXT, when one is
    alike enough (MATCH_SCORE); None otherwise. Ties go to the first in the town's order."""
    words = content_words(text)
    best: tuple[float, StaffAnswer] | None = None
    for answer in town.answers.values():
        for question in answer.questions:
            asked = content_words(question)
            score = likeness(words, asked, MATCH_SCORE)
            if score and _covered(asked, words) == 1.0 and (best is None or score > best[0]):
                best = (score, answer)
    return best[1] if best else None
