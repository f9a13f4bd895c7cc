"""The outbox on SQLite and PostgreSQL: fan-out, quiet hours, digests, retries, refusals.

The worker runs in-process with a channel at our own seam (tests/fakes/memory_channel.py)
and an injected clock; the channel adapters have their own tests against fake servers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import func, select, update

from notifications.announcements import retry_failed
from notifications.channels import BroadcastTarget
from notifications.destinations import ClaimGate
from notifications.hub import Hub
from notifications.messages import announce, cancel_message
from notifications.outbox import (
    LEASE_ENDED,
    claim,
    delivery_stats,
    fanout_planner,
    record,
    recover_expired,
    release_due,
    send_confirmation_request,
)
from notifications.records import SendResult
from notifications.render import digest_title
from notifications.store.deliveries import fan_out
from notifications.store.migrate import alembic_config, current_revision, head_revision, upgrade
from notifications.store.tables import DeliveryRow, MessageRow
from notifications.subscribers import add_subscriber, get_subscriber
from notifications.worker import Worker
from tests.fakes.memory_channel import MemoryChannel
from tests.hub_support import FakeClock, make_test_hub
from tests.push_crowd import push_subscribers, subscription_keys

PUSH_KEYS = subscription_keys("https://push.example.net/push/1")


def deliveries(hub: Hub) -> list[DeliveryRow]:
    with hub.db.session() as session:
        return list(session.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))


def subscribe(hub: Hub, chat: str, *topics: str, **options: str) -> int:
    return add_subscriber(hub, "telegram", chat, topics, **options).id


async def run_worker_until(hub: Hub, channel: MemoryChannel, done: Callable[[], bool]) -> None:
    """Run the worker until DONE holds (checked after each recorded outcome)."""
    worker = Worker(hub, {channel.name: channel}, poll=False)
    task = asyncio.create_task(worker.run())
    try:
        await worker.wait_until(done)
    finally:
        worker.stop()
        await task


def settled(hub: Hub, clock: FakeClock | None = None) -> Callable[[], bool]:
    """True when no delivery is left to send; each check moves CLOCK past any retry delay."""

    def check() -> bool:
        if clock is not None:
            clock.advance(10)  # retry_cap is 4 s in tests
        return {row.status for row in deliveries(hub)} <= {"sent", "failed", "cancelled"}

    return check


def test_migrations_reach_head_and_run_again_harmlessly(database_url: str) -> None:
    assert current_revision(database_url) == head_revision()
    assert upgrade(database_url) == head_revision()


def test_fan_out_reaches_each_subscriber_of_the_topics_once(hub: Hub) -> None:
    travaux = subscribe(hub, "101", "travaux")
    both = subscribe(hub, "102", "travaux", "ecoles")
    subscribe(hub, "103", "evenements")
    message = announce(hub, "Rue de la Gare fermée", topics=["travaux", "ecoles"])
    assert release_due(hub) == [message.id]
    assert sorted(d.subscriber_id for d in deliveries(hub)) == sorted([travaux, both])
    # A second fan-out of the same message writes nothing more.
    with hub.db.session() as session:
        fan_out(
            session, session.get_one(MessageRow, message.id), hub.now(), fanout_planner(hub, [])
        )
    assert len(deliveries(hub)) == 2
    assert release_due(hub) == []


def test_an_unconfirmed_email_subscriber_gets_nothing(hub: Hub) -> None:
    add_subscriber(hub, "email", "camille@trilport.example", ["travaux"])
    announce(hub, "Coupure d'eau", topics=["travaux"], urgent=True)
    release_due(hub)
    assert deliveries(hub) == []


def test_a_scheduled_message_waits_for_its_time(hub: Hub, clock: FakeClock) -> None:
    subscribe(hub, "101", "evenements")
    message = announce(hub, "Marché de Noël", topics=["evenements"], at="2026-11-25 18:00")
    assert release_due(hub) == []
    clock.set(datetime(2026, 11, 25, 17, 0, tzinfo=UTC))  # 18:00 in Paris
    assert release_due(hub) == [message.id]


def test_quiet_hours_hold_ordinary_messages_until_morning(hub: Hub, clock: FakeClock) -> None:
    subscribe(hub, "101", "travaux")
    clock.set(datetime(2026, 11, 25, 22, 30, tzinfo=UTC))  # 23:30 in Paris
    announce(hub, "Travaux demain", topics=["travaux"])
    release_due(hub)
    (row,) = deliveries(hub)
    assert row.next_attempt_at == datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # 07:00 in Paris


def test_urgent_messages_ignore_quiet_hours_and_digests(hub: Hub, clock: FakeClock) -> None:
    subscribe(hub, "101", "alertes")
    subscribe(hub, "102", "alertes", digest_at="18:00")
    clock.set(datetime(2026, 11, 25, 22, 30, tzinfo=UTC))
    announce(hub, "Crue de la Marne", topics=["alertes"], urgent=True)
    release_due(hub)
    assert {row.next_attempt_at for row in deliveries(hub)} == {clock()}


@pytest.mark.parametrize(
    ("urgent", "due"),
    [
        (False, datetime(2026, 11, 26, 6, 0, tzinfo=UTC)),  # 07:00 in Paris, quiet hours over
        (True, datetime(2026, 11, 25, 22, 30, tzinfo=UTC)),  # at once, as the first time
    ],
)
def test_failed_deliveries_retried_at_night_keep_the_quiet_hours(
    hub: Hub, clock: FakeClock, urgent: bool, due: datetime
) -> None:
    quiet, awake = subscribe(hub, "101", "travaux"), subscribe(hub, "102", "travaux", quiet="non")
    message = announce(hub, "Travaux rue de Meaux", topics=["travaux"], urgent=urgent)
    release_due(hub)
    with hub.db.session() as session:
        session.execute(update(DeliveryRow).values(status="failed", attempts=5))
    clock.set(datetime(2026, 11, 25, 22, 30, tzinfo=UTC))  # 23:30 in Paris

    retried = retry_failed(hub, message.id, "com@trilport.example", role="editor")

    assert retried == 2
    times = {row.subscriber_id: (row.status, row.attempts, row.next_attempt_at)
             for row in deliveries(hub)}  # fmt: skip
    assert times == {quiet: ("pending", 0, due), awake: ("pending", 0, clock())}


async def test_a_digest_groups_the_day_in_one_envelope(hub: Hub, clock: FakeClock) -> None:
    subscribe(hub, "101", "evenements", "travaux", digest_at="18:00")
    for title in ("Concert samedi", "Rue fermée lundi"):
        announce(hub, title, topics=["evenements", "travaux"])
    release_due(hub)
    clock.set(datetime(2026, 11, 25, 17, 0, tzinfo=UTC))  # 18:00 in Paris
    channel = MemoryChannel()
    await run_worker_until(hub, channel, settled(hub))
    (envelope,) = channel.sent
    assert envelope.kind == "digest"
    assert [n.title for n in envelope.notices] == ["Concert samedi", "Rue fermée lundi"]
    assert {row.status for row in deliveries(hub)} == {"sent"}


async def test_a_digest_is_dated_by_the_town_s_day(hub: Hub, clock: FakeClock) -> None:
    subscribe(hub, "101", "evenements", digest_at="18:00")
    clock.set(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # 00:30 on 1 December in Paris
    for title in ("Concert samedi", "Marché de Noël"):
        announce(hub, title, topics=["evenements"])
    release_due(hub)
    clock.set(datetime(2026, 12, 1, 17, 0, tzinfo=UTC))
    channel = MemoryChannel()
    await run_worker_until(hub, channel, settled(hub))
    (envelope,) = channel.sent
    assert digest_title(envelope) == "Trilport : 2 nouvelles du 1er décembre 2026"


async def test_each_delivery_is_sent_once_and_counted(hub: Hub) -> None:
    for chat in range(200, 260):
        subscribe(hub, str(chat), "actualites")
    message = announce(hub, "Nouveau site", topics=["actualites"])
    release_due(hub)
    channel = MemoryChannel()
    await run_worker_until(hub, channel, settled(hub))
    assert sorted(e.address for e in channel.sent) == [str(c) for c in range(200, 260)]
    (stats,) = delivery_stats(hub, message.id)
    assert (stats.channel, stats.sent, stats.failed, stats.pending) == ("telegram", 60, 0, 0)


async def test_transient_failures_are_retried_then_given_up(hub: Hub, clock: FakeClock) -> None:
    subscribe(hub, "301", "travaux")
    subscribe(hub, "302", "travaux")
    announce(hub, "Rue fermée", topics=["travaux"])
    release_due(hub)
    channel = MemoryChannel()
    channel.script("301", SendResult.retry("réseau"), SendResult.retry("réseau"))
    channel.script("302", *[SendResult.retry("panne")] * 5)
    await run_worker_until(hub, channel, settled(hub, clock))
    rows = {row.target.removeprefix("subscriber:"): row for row in deliveries(hub)}
    by_chat = {get_subscriber(hub, int(k)).address: v for k, v in rows.items()}
    assert (by_chat["301"].status, by_chat["301"].attempts) == ("sent", 3)
    assert (by_chat["302"].status, by_chat["302"].attempts) == ("failed", 3)
    assert "abandon après 3 essais" in (by_chat["302"].last_error or "")


async def test_being_asked_to_slow_down_is_not_a_failure(hub: Hub, clock: FakeClock) -> None:
    subscribe(hub, "401", "travaux")
    announce(hub, "Rue fermée", topics=["travaux"])
    release_due(hub)
    channel = MemoryChannel()
    channel.script("401", *[SendResult.retry("trop de messages", after=1)] * 4)
    await run_worker_until(hub, channel, settled(hub, clock))
    (row,) = deliveries(hub)
    assert (row.status, row.attempts) == ("sent", 1)


async def test_a_permanent_refusal_deactivates_the_subscriber(hub: Hub) -> None:
    blocked = subscribe(hub, "501", "travaux", "ecoles")
    announce(hub, "Rue fermée", topics=["travaux"])
    announce(hub, "Rentrée", topics=["ecoles"], at="2026-11-25 10:30")
    release_due(hub)
    channel = MemoryChannel()
    channel.script("501", SendResult.gone("le résident a bloqué le bot"))
    await run_worker_until(hub, channel, settled(hub))
    subscriber = get_subscriber(hub, blocked)
    assert not subscriber.active
    assert subscriber.deactivated_reason == "le résident a bloqué le bot"
    assert [row.status for row in deliveries(hub)] == ["failed"]


def test_cancelling_stops_what_is_not_sent(hub: Hub, clock: FakeClock) -> None:
    subscribe(hub, "601", "travaux")
    later = announce(hub, "Demain", topics=["travaux"], at="2026-11-26 08:00")
    now = announce(hub, "Maintenant", topics=["travaux"])
    release_due(hub)
    assert cancel_message(hub, later.id) == 0
    assert cancel_message(hub, now.id) == 1
    clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    assert release_due(hub) == []
    assert [row.status for row in deliveries(hub)] == ["cancelled"]


def test_a_worker_that_died_mid_send_leaves_its_rows_for_another(
    hub: Hub, clock: FakeClock
) -> None:
    subscribe(hub, "701", "travaux")
    announce(hub, "Rue fermée", topics=["travaux"])
    release_due(hub)
    (taken,) = claim(hub, "telegram", "dead-worker", 10, {})
    assert claim(hub, "telegram", "other", 10, {}) == []
    assert recover_expired(hub) == 0
    clock.advance(hub.settings.worker_lease + 1)
    assert recover_expired(hub) == 1
    (row,) = deliveries(hub)
    assert (row.status, row.claimed_by, row.last_error) == ("pending", None, LEASE_ENDED)
    assert LEASE_ENDED == "envoi interrompu ou résultat non enregistré : nouvel essai"
    (again,) = claim(hub, "telegram", "other", 10, {})
    assert again.envelope.delivery_ids == taken.envelope.delivery_ids


def test_town_wide_targets_receive_the_topics_they_follow(hub: Hub) -> None:
    announce(hub, "Concert", topics=["evenements"])
    announce(hub, "Rue fermée", topics=["travaux"])
    targets = [
        BroadcastTarget("mastodon-1", "json://127.0.0.1:9/all", frozenset()),
        BroadcastTarget("matrix-1", "json://127.0.0.1:9/travaux", frozenset({"travaux"})),
    ]
    release_due(hub, targets)
    with hub.db.session() as session:
        count = session.scalar(select(func.count(DeliveryRow.id)))
    assert count == 3
    assert {row.target for row in deliveries(hub)} == {"broadcast:mastodon-1", "broadcast:matrix-1"}
    assert {row.channel for row in deliveries(hub)} == {"apprise"}


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"topics": ["piscine"]}, "thème inconnu « piscine »"),
        ({"topics": []}, "au moins un thème"),
        ({"topics": ["travaux"], "at": "demain"}, "date invalide"),
        ({"topics": ["travaux"], "at": "31/02/2026 08:00"}, "date invalide"),
        ({"topics": ["travaux"], "at": "2020-01-01 08:00"}, "déjà passée"),
        ({"topics": ["travaux"], "link": "javascript:alert(1)"}, "lien invalide"),
    ],
)
def test_bad_announcements_are_refused_with_a_reason(hub: Hub, kwargs: dict, reason: str) -> None:
    with pytest.raises(Exception, match=reason):
        announce(hub, "Titre", **kwargs)
    with hub.db.session() as session:
        assert session.scalar(select(func.count(MessageRow.id))) == 0


# --- urgent first, destinations, throttling ------------------------------------------------


def test_urgent_rows_are_claimed_before_older_ordinary_ones(hub: Hub, clock: FakeClock) -> None:
    for chat in ("801", "802"):
        subscribe(hub, chat, "travaux", "alertes")
    ordinary = announce(hub, "Marché de Noël", topics=["travaux"])
    release_due(hub)
    clock.advance(60)
    urgent = announce(hub, "Crue de la Marne", topics=["alertes"], urgent=True)
    release_due(hub)
    assert [(row.message_id, row.urgent) for row in deliveries(hub)] == [
        (ordinary.id, False),
        (ordinary.id, False),
        (urgent.id, True),
        (urgent.id, True),
    ]
    first, second = claim(hub, "telegram", "w", 2, {}), claim(hub, "telegram", "w", 2, {})
    assert [c.envelope.notices[0].message_id for c in first] == [urgent.id, urgent.id]
    assert [c.envelope.notices[0].message_id for c in second] == [ordinary.id, ordinary.id]


def test_a_confirmation_e_mail_is_urgent(hub: Hub) -> None:
    person = add_subscriber(hub, "email", "camille@trilport.example", ["travaux"]).id
    send_confirmation_request(hub, person)
    (row,) = deliveries(hub)
    assert (row.channel, row.urgent, row.destination) == ("email", True, None)


def test_a_claim_skips_a_full_destination_and_leaves_its_rows_untouched(hub: Hub) -> None:
    busy = [f"json://busy.example.net/{n}" for n in range(3)]
    free = [f"json://free.example.net/{n}" for n in range(2)]
    ids = {url: add_subscriber(hub, "apprise", url, ["travaux"]).id for url in busy + free}
    announce(hub, "Rue fermée", topics=["travaux"])
    release_due(hub)
    by_subscriber = {row.subscriber_id: row for row in deliveries(hub)}
    busy_at = by_subscriber[ids[busy[0]]].destination
    assert busy_at is not None and busy_at != by_subscriber[ids[free[0]]].destination

    taken = claim(hub, "apprise", "w", 10, {}, ClaimGate(cap=4, rooms={busy_at: 0}))
    assert sorted(c.envelope.address for c in taken) == free
    assert [
        (row.status, row.attempts) for row in deliveries(hub) if row.destination == busy_at
    ] == [("pending", 0)] * 3
    # With room for one more there, one is taken.
    (one,) = claim(hub, "apprise", "w", 10, {}, ClaimGate(cap=4, rooms={busy_at: 1}))
    assert (one.envelope.address, one.destination) == (busy[0], busy_at)


@pytest.mark.parametrize(
    ("asked", "waited"),
    [(1e12, 4.0), (float("inf"), 4.0), (float("nan"), 4.0), (-5.0, 0.0), (2.5, 2.5)],
)
def test_retry_after_is_recorded_within_the_retry_cap(
    hub: Hub, clock: FakeClock, asked: float, waited: float
) -> None:
    subscribe(hub, "901", "travaux")
    announce(hub, "Rue fermée", topics=["travaux"])
    release_due(hub)
    (taken,) = claim(hub, "telegram", "w", 10, {})
    assert record(hub, taken, SendResult.retry("trop de messages (429)", after=asked), "w") == 1
    (row,) = deliveries(hub)
    assert (row.status, row.attempts, row.throttled) == ("pending", 0, 1)
    assert row.next_attempt_at == clock() + timedelta(seconds=waited)  # retry_cap: 4 s in tests


async def test_a_service_that_always_asks_to_wait_fails_after_max_throttled(
    database_url: str, clock: FakeClock
) -> None:
    hub = make_test_hub(database_url, clock, max_throttled=5)
    try:
        subscribe(hub, "902", "travaux")
        announce(hub, "Rue fermée", topics=["travaux"])
        release_due(hub)
        channel = MemoryChannel()
        channel.script("902", *[SendResult.retry("trop de messages (429)", after=1)] * 100)
        await run_worker_until(hub, channel, settled(hub, clock))
        (row,) = deliveries(hub)
        assert (row.status, row.attempts, row.throttled) == ("failed", 0, 5)
        assert row.last_error == "abandon après 5 demandes d'attendre : trop de messages (429)"
        assert channel.sent == []
    finally:
        hub.close()


def test_migration_0002_gives_waiting_deliveries_their_urgency_and_destination(
    database_url: str, hub: Hub
) -> None:
    push_subscribers(hub, ["https://fcm.googleapis.com/fcm/send/abc"], ["travaux"], PUSH_KEYS)
    subscribe(hub, "903", "travaux")
    announce(hub, "Rue fermée", topics=["travaux"], urgent=True)
    release_due(hub)
    hub.db.dispose()  # no connection of ours in the way of the schema change
    command.downgrade(alembic_config(database_url), "0001")
    assert upgrade(database_url) == head_revision()
    assert sorted((row.channel, row.destination, row.urgent) for row in deliveries(hub)) == [
        ("telegram", None, True),
        ("webpush", "https://fcm.googleapis.com", True),
    ]
