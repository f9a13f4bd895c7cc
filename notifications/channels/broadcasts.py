"""Town-wide apprise targets (the town's Mastodon account, a Matrix room…): parsed from
AROBASE_APPRISE_BROADCAST, named without their secrets."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from notifications.channels.apprise import apprise_destination, load_apprise
from notifications.errors import InvalidAddress
from notifications.records import Broadcast

TOPIC = re.compile(r"[a-z0-9_-]+")


@dataclass(frozen=True)
class BroadcastTarget:
    """A town-wide apprise target (the town's Mastodon account, a Matrix room…)."""

    name: str  # stable and secret-free: scheme and a short hash of the URL
    url: str
    topics: frozenset[str]  # empty: every topic

    def broadcast(self) -> Broadcast:
        """The target as the fan-out planner sees it: name, topics, destination."""
        return Broadcast(self.name, self.topics, apprise_destination(self.url))

    def wants(self, topics: frozenset[str] | set[str]) -> bool:
        return self.broadcast().wants(topics)

    def __repr__(self) -> str:  # the URL may hold a token: never print it
        return f"BroadcastTarget(name={self.name!r}, topics={sorted(self.topics)!r})"


def parse_broadcast_targets(spec: str) -> list[BroadcastTarget]:
    """AROBASE_APPRISE_BROADCAST: space-separated `URL` or `topic1,topic2=URL` entries."""
    targets: list[BroadcastTarget] = []
    for number, entry in enumerate(spec.split(), start=1):
        target = _broadcast_target(entry, number)
        if any(t.name == target.name for t in targets):
            raise InvalidAddress(f"AROBASE_APPRISE_BROADCAST, cible n° {number} : en double")
        targets.append(target)
    return targets


def _broadcast_target(entry: str, number: int) -> BroadcastTarget:
    where = f"AROBASE_APPRISE_BROADCAST, cible n° {number}"
    prefix, equals, rest = entry.partition("=")
    # "=" also appears in URL options (?format=text): topics come only before any "://".
    if equals and "://" not in prefix:
        topics, url = frozenset(t.strip().lower() for t in prefix.split(",") if t.strip()), rest
        bad = sorted(t for t in topics if not TOPIC.fullmatch(t))
        if not topics or bad:
            raise InvalidAddress(f"{where} : thèmes illisibles avant « = »")
    else:
        topics, url = frozenset(), entry
    if load_apprise(url) is None:
        raise InvalidAddress(f"{where} : URL apprise invalide")
    return BroadcastTarget(broadcast_name(url), url, topics)


def broadcast_name(url: str) -> str:
    """'ntfy-3f2a9c1d': the scheme and a short hash, stable across restarts, no secret."""
    scheme = urlsplit(url).scheme.lower() or "apprise"
    return f"{scheme}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"
