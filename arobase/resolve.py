"""Map an entity value (canonical key or a stray spelling) to a service or topic of the town."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from arobase.town import Service, Topic, Town

T = TypeVar("T")


def fold(text: str) -> str:
    """Lowercase, no accents, no leading article: "L'Agence Postale" → "agence postale"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    for article in ("l'", "la ", "le ", "les "):
        plain = plain.removeprefix(article)
    return " ".join(plain.replace("_", " ").split())


def _resolve(
    entries: Mapping[str, T], values: Iterable[str], names: Callable[[T], Iterable[str]]
) -> T | None:
    """The first value that is a key of ENTRIES or one of an entry's names (folded)."""
    for value in values:
        if value in entries:
            return entries[value]
        folded = fold(str(value))
        for entry in entries.values():
            if folded in {fold(name) for name in names(entry)}:
                return entry
    return None


def resolve_service(town: Town, values: Iterable[str]) -> Service | None:
    return _resolve(town.services, values, lambda s: (s.key, s.short, s.name))


def resolve_topic(town: Town, values: Iterable[str]) -> Topic | None:
    return _resolve(town.topics, values, lambda t: (t.key, t.label))
