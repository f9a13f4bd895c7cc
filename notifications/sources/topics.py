"""Which of the town's topics an item belongs to, from its categories and its source's rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from arobase.resolve import fold
from notifications.records import SourceConfig


def item_topics(
    categories: Iterable[str], config: SourceConfig, town_topics: Mapping[str, str]
) -> tuple[str, ...]:
    """Topics of an item: its categories mapped by the source's rules or named like a topic.

    TOWN_TOPICS maps topic keys to labels. Categories are compared without case or accents
    ("Vie Scolaire" = "vie scolaire"). When no category maps, the source's default topic.
    Only topics the town defines are returned, each once, in the order of the categories.
    """
    by_name = _topic_names(town_topics)
    rules = {fold(category): topic for category, topic in config.categories.items()}
    found: dict[str, None] = {}  # an ordered set
    for category in categories:
        folded = fold(category)
        topic = _known(rules[folded], town_topics, by_name) if folded in rules else None
        topic = topic or by_name.get(folded)
        if topic:
            found[topic] = None
    if not found and config.topic in town_topics:
        found[config.topic] = None
    return tuple(found)


def _topic_names(town_topics: Mapping[str, str]) -> dict[str, str]:
    """Folded key and label of each topic → its key."""
    names: dict[str, str] = {}
    for key, label in town_topics.items():
        names.setdefault(fold(label), key)
        names[fold(key)] = key  # a key wins over another topic's label
    return names


def _known(topic: str, town_topics: Mapping[str, str], by_name: Mapping[str, str]) -> str | None:
    """A rule's target as a topic key; rules may name a topic by its label too."""
    return topic if topic in town_topics else by_name.get(fold(topic))
