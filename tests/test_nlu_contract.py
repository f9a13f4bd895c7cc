"""The NLU contract (shared/nlu-contract.md) holds in the domain, training data and town file."""

from __future__ import annotations

import yaml

from arobase.settings import ROOT
from arobase.town import load_town
from tests.contract import INTENTS, PROBLEMS, PROCEDURES, SERVICES, TOPICS
from tests.nlu_examples import read_examples

SYNONYMS = {
    "la poste": "agence_postale",
    "bibliothèque": "mediatheque",
    "déchèterie": "dechetterie",
    "pm": "police_municipale",
    "centre de loisirs": "periscolaire",
    "cantine": "periscolaire",
    "garderie": "periscolaire",
    "état civil": "mairie",
}


def town_areas() -> set[str]:
    """The sample town's areas: `area` values are the town's own keys, not the contract's."""
    return set(load_town(ROOT / "town" / "trilport.yml").areas)


def training() -> list:
    return read_examples(ROOT / "nlu_data" / "nlu")


def synonym_table() -> dict[str, str]:
    table = {}
    for file in (ROOT / "nlu_data" / "nlu").glob("*.yml"):
        for item in yaml.safe_load(file.read_text(encoding="utf-8")).get("nlu", []):
            if "synonym" in item:
                for line in item["examples"].splitlines():
                    if line.strip().startswith("- "):
                        table[line.strip()[2:].strip().lower()] = item["synonym"]
    return table


def test_every_contract_intent_and_procedure_key_is_trained() -> None:
    examples = training()
    assert {e.base_intent for e in examples} >= INTENTS
    assert {e.procedure_key for e in examples if e.procedure_key} == PROCEDURES


def test_every_canonical_entity_value_is_trained() -> None:
    values = {value for e in training() for (_, value) in e.entities}
    assert values >= SERVICES | TOPICS | PROBLEMS | town_areas()


def test_contract_synonyms_map_to_canonical_values() -> None:
    table = synonym_table()
    for spelling, canonical in SYNONYMS.items():
        assert table.get(spelling) == canonical, spelling
    assert set(table.values()) <= SERVICES | TOPICS | PROBLEMS | town_areas()


def test_domain_and_town_cover_the_contract() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    keys = {r.partition("/")[2] for r in domain["responses"] if r.startswith("utter_procedure/")}
    assert keys == PROCEDURES
    town = load_town(ROOT / "town" / "trilport.yml")
    assert set(town.procedures) == PROCEDURES
    assert set(town.services) == SERVICES
    assert set(town.topics) == TOPICS
    assert set(town.reports) == PROBLEMS


def lookups() -> dict[str, list[str]]:
    """The spellings of each lookup table (entity → spellings)."""
    tables: dict[str, list[str]] = {}
    for file in (ROOT / "nlu_data" / "nlu").glob("*.yml"):
        for item in yaml.safe_load(file.read_text(encoding="utf-8")).get("nlu", []):
            if "lookup" in item:
                spellings = [
                    line.strip()[2:].strip()
                    for line in item["examples"].splitlines()
                    if line.strip().startswith("- ")
                ]
                tables.setdefault(item["lookup"], []).extend(spellings)
    return tables


def test_every_looked_up_spelling_reaches_a_canonical_value() -> None:
    """The extractor finds a lookup spelling; the synonym table must turn it into a key."""
    canonical = {"service": SERVICES, "topic": TOPICS, "problem": PROBLEMS, "area": town_areas()}
    table = synonym_table()
    tables = lookups()
    assert set(tables) == set(canonical)
    for entity, spellings in tables.items():
        for spelling in spellings:
            value = spelling if spelling in canonical[entity] else table.get(spelling.lower())
            assert value in canonical[entity], f"{entity}: « {spelling} » maps to {value!r}"
