"""When the assistant may answer a procedure: only when the NLU is confident of which one.

A wrong procedure answered with assurance is worse than « je ne suis pas sûr » followed by an
offer of a person, so a procedure is answered only when the intent, the response selector's
best key, and its lead over the second key all clear their thresholds.

The thresholds were chosen on the held-out set (tests/data/nlu_holdout.yml) and the
out-of-coverage set (tests/data/nlu_out_of_coverage.yml): tests/test_nlu_holdout.py sweeps
them and prints the best, which keeps the wrong procedures on out-of-coverage messages ≤ 2 %
and answers at once the most held-out procedure questions. Since the intent classifier became
a linear SVM (2026-12-01, rasa_addons/arobase_intent_classifier.py), its intent confidence
tells town questions outside the procedures apart far better than DIET's did, and the key
threshold matters less. On 308 held-out procedure questions and 152 out-of-coverage
messages:
- 0.95 / 0.85 (the thresholds chosen for DIET): 0.627 answered at once and right, no wrong
  procedure;
- 0.7 / 0.0 (the sweep's best): 0.909, but 4 wrong procedures on held-out questions and 3
  on out-of-coverage messages (2.0 %, at the limit);
- 0.8 / 0.5, chosen: 0.844, 1 wrong on held-out questions and 1 on out-of-coverage messages
  (0.7 %), which leaves room for the next training's changes.
The others get their two best guesses as buttons, one click away.
Retraining may move the confidences: rerun that test and update these values if it asks to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INTENT_THRESHOLD = 0.8
KEY_THRESHOLD = 0.5
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
