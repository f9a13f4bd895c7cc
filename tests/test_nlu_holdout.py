"""NLU quality on a held-out set that never enters training, through the real Rasa server."""

from __future__ import annotations

import itertools
import json

import httpx
import pytest

from actions.confidence import (
    CONFIGURED,
    Thresholds,
    is_confident,
    offered_key,
    procedure_guess,
)
from arobase.settings import ROOT
from tests.nlu_examples import Example, read_examples
from tests.stack import RasaStack

pytestmark = pytest.mark.rasa

HOLDOUT = ROOT / "tests" / "data" / "nlu_holdout.yml"
OUTSIDE = ROOT / "tests" / "data" / "nlu_out_of_coverage.yml"
TRAINING = ROOT / "nlu_data" / "nlu"

# Issue 11's targets, printed beside the measures: intent and procedure key ≥ 0.95 on the
# held-out set, a wrong procedure for at most 2 % of the out-of-coverage messages.
INTENT_TARGET = 0.95
PROCEDURE_TARGET = 0.95
OUTSIDE_WRONG_TARGET = 0.02
# What the tests hold the model to, a little below the measures of 2026-12-01 (intent 0.952,
# key 0.986, answered at once 0.844 on 974 held-out messages): floors that catch a regression
# and leave room for the next data changes; the targets are printed beside them.
INTENT_FLOOR = 0.94
PROCEDURE_FLOOR = 0.95
# The share of held-out procedure questions answered at once (the others get « je ne suis
# pas sûr » with the two best guesses as buttons).
ANSWERED_FLOOR = 0.80
SWEEP_INTENT = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95)
SWEEP_KEY = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
SWEEP_MARGIN = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
ENTITY_TARGET = 0.90


def normalised(text: str) -> str:
    return " ".join(text.lower().split())


def test_holdout_is_kept_out_of_training_and_large_enough(measures: dict[str, str]) -> None:
    holdout, training = read_examples(HOLDOUT), read_examples(TRAINING)
    kept_out = holdout + read_examples(OUTSIDE)
    shared = {normalised(e.text) for e in kept_out} & {normalised(e.text) for e in training}
    assert not shared, f"held-out examples found in training data: {sorted(shared)[:10]}"
    share = len(holdout) / (len(holdout) + len(training))
    measures["NLU examples (training / held out)"] = (
        f"{len(training)} / {len(holdout)} ({share:.1%} held out)"
    )
    assert share >= 0.20


def parse(client: httpx.Client, stack: RasaStack, text: str) -> dict:
    response = client.post(
        f"{stack.rasa_url}/model/parse", params={"token": stack.token}, json={"text": text}
    )
    response.raise_for_status()
    return response.json()


Parsed = list[tuple[Example, dict]]


@pytest.fixture(scope="module")
def parsed(rasa_stack: RasaStack) -> dict[str, Parsed]:
    """Every held-out and out-of-coverage message through the real Rasa server, once."""
    with httpx.Client(timeout=30) as client:
        return {
            name: [(e, parse(client, rasa_stack, e.text)) for e in read_examples(path)]
            for name, path in (("holdout", HOLDOUT), ("outside", OUTSIDE))
        }


def answered_key(result: dict, limits: Thresholds = CONFIGURED) -> str | None:
    """The procedure the assistant would answer, or None when it would ask instead."""
    guess = procedure_guess(result)
    return guess.key if is_confident(guess, limits) else None


def test_holdout_accuracy(parsed: dict[str, Parsed], measures: dict[str, str]) -> None:
    errors: list[str] = []
    intent_ok = procedure_total = procedure_ok = entity_total = entity_ok = 0
    for example, result in parsed["holdout"]:
        intent = result["intent"]["name"]
        if intent == example.base_intent:
            intent_ok += 1
        else:
            errors.append(f"intent {example.intent} → {intent}: {example.text}")
        if example.procedure_key and intent == "procedure":
            procedure_total += 1
            guess = procedure_guess(result)
            if guess.key == example.procedure_key:
                procedure_ok += 1
            else:
                errors.append(f"key {example.procedure_key} → {guess}: {example.text}")
        entity_total, entity_ok = _score_entities(example, result, entity_total, entity_ok, errors)
    examples = len(parsed["holdout"])
    intent_accuracy = intent_ok / examples
    procedure_accuracy = procedure_ok / procedure_total
    entity_accuracy = entity_ok / entity_total if entity_total else 1.0
    measures["NLU held-out intent accuracy"] = (
        f"{intent_accuracy:.3f} ({intent_ok}/{examples}){against(intent_accuracy, INTENT_TARGET)}"
    )
    measures["NLU held-out procedure-key accuracy"] = (
        f"{procedure_accuracy:.3f} ({procedure_ok}/{procedure_total} read as procedures)"
        + against(procedure_accuracy, PROCEDURE_TARGET)
    )
    measures["NLU held-out entity accuracy"] = f"{entity_accuracy:.3f} ({entity_ok}/{entity_total})"
    measures["NLU held-out procedures read as out of scope"] = offers(parsed)
    report = ROOT / "var" / "nlu-holdout-errors.json"
    report.parent.mkdir(exist_ok=True)
    report.write_text(json.dumps(errors, ensure_ascii=False, indent=1), encoding="utf-8")
    assert intent_accuracy >= INTENT_FLOOR, "\n".join(errors[:40])
    assert procedure_accuracy >= PROCEDURE_FLOOR, "\n".join(errors[:40])
    assert entity_accuracy >= ENTITY_TARGET, "\n".join(errors[:40])


def offers(parsed: dict[str, Parsed]) -> str:
    """How often the out-of-scope answer's button offers the procedure a question was about."""
    missed = [
        (e, r)
        for e, r in parsed["holdout"]
        if e.procedure_key and r["intent"]["name"] == "out_of_scope"
    ]
    offered = sum(offered_key(procedure_guess(r)) == e.procedure_key for e, r in missed)
    outside = [r for e, r in parsed["outside"] if r["intent"]["name"] == "out_of_scope"]
    noise = sum(offered_key(procedure_guess(r)) is not None for r in outside)
    return (
        f"{len(missed)}, offered their procedure as a button: {offered}; out-of-coverage "
        f"messages read as out of scope and offered a procedure: {noise}/{len(outside)}"
    )


def against(measured: float, target: float) -> str:
    """Whether a measure reaches issue 11's target, for the printed line."""
    return f", target {target}: {'met' if measured >= target else 'NOT MET'}"


def wrong_outside(outside: Parsed, limits: Thresholds = CONFIGURED) -> list[str]:
    """Out-of-coverage messages that would get a procedure's answer."""
    return [
        f"{key}: {example.text}"
        for example, result in outside
        if (key := answered_key(result, limits)) is not None
    ]


def test_out_of_coverage_gets_no_procedure(
    parsed: dict[str, Parsed], measures: dict[str, str]
) -> None:
    outside = parsed["outside"]
    assert len(outside) >= 40
    wrong = wrong_outside(outside)
    share = len(wrong) / len(outside)
    intent_ok = sum(r["intent"]["name"] == e.base_intent for e, r in outside)
    measures["NLU out-of-coverage: wrong procedure"] = (
        f"{share:.1%} ({len(wrong)}/{len(outside)}); intent as expected "
        f"{intent_ok / len(outside):.3f} ({intent_ok}/{len(outside)})"
    )
    assert share <= OUTSIDE_WRONG_TARGET, "\n".join(wrong)


def _procedure_accuracy(holdout: Parsed, limits: Thresholds) -> float:
    wanted = [(e.procedure_key, r) for e, r in holdout if e.procedure_key]
    return sum(answered_key(r, limits) == key for key, r in wanted) / len(wanted)


def test_thresholds_are_the_best_on_the_held_out_set(
    parsed: dict[str, Parsed], measures: dict[str, str]
) -> None:
    """Sweep the thresholds: the best keep ≤ 2 % wrong outside, then answer the most held-out
    procedures right. The configured ones must meet both targets; the best is printed."""
    outside, holdout = parsed["outside"], parsed["holdout"]
    scored = []
    for intent, key, margin in itertools.product(SWEEP_INTENT, SWEEP_KEY, SWEEP_MARGIN):
        limits = Thresholds(intent, key, margin)
        wrong = len(wrong_outside(outside, limits)) / len(outside)
        if wrong <= OUTSIDE_WRONG_TARGET:
            # Lower thresholds first among equals: the least said « je ne suis pas sûr ».
            scored.append((_procedure_accuracy(holdout, limits), -intent - key - margin, limits))
    assert scored, "no thresholds keep the out-of-coverage messages from a procedure"
    accuracy, _, best = max(scored, key=lambda item: item[:2])
    configured = CONFIGURED
    answered = _procedure_accuracy(holdout, configured)
    measures["NLU procedure thresholds (intent / key / margin)"] = (
        f"configured {configured.intent} / {configured.key} / {configured.margin}, held-out "
        f"procedures answered at once and right {answered:.3f}; best of the sweep "
        f"{best.intent} / {best.key} / {best.margin} ({accuracy:.3f})"
    )
    assert answered >= ANSWERED_FLOOR
    assert len(wrong_outside(outside, configured)) / len(outside) <= OUTSIDE_WRONG_TARGET


def _score_entities(
    example: Example, result: dict, total: int, ok: int, errors: list[str]
) -> tuple[int, int]:
    """Each expected (entity, value) counts once: found with the canonical value or not."""
    found = {(e["entity"], e["value"]) for e in result.get("entities", [])}
    for expected in example.entities:
        total += 1
        if expected in found:
            ok += 1
        else:
            errors.append(f"entity {expected} not in {sorted(found)}: {example.text}")
    return total, ok
