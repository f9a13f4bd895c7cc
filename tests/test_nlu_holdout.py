"""NLU quality on a held-out set that never enters training, through the real Rasa server."""

from __future__ import annotations

import json
from collections import Counter

import httpx
import pytest

from arobase.settings import ROOT
from tests.nlu_examples import Example, read_examples
from tests.stack import RasaStack

pytestmark = pytest.mark.rasa

HOLDOUT = ROOT / "tests" / "data" / "nlu_holdout.yml"
TRAINING = ROOT / "nlu_data" / "nlu"

INTENT_TARGET = 0.95
PROCEDURE_TARGET = 0.93
ENTITY_TARGET = 0.90


def normalised(text: str) -> str:
    return " ".join(text.lower().split())


def test_holdout_is_kept_out_of_training_and_large_enough(measures: dict[str, str]) -> None:
    holdout, training = read_examples(HOLDOUT), read_examples(TRAINING)
    shared = {normalised(e.text) for e in holdout} & {normalised(e.text) for e in training}
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


def predicted_key(result: dict) -> str | None:
    response = result.get("response_selector", {}).get("procedure", {}).get("response", {})
    return (response.get("intent_response_key") or "").partition("/")[2] or None


def test_holdout_accuracy(rasa_stack: RasaStack, measures: dict[str, str]) -> None:
    examples = read_examples(HOLDOUT)
    errors: list[str] = []
    intent_ok = procedure_total = procedure_ok = entity_total = entity_ok = 0
    confusions: Counter[tuple[str, str]] = Counter()
    with httpx.Client(timeout=30) as client:
        for example in examples:
            result = parse(client, rasa_stack, example.text)
            intent = result["intent"]["name"]
            if intent == example.base_intent:
                intent_ok += 1
            else:
                confusions[(example.base_intent, intent)] += 1
                errors.append(f"intent {example.intent} → {intent}: {example.text}")
            if example.procedure_key:
                procedure_total += 1
                key = predicted_key(result) if intent == "procedure" else None
                if key == example.procedure_key:
                    procedure_ok += 1
                elif intent == "procedure":
                    errors.append(f"key {example.procedure_key} → {key}: {example.text}")
            entity_total, entity_ok = _score_entities(
                example, result, entity_total, entity_ok, errors
            )
    intent_accuracy = intent_ok / len(examples)
    procedure_accuracy = procedure_ok / procedure_total
    entity_accuracy = entity_ok / entity_total if entity_total else 1.0
    measures["NLU held-out intent accuracy"] = (
        f"{intent_accuracy:.3f} ({intent_ok}/{len(examples)})"
    )
    measures["NLU held-out procedure-key accuracy"] = (
        f"{procedure_accuracy:.3f} ({procedure_ok}/{procedure_total})"
    )
    measures["NLU held-out entity accuracy"] = f"{entity_accuracy:.3f} ({entity_ok}/{entity_total})"
    report = ROOT / "var" / "nlu-holdout-errors.json"
    report.parent.mkdir(exist_ok=True)
    report.write_text(json.dumps(errors, ensure_ascii=False, indent=1), encoding="utf-8")
    assert intent_accuracy >= INTENT_TARGET, "\n".join(errors[:40])
    assert procedure_accuracy >= PROCEDURE_TARGET, "\n".join(errors[:40])
    assert entity_accuracy >= ENTITY_TARGET, "\n".join(errors[:40])


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
