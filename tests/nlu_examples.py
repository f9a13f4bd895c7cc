"""Read Rasa NLU YAML examples (text, intent, entities) without importing Rasa."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

# [text](entity) or [text](entity:value)
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<entity>\w+)(?::(?P<value>[^)]+))?\)")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str  # full intent, e.g. "procedure/passeport"
    entities: tuple[tuple[str, str], ...]  # (entity, canonical value)

    @property
    def base_intent(self) -> str:
        return self.intent.partition("/")[0]

    @property
    def procedure_key(self) -> str | None:
        return self.intent.partition("/")[2] or None


def parse_line(line: str, intent: str, synonyms: dict[str, str]) -> Example:
    entities = []
    for match in ANNOTATION.finditer(line):
        value = match["value"] or synonyms.get(match["text"].lower(), match["text"])
        entities.append((match["entity"], value))
    text = ANNOTATION.sub(lambda m: m["text"], line)
    return Example(text=text, intent=intent, entities=tuple(entities))


def read_examples(*paths: Path) -> list[Example]:
    items: list[dict] = []
    for path in paths:
        files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
        for file in files:
            items.extend((yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("nlu", []))
    synonyms = {
        variant.strip()[2:].strip().lower(): item["synonym"]
        for item in items
        if "synonym" in item
        for variant in item["examples"].splitlines()
        if variant.strip().startswith("- ")
    }
    return [
        parse_line(line.strip()[2:].strip(), item["intent"], synonyms)
        for item in items
        if "intent" in item
        for line in item["examples"].splitlines()
        if line.strip().startswith("- ")
    ]
