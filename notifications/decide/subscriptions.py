"""What a person chooses when subscribing, checked, and where their links stand. Pure.

Quiet hours and times of day as staff type them, topics against the town's, the topics a
chat's request adds or removes, and the retention periods' cutoffs.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from notifications.errors import InvalidInput, UnknownTopic
from notifications.records import (
    DEFAULT_DIGEST_AT,
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    SubscriberInfo,
    hhmm,
)

DEFAULT_QUIET = (hhmm(DEFAULT_QUIET_START), hhmm(DEFAULT_QUIET_END))
NO_QUIET_HOURS = ("", "non", "aucune", "none", "off")
ALL_TOPICS = ("tout", "tous", "all")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class SubscriptionRequest:
    """A person's request, checked: where alerts go, and on which topics."""

    channel: str
    address: str  # normalised for its channel
    params: dict[str, Any] = field(hash=False)  # Web Push keys
    topics: tuple[str, ...]


def parse_quiet_hours(spec: str | None) -> tuple[str | None, str | None]:
    """'22:00-07:00' → ('22:00', '07:00'); None → the defaults; 'non' or '' → no quiet hours."""
    if spec is None:
        return DEFAULT_QUIET
    if spec.strip().lower() in NO_QUIET_HOURS:
        return None, None
    start, _, end = spec.replace(" ", "").partition("-")
    if not (_HHMM.match(start) and _HHMM.match(end)) or start == end:
        raise InvalidInput(
            f"heures calmes invalides « {spec} » : format attendu {'-'.join(DEFAULT_QUIET)}, "
            "ou « non »"
        )
    return start, end


def parse_hhmm(value: str, what: str) -> str:
    """A time of day typed as HH:MM; WHAT names it in the error."""
    if not _HHMM.match(value.strip()):
        raise InvalidInput(
            f"{what} invalide « {value} » : format attendu HH:MM, ex. {hhmm(DEFAULT_DIGEST_AT)}"
        )
    return value.strip()


def choose_topics(known: Sequence[str], topics: Iterable[str]) -> tuple[str, ...]:
    """TOPICS, deduplicated, each one of KNOWN (« tout »: all of them); UnknownTopic otherwise."""
    chosen: list[str] = []
    for topic in topics:
        key = topic.strip()
        if key in ALL_TOPICS:
            return tuple(known)
        if key not in known:
            raise UnknownTopic(f"thème inconnu « {topic} » : thèmes possibles {', '.join(known)}")
        if key not in chosen:
            chosen.append(key)
    return tuple(chosen)


def topics_added(current: Collection[str], chosen: Iterable[str]) -> tuple[str, ...]:
    """The CHOSEN topics a subscriber with CURRENT ones does not have yet, in CHOSEN's order."""
    return tuple(topic for topic in chosen if topic not in current)


def topics_removed(current: Collection[str], chosen: Iterable[str] | None) -> tuple[str, ...]:
    """The CURRENT topics a request to stop CHOSEN ones (None: all) removes, sorted."""
    return tuple(sorted(set(current) if chosen is None else set(current) & set(chosen)))


class LinkState(Enum):
    """Where a confirmation link stands."""

    PENDING = "pending"  # waiting for the person to press « Confirmer mon abonnement »
    CONFIRMED = "confirmed"
    EXPIRED = "expired"  # not confirmed within `confirm_days`: the subscriber is (being) erased
    UNKNOWN = "unknown"  # never ours, or erased (unsubscribed, purged)


@dataclass(frozen=True)
class ConfirmationLink:
    state: LinkState
    subscriber: SubscriberInfo | None = None  # None when EXPIRED or UNKNOWN


def retention_cutoff(now: datetime, days: int) -> datetime:
    """The moment before which data kept DAYS days is due for erasure (at DAYS days sharp)."""
    return now - timedelta(days=days)


def link_state(confirmed_at: datetime | None, consent_at: datetime, cutoff: datetime) -> LinkState:
    """A known subscriber's link; CUTOFF is `retention_cutoff(now, confirm_days)`."""
    if confirmed_at is not None:
        return LinkState.CONFIRMED
    return LinkState.EXPIRED if consent_at <= cutoff else LinkState.PENDING


def link_of(subscriber: SubscriberInfo | None, cutoff: datetime) -> ConfirmationLink:
    """The link of SUBSCRIBER (None: no one has it); an expired one no longer shows whose."""
    if subscriber is None:
        return ConfirmationLink(LinkState.UNKNOWN)
    if subscriber.confirmed:
        return ConfirmationLink(LinkState.CONFIRMED, subscriber)
    state = link_state(None, subscriber.consent_at, cutoff)
    return ConfirmationLink(state, None if state is LinkState.EXPIRED else subscriber)
