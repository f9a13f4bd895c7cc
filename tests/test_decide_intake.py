"""Feed intake, pure: which items of a reading are new, their topics, and what they announce."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from notifications.decide.intake import Intake, NewItem, feed_intake
from notifications.records import MessageDraft, ParsedFeed, ParsedItem, SourceConfig

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LABELS = {"actualites": "Actualités", "travaux": "Travaux", "conseil": "Conseil municipal"}
SITE = SourceConfig("site", "rss", "https://trilport.example/feed/", "actualites")


def item(guid: str, *categories: str) -> ParsedItem:
    return ParsedItem(guid, f"Titre {guid}", None, "", None, categories)


def one_alert(
    item: ParsedItem, topics: tuple[str, ...], config: SourceConfig, *_: object
) -> list[MessageDraft]:
    """A kind's `drafts` (item, topics, config, now, zone): one message per new item."""
    key = f"{config.name}:{item.guid}"
    return [MessageDraft(item.title, "", None, topics, NOW, dedupe_key=key)]


def intake(
    guids: tuple[str, ...], known: set[str], *, primed: bool, agenda: bool = False
) -> Intake:
    feed = ParsedFeed("Trilport", tuple(item(g) for g in guids))
    return feed_intake(
        feed,
        known,
        primed=primed,
        agenda=agenda,
        config=SITE,
        labels=LABELS,
        now=NOW,
        zone=PARIS,
        drafts=one_alert,
    )


@pytest.mark.parametrize(
    ("guids", "known", "primed", "agenda", "new", "announced", "listed"),
    [
        # A new source's first reading is silent: what is already published is not news.
        (("a", "b"), set(), False, False, ("a", "b"), (), None),
        # Then each unknown item is announced once.
        (("a", "b", "c"), {"a", "b"}, True, False, ("c",), ("c",), None),
        # An item listed twice in the same feed is taken once.
        (("c", "c", "d"), set(), True, False, ("c", "d"), ("c", "d"), None),
        # Nothing new: nothing stored, nothing announced.
        (("a",), {"a"}, True, False, (), (), None),
        # An agenda's first reading announces its meetings, and lists every guid it holds.
        (("m1", "m2"), set(), False, True, ("m1", "m2"), ("m1", "m2"), ("m1", "m2")),
        # Known meetings are still listed: those left off the agenda are withdrawn.
        (("m1", "m3"), {"m1"}, True, True, ("m3",), ("m3",), ("m1", "m3")),
        # An emptied agenda lists nothing: every pending reminder is withdrawn.
        ((), {"m1"}, True, True, (), (), ()),
    ],
)
def test_what_a_reading_brings(
    guids: tuple[str, ...],
    known: set[str],
    primed: bool,
    agenda: bool,
    new: tuple[str, ...],
    announced: tuple[str, ...],
    listed: tuple[str, ...] | None,
) -> None:
    result = intake(guids, known, primed=primed, agenda=agenda)
    assert tuple(n.item.guid for n in result.items) == new
    assert tuple(d.title.removeprefix("Titre ") for n in result.items for d in n.drafts) == (
        announced
    )
    assert result.agenda == listed


@pytest.mark.parametrize(
    ("categories", "topics"),
    [
        ((), ("actualites",)),  # no category: the source's topic
        (("Travaux",), ("travaux",)),  # a category named like a topic's label
        (("Conseil municipal", "travaux"), ("conseil", "travaux")),  # in the categories' order
        (("Inconnue",), ("actualites",)),
    ],
)
def test_each_new_item_gets_the_topics_of_its_categories(
    categories: tuple[str, ...], topics: tuple[str, ...]
) -> None:
    feed = ParsedFeed("Trilport", (item("a", *categories),))
    result = feed_intake(
        feed,
        set(),
        primed=True,
        agenda=False,
        config=SITE,
        labels=LABELS,
        now=NOW,
        zone=PARIS,
        drafts=one_alert,
    )
    (new,) = result.items
    assert new.topics == topics
    assert new.drafts == (MessageDraft("Titre a", "", None, topics, NOW, dedupe_key="site:a"),)
    assert result == Intake((NewItem(feed.items[0], topics, new.drafts),), None)
