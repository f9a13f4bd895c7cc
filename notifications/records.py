"""Frozen data passed between the hub's layers; ORM rows never leave the storage modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import Enum, StrEnum
from typing import Any


class DeliveryStatus(StrEnum):
    """Where one delivery stands: pending → sending → sent | failed; pending → cancelled."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker, under a lease
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class MessageStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its time
    SENT = "sent"  # fanned out to the outbox
    CANCELLED = "cancelled"  # by staff
    WITHDRAWN = "withdrawn"  # its meeting left the agenda; scheduled again if it comes back
    DRAFT = "draft"  # an announcement being written: never released
    AWAITING = "awaiting"  # an announcement awaiting a second person's approval


class MessageKind(StrEnum):
    ITEM = "item"  # a feed's new item
    REMINDER = "reminder"  # a council meeting's reminder
    STAFF = "staff"  # an announcement
    CONFIRMATION = "confirmation"  # an e-mail double opt-in request


class EnvelopeKind(StrEnum):
    ALERT = "alert"
    DIGEST = "digest"
    CONFIRMATION = "confirmation"


class SourceOrigin(StrEnum):
    TOWN = "town"  # the town file
    CLI = "cli"  # added by staff


@dataclass(frozen=True)
class ParsedItem:
    """One entry of a fetched feed, normalised: what a source kind hands to the pipeline."""

    guid: str  # stable id: guid, yt:videoId, ICS UID…, else link, else a hash of the content
    title: str
    link: str | None
    summary: str  # plain text, at most SUMMARY_MAX characters
    published: datetime | None
    categories: tuple[str, ...] = ()
    # Extra facts a source kind needs later (a council meeting's start, place, stream…).
    facts: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    items: tuple[ParsedItem, ...]
    warning: str | None = None  # a bozo feed that still had entries: why it is odd


@dataclass(frozen=True)
class SourceConfig:
    """A source as its kind sees it: where to fetch and how to map entries to topics."""

    name: str
    kind: str
    url: str
    topic: str  # default topic of its items
    categories: dict[str, str] = field(default_factory=dict, hash=False)  # category → topic
    options: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class MessageDraft:
    """A message to create: from a feed item, a council reminder, or staff."""

    title: str
    body: str
    link: str | None
    topics: tuple[str, ...]
    scheduled_at: datetime
    urgent: bool = False
    kind: str = "item"  # item | reminder | staff | confirmation
    dedupe_key: str | None = None  # the same key is never created twice
    areas: tuple[str, ...] = ()  # the parts of the commune it is for; empty: all


@dataclass(frozen=True)
class Notice:
    """One message as residents read it, before a channel formats it."""

    message_id: int
    title: str
    body: str
    link: str | None
    urgent: bool
    topic_labels: tuple[str, ...]
    when: datetime  # when it was released
    short_link: str | None = None  # the link's short form, for SMS (notifications/links.py)


@dataclass(frozen=True)
class Envelope:
    """What a channel adapter sends: one recipient, one notice or a digest of several."""

    delivery_ids: tuple[int, ...]
    channel: str
    address: str
    params: dict[str, Any]
    notices: tuple[Notice, ...]
    commune: str
    unsubscribe_url: str | None  # None for Telegram (the chat has /stop and /alertes)
    kind: str = "alert"  # alert | digest | confirmation
    short_unsubscribe_url: str | None = None  # the same page by a shorter link, for SMS

    @property
    def is_digest(self) -> bool:
        return self.kind == "digest"


class Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"  # transient: try again later
    GONE = "gone"  # the recipient is gone for good (bot blocked, subscription expired)
    REJECTED = "rejected"  # this message cannot be delivered (invalid), do not retry


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    detail: str = ""
    retry_after: float | None = None  # seconds the service asked us to wait

    @classmethod
    def sent(cls, detail: str = "") -> SendResult:
        return cls(Outcome.SENT, detail)

    @classmethod
    def retry(cls, detail: str, after: float | None = None) -> SendResult:
        return cls(Outcome.RETRY, detail, after)

    @classmethod
    def gone(cls, detail: str) -> SendResult:
        return cls(Outcome.GONE, detail)

    @classmethod
    def rejected(cls, detail: str) -> SendResult:
        return cls(Outcome.REJECTED, detail)


# A new subscriber's choices until they say otherwise: no non-urgent alert at night, and a
# daily digest (when chosen) at the end of the afternoon. The one place these are written.
DEFAULT_QUIET_START = time(22, 0)
DEFAULT_QUIET_END = time(7, 0)
DEFAULT_DIGEST_AT = time(18, 0)


def hhmm(moment: time) -> str:
    """'22:00': how the database and the commands write a time of day."""
    return moment.strftime("%H:%M")


# The default quiet hours as SubscriberInfo.quiet writes them: "22:00-07:00".
DEFAULT_QUIET_HOURS = f"{hhmm(DEFAULT_QUIET_START)}-{hhmm(DEFAULT_QUIET_END)}"


@dataclass(frozen=True)
class Preferences:
    """When a subscriber wants non-urgent alerts."""

    quiet_start: time | None = DEFAULT_QUIET_START
    quiet_end: time | None = DEFAULT_QUIET_END
    digest: bool = False
    digest_at: time = DEFAULT_DIGEST_AT


@dataclass(frozen=True)
class Recipient:
    """A subscriber as the fan-out planner sees it."""

    subscriber_id: int
    channel: str
    topics: frozenset[str]
    preferences: Preferences
    destination: str | None = None  # where its sends go (notifications/destinations.py)
    areas: frozenset[str] = frozenset()  # the parts of the commune chosen; empty: all


@dataclass(frozen=True)
class Broadcast:
    """A town-wide target (a Mastodon account, a Matrix room…) as the fan-out planner sees it."""

    name: str
    topics: frozenset[str]  # empty: every topic
    destination: str | None = None  # where its sends go (notifications/destinations.py)

    def wants(self, topics: frozenset[str] | set[str]) -> bool:
        """Whether a message of TOPICS goes to this target."""
        return not self.topics or bool(self.topics & topics)


@dataclass(frozen=True)
class DeliveryIntent:
    """One row to write in the outbox."""

    target: str  # "subscriber:<id>" or "broadcast:<name>"
    subscriber_id: int | None
    channel: str
    not_before: datetime
    digest: bool = False
    urgent: bool = False  # claimed before the others on its channel
    destination: str | None = None


@dataclass(frozen=True)
class SubscriberInfo:
    id: int
    channel: str
    address: str
    topics: tuple[str, ...]
    active: bool
    confirmed: bool
    consent_at: datetime
    quiet: str | None  # "22:00-07:00", or None when alerts may come at any hour
    digest_at: str | None  # "18:00" when non-urgent alerts come once a day
    deactivated_reason: str | None
    deactivated_at: datetime | None  # erased `deactivated_days` later
    token: str
    areas: tuple[str, ...] = ()  # the parts of the commune chosen; empty: all


@dataclass(frozen=True)
class MessageInfo:
    id: int
    kind: str
    title: str
    body: str
    link: str | None
    topics: tuple[str, ...]
    urgent: bool
    status: str
    scheduled_at: datetime
    released_at: datetime | None
    areas: tuple[str, ...] = ()  # the parts of the commune it is for; empty: all


@dataclass(frozen=True)
class NewsItem:
    """A stored item as the assistant tells residents about it."""

    title: str
    link: str | None
    summary: str
    published: datetime | None  # a council meeting's start
    topics: tuple[str, ...]
    kind: str  # the source's kind: rss, youtube, council


@dataclass(frozen=True)
class Purged:
    """What `purge` (store/privacy.py) erased: subscribers of each kind, and their deliveries."""

    unconfirmed: int  # e-mail subscriptions not confirmed within `confirm_days`
    deactivated: int  # subscribers deactivated `deactivated_days` ago or more
    deliveries: int

    @property
    def subscribers(self) -> int:
        return self.unconfirmed + self.deactivated


@dataclass(frozen=True)
class HeldDelivery:
    """One delivery made (or to make) to a subscriber, as the right of access shows it."""

    message_id: int
    title: str
    status: str
    attempts: int
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class HeldData:
    """Every datum held on one subscriber (right of access)."""

    subscriber: SubscriberInfo
    params: dict[str, Any]
    confirmed_at: datetime | None
    created_at: datetime
    deliveries: tuple[HeldDelivery, ...]
