"""When the assistant may answer a procedure: only when the NLU is confident of which one.

A wrong procedure answered with assurance is worse than « je ne suis pas sûr » followed by an
offer of a person, so a procedure is answered only when the intent, the response selector's
best key, and its lead over the second key all clear their thresholds.

The thresholds were chosen on the held-out set (tests/data/nlu_holdout.yml) and the
out-of-coverage set (tests/data/nlu_out_of_coverage.yml): tests/test_nlu_holdout.py sweeps
them and prints the best, which keeps the wrong procedures on out-of-coverage messages ≤ 2 %
and answers at once the most held-out procedure questions. With the data of the end of
issue 11, a key threshold of 0.7 gave a wrong procedure to 4 of 152 out-of-coverage messages
(2.6 %), 0.85 to 3 (right at the limit) and 0.9 to 1, so 0.9 was chosen. With the third data
round (2026-11-30), two trainings gave 2 of 152 at 0.85 (1.3 %) and 1 at 0.9, while 0.9 left
unanswered at once a third of the held-out procedure questions (0.646 answered) against
0.711 at 0.85: 0.85 it is. The others get their two best guesses as buttons, one click away.
Retraining may move the confidences: rerun that test and update these values if it asks to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INTENT_THRESHOLD = 0.95
KEY_THRESHOLD = 0.85
KEY_MARGIN = 0.0
# Below the thresholds, the two best keys are offered as buttons when the message was read as
# a procedure question at all; otherwise they are noise (« Aide sociale ? » for a pothole).
GUESS_INTENT = 0.5
# A message read as out of scope whose best key is this sure may still be that procedure in
# unusual words (« faut combien de photos pour un passprt »): the out-of-scope answer then
# offers it as a button. On the held-out set, 14 procedure questions were read as out of
# scope and 10 of them got their procedure offered; 18 of the 164 real out-of-scope messages
# got an offer too (« combien d'invités à un mariage ? » → Mariage): a button the resident
# ignores costs nothing.
OFFER_KEY = 0.7


@dataclass(frozen=True)
class ProcedureGuess:
    """The NLU's best procedure for a message, and how sure it is."""

    key: str | None  # e.g. "passeport"
    intent_confidence: float  # of the intent `procedure` (0 when another intent won)
    confidence: float  # of the best key
    margin: float  # best key's confidence minus the second's
    runner_up: str | None = None


@dataclass(frozen=True)
class Thresholds:
    intent: float = INTENT_THRESHOLD
    key: float = KEY_THRESHOLD
    margin: float = KEY_MARGIN


CONFIGURED = Thresholds()


def _key(entry: dict[str, Any]) -> str | None:
    return (entry.get("intent_response_key") or "").partition("/")[2] or None


def procedure_guess(parse_data: dict[str, Any]) -> ProcedureGuess:
    """Read the best procedure key and its confidences from a Rasa parse result."""
    intent = parse_data.get("intent") or {}
    intent_confidence = float(intent.get("confidence") or 0.0)
    if intent.get("name") != "procedure":
        intent_confidence = 0.0
    selector = (parse_data.get("response_selector") or {}).get("procedure") or {}
    ranking = sorted(
        (e for e in selector.get("ranking") or [] if isinstance(e, dict) and _key(e)),
        key=lambda e: float(e.get("confidence") or 0.0),
        reverse=True,
    )
    if not ranking:
        return ProcedureGuess(None, intent_confidence, 0.0, 0.0)
    best = float(ranking[0].get("confidence") or 0.0)
    second = float(ranking[1].get("confidence") or 0.0) if len(ranking) > 1 else 0.0
    runner_up = _key(ranking[1]) if len(ranking) > 1 else None
    return ProcedureGuess(_key(ranking[0]), intent_confidence, best, best - second, runner_up)


def offered_key(guess: ProcedureGuess) -> str | None:
    """The procedure to offer beside an out-of-scope answer, if the selector is sure enough."""
    return guess.key if guess.confidence >= OFFER_KEY else None


def is_confident(guess: ProcedureGuess, limits: Thresholds = CONFIGURED) -> bool:
    """Whether the procedure may be answered without asking."""
    return (
        guess.key is not None
        and guess.intent_confidence >= limits.intent
        and guess.confidence >= limits.key
        and guess.margin >= limits.margin
    )
