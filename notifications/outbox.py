"""The outbox: fan-out of released messages into deliveries, claims, outcomes, statistics.

Exactly once, or visibly failed:
- fan-out writes every delivery row of a message in the transaction that marks the message
  sent, and a unique (message, target) key makes a second fan-out write nothing;
- a worker claims due rows (status "sending", a lease, its id) in one transaction — several
  workers share the work, never the same row: notifications/store/delivery_claims.py says
  how on PostgreSQL and on SQLite — sends them, and records each outcome at once, only if
  it still holds the claim;
- a row whose lease ran out (its worker died mid-send, or was stopped while a send was
  still running) goes back to "pending" and is sent again. The only window for a duplicate
  is a send the service accepted without our recording it (a crash in those milliseconds,
  a send that outlived a stopping worker's drain, or an outcome the database would not
  take even after a few quick tries: the worker then stops renewing that row's lease, so
  that it returns to "pending" and is sent again rather than stay "sending" for as long as
  the worker lives); Telegram, e-mail and Web Push offer no idempotency key that would
  close it.

Urgent deliveries are claimed first on every channel, and a claim never takes more sends
to one destination (a push service, a webhook's host) than it has room for: see
notifications/destinations.py.

Each function here is a pipeline: read through the store, decide with a pure function of
notifications/decide/, write through the store.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from notifications.budget import charge, give_back, monthly_cap, over_budget
from notifications.channels import BroadcastTarget
from notifications.decide.envelopes import Claim, Letterhead, claims, confirmation_request
from notifications.decide.fanout import confirmation_intent, plan_fanout
from notifications.decide.retry import RetryLimits, plan_retry
from notifications.destinations import (
    CAPPED_CHANNELS,
    OPEN_GATE,
    Candidate,
    ClaimGate,
    describe,
    pick,
)
from notifications.hub import Hub
from notifications.records import DeliveryStatus, Outcome, SendResult
from notifications.store import deliveries, delivery_claims
from notifications.store.deliveries import Planner

__all__ = [
    "LEASE_ENDED",
    "ChannelStats",
    "Claim",
    "claim",
    "claim_within_budget",
    "delivery_stats",
    "failures",
    "fanout_planner",
    "hold_destination",
    "record",
    "recover_expired",
    "release_claims",
    "release_due",
    "renew_leases",
    "retry_limits",
    "send_confirmation_request",
]

# On a channel with capped destinations, a claim reads this many times the rows it may take,
# so that a destination with little room does not leave the other slots empty until the next.
CLAIM_LOOKAHEAD = 4
# Why a row whose lease ran out is sent again, as staff read it.
LEASE_ENDED = "envoi interrompu ou résultat non enregistré : nouvel essai"
_JITTER = random.Random()  # spreads retries so that failed sends do not come back together


# --- fan-out -------------------------------------------------------------------------------


def fanout_planner(hub: Hub, broadcasts: Iterable[BroadcastTarget]) -> Planner:
    """Who receives a released message, and when: the town's subscribers and BROADCASTS."""
    targets = [target.broadcast() for target in broadcasts]
    zone = hub.zone
    return lambda message, recipients, release: plan_fanout(
        message.topics, message.urgent, release, recipients, zone, targets, message.areas
    )


def release_due(hub: Hub, broadcasts: Iterable[BroadcastTarget] = (), limit: int = 20) -> list[int]:
    """Fan out every scheduled message whose time has come; the ids released."""
    plan = fanout_planner(hub, broadcasts)
    released: list[int] = []
    while (message_id := deliveries.release_next(hub.db, hub.now(), plan)) is not None:
        released.append(message_id)
        if len(released) >= limit:
            break
    return released


def send_confirmation_request(hub: Hub, subscriber_id: int) -> int:
    """Queue the double opt-in e-mail of one subscriber (sent at once, whatever the hour).

    The message holds no link: the subscriber's own is added when it is sent.
    """
    now = hub.now()
    draft = confirmation_request(hub.town.commune.name, hub.settings.confirm_days, now)
    intent = confirmation_intent(subscriber_id, now)
    return deliveries.insert_confirmation(hub.db, draft, intent, now)


# --- claims --------------------------------------------------------------------------------


def _lease_end(hub: Hub, now: datetime) -> datetime:
    return now + timedelta(seconds=hub.settings.worker_lease)


def renew_leases(hub: Hub, worker: str, sending: Collection[int]) -> int:
    """Extend the leases of the sends WORKER still has running (a long RetryAfter pause, say),
    so that only the rows of a worker that died expire.

    Only SENDING, never every row claimed by WORKER: a row whose outcome could not be
    written must see its lease end, so that `recover_expired` gives it back.
    """
    if not sending:
        return 0
    return delivery_claims.renew(hub.db, sorted(sending), worker, _lease_end(hub, hub.now()))


def release_claims(hub: Hub, worker: str, in_doubt: Collection[int] = ()) -> int:
    """A stopping WORKER hands back what it claimed but did not send (or sent without being
    able to record it, as its lease would), for another to take at once; rows IN_DOUBT (a
    send still running when it stopped) wait for their lease to end."""
    return delivery_claims.release_claims(hub.db, worker, in_doubt)


def recover_expired(hub: Hub) -> int:
    """Rows whose lease ran out go back to the queue (their worker died or stopped mid-send,
    or could not write the outcome); the number recovered."""
    return delivery_claims.recover_expired(hub.db, hub.now(), LEASE_ENDED)


def claim(
    hub: Hub,
    channel: str,
    worker: str,
    limit: int,
    broadcasts: dict[str, BroadcastTarget],
    gate: ClaimGate = OPEN_GATE,
) -> list[Claim]:
    """Take up to LIMIT due deliveries of CHANNEL for this worker, grouped into envelopes.

    Urgent rows first, then the longest due. GATE says how many more sends each destination
    may take: rows to a full destination are left untouched for a later claim, so that the
    channel goes on with the others. A subscriber's due digest rows are taken together and
    become one digest envelope.
    """
    now = hub.now()

    def choose(candidates: list[Candidate]) -> Sequence[int]:
        return pick(candidates, gate, limit)

    claimed = delivery_claims.claim(
        hub.db,
        channel,
        worker,
        now,
        _lease_end(hub, now),
        read=limit * CLAIM_LOOKAHEAD if channel in CAPPED_CHANNELS else limit,
        blocked=gate.sql_blocked(),
        choose=choose,
    )
    letterhead = Letterhead(
        commune=hub.town.commune.name,
        public_url=hub.settings.public_url,
        labels=hub.topic_labels(),
        zone=hub.zone,
        broadcast_urls={name: target.url for name, target in broadcasts.items()},
    )
    return claims(claimed, letterhead)


def claim_within_budget(
    hub: Hub,
    channel: str,
    worker: str,
    limit: int,
    broadcasts: dict[str, BroadcastTarget],
    gate: ClaimGate = OPEN_GATE,
) -> tuple[list[Claim], int]:
    """`claim`, each envelope of a paid CHANNEL reserving its price in the month's budget
    first: the claims covered, and how many deliveries failed at once because the budget
    could not cover them (notifications/budget.py)."""
    covered, refused = charge(hub, channel, claim(hub, channel, worker, limit, broadcasts, gate))
    for item in refused:
        record(hub, item, over_budget(channel, monthly_cap(hub, channel)), worker)
    return covered, sum(len(item.envelope.delivery_ids) for item in refused)


def hold_destination(hub: Hub, destination: str, until: datetime) -> tuple[int, int]:
    """DESTINATION stopped answering: its pending deliveries wait until UNTIL without being
    tried, each postponement counted in `throttled`; those postponed `max_throttled` times
    fail visibly. The numbers held and given up."""
    limit, label = hub.settings.max_throttled, describe(destination)
    local = until.astimezone(hub.zone).strftime("%H:%M:%S")
    return deliveries.hold(
        hub.db,
        destination,
        until,
        limit,
        given_up=f"abandon après {limit} reports : {label} ne répond pas",
        held=f"{label} ne répond pas : envois suspendus jusqu'à {local}",
    )


# --- outcomes ------------------------------------------------------------------------------


def record(hub: Hub, claim_: Claim, result: SendResult, worker: str) -> int:
    """Store the outcome of one envelope; the number of rows this worker still held."""
    limits = retry_limits(hub)
    held = deliveries.record_outcome(
        hub.db,
        claim_.envelope.delivery_ids,
        worker,
        result,
        hub.now(),
        retry=lambda attempts, throttled: plan_retry(
            attempts, throttled, result.detail, result.retry_after, limits, _JITTER
        ),
        subscriber_id=claim_.subscriber_id,
    )
    if held and result.outcome is not Outcome.SENT:
        give_back(hub, claim_)
    return held


def retry_limits(hub: Hub) -> RetryLimits:
    settings = hub.settings
    return RetryLimits(
        settings.max_attempts, settings.max_throttled, settings.retry_base, settings.retry_cap
    )


# --- statistics ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelStats:
    channel: str
    sent: int
    failed: int
    pending: int
    cancelled: int


def delivery_stats(hub: Hub, message_id: int | None = None) -> list[ChannelStats]:
    """Sent / failed / pending (including in progress) / cancelled, per channel."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for channel, status, count in deliveries.counts(hub.db, message_id):
        bucket = DeliveryStatus.PENDING if status == DeliveryStatus.SENDING else status
        counts[channel][bucket] += count
    return [
        ChannelStats(
            ch,
            c[DeliveryStatus.SENT],
            c[DeliveryStatus.FAILED],
            c[DeliveryStatus.PENDING],
            c[DeliveryStatus.CANCELLED],
        )
        for ch, c in sorted(counts.items())
    ]


def failures(
    hub: Hub, message_id: int | None = None, limit: int = 20
) -> list[tuple[int, str, str]]:
    """The latest failed deliveries: (delivery id, channel, reason)."""
    return deliveries.failures(hub.db, message_id, limit)
