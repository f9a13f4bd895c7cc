"""Personal data kept no longer than the privacy page says, on SQLite and PostgreSQL with an
injected clock: confirmation links expire, unconfirmed and deactivated subscribers are
erased with their deliveries (`purge_expired`), a deactivation's time is recorded."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from cli import app as cli_app
from notifications.decide.subscriptions import LinkState, link_state, retention_cutoff
from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import release_due, send_confirmation_request
from notifications.records import SendResult
from notifications.store.tables import DeliveryRow, SubscriberRow, SubscriptionRow
from notifications.subscribers import (
    Purged,
    add_subscriber,
    chat_subscribe,
    confirm_by_token,
    confirmation_link_opened,
    deactivate_address,
    device_subscribe,
    export_subscriber,
    get_subscriber,
    list_subscribers,
    purge_expired,
)
from notifications.worker import Worker
from tests.fakes.memory_channel import MemoryChannel
from tests.hub_support import START, TOWN_FILE, FakeClock
from tests.test_hub_outbox import run_worker_until, settled
from tests.test_web_alerts import KEYS

DAY = 86_400
DEVICE = "https://updates.push.services.mozilla.com/wpush/v2/retention-test"
NOTHING = Purged(unconfirmed=0, deactivated=0, deliveries=0)


def rows_of(hub: Hub, subscriber_id: int) -> tuple[int, int, int]:
    """(subscriber, topics, deliveries) rows held on SUBSCRIBER_ID."""
    with hub.db.reading() as session:
        counts = [
            session.scalar(select(func.count()).where(column == subscriber_id))
            for column in (
                SubscriberRow.id,
                SubscriptionRow.subscriber_id,
                DeliveryRow.subscriber_id,
            )
        ]
    return counts[0] or 0, counts[1] or 0, counts[2] or 0


def email_request(hub: Hub, address: str = "lea@exemple.example") -> int:
    """An e-mail subscription waiting for its confirmation, its request queued."""
    info = add_subscriber(hub, "email", address, ["travaux", "ecoles"])
    send_confirmation_request(hub, info.id)
    return info.id


# --- Confirmation links ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("confirmed", "age", "state"),
    [
        (False, timedelta(days=7) - timedelta(seconds=1), LinkState.PENDING),
        (False, timedelta(days=7), LinkState.EXPIRED),
        (False, timedelta(days=400), LinkState.EXPIRED),
        (True, timedelta(days=400), LinkState.CONFIRMED),
        (True, timedelta(0), LinkState.CONFIRMED),
    ],
)
def test_a_link_expires_when_its_seven_days_are_over(
    confirmed: bool, age: timedelta, state: LinkState
) -> None:
    consent = START - age
    cutoff = retention_cutoff(START, 7)

    assert link_state(START if confirmed else None, consent, cutoff) is state


def test_the_button_confirms_until_the_last_second(hub: Hub, clock: FakeClock) -> None:
    subscriber = email_request(hub)
    token = get_subscriber(hub, subscriber).token
    clock.advance(7 * DAY - 1)

    opened = confirmation_link_opened(hub, token)
    assert opened.state is LinkState.PENDING
    assert not get_subscriber(hub, subscriber).confirmed  # opening the link changes nothing
    confirmed = confirm_by_token(hub, token)

    assert confirmed.state is LinkState.CONFIRMED
    assert confirmed.subscriber is not None and confirmed.subscriber.confirmed
    # Confirmed, the subscription no longer expires.
    clock.advance(365 * DAY)
    assert confirmation_link_opened(hub, token).state is LinkState.CONFIRMED
    assert purge_expired(hub) == NOTHING


@pytest.mark.parametrize("use", [confirmation_link_opened, confirm_by_token], ids=["GET", "POST"])
def test_an_expired_link_confirms_nothing_and_its_subscriber_is_erased(
    hub: Hub, clock: FakeClock, use
) -> None:
    subscriber = email_request(hub)
    token = get_subscriber(hub, subscriber).token
    clock.advance(7 * DAY)

    link = use(hub, token)

    assert (link.state, link.subscriber) == (LinkState.EXPIRED, None)
    assert rows_of(hub, subscriber) == (0, 0, 0)
    assert confirm_by_token(hub, token).state is LinkState.UNKNOWN


# --- purge_expired ---------------------------------------------------------------------------


def test_unconfirmed_subscriptions_are_erased_after_confirm_days(
    hub: Hub, clock: FakeClock
) -> None:
    waiting = email_request(hub, "lea@exemple.example")
    confirmed = email_request(hub, "paul@exemple.example")
    confirm_by_token(hub, get_subscriber(hub, confirmed).token)
    chat = add_subscriber(hub, "telegram", "4242", ["travaux"]).id
    announce(hub, "Rue de la Gare fermée", topics=["travaux"])
    release_due(hub)
    kept = [export_subscriber(hub, confirmed), export_subscriber(hub, chat)]
    assert rows_of(hub, waiting) == (1, 2, 1)  # its confirmation request

    clock.advance(7 * DAY - 1)
    assert purge_expired(hub) == NOTHING
    clock.advance(1)
    purged = purge_expired(hub)

    assert purged == Purged(unconfirmed=1, deactivated=0, deliveries=1)
    assert rows_of(hub, waiting) == (0, 0, 0)
    assert [export_subscriber(hub, confirmed), export_subscriber(hub, chat)] == kept
    assert purge_expired(hub) == NOTHING  # run again: nothing left to erase


def test_the_confirmation_period_follows_the_setting(hub: Hub, clock: FakeClock) -> None:
    hub.settings = hub.settings.model_copy(update={"confirm_days": 2})
    waiting = email_request(hub)
    clock.advance(2 * DAY)

    assert purge_expired(hub) == Purged(unconfirmed=1, deactivated=0, deliveries=1)
    assert rows_of(hub, waiting) == (0, 0, 0)


def test_deactivated_subscribers_are_erased_after_deactivated_days(
    hub: Hub, clock: FakeClock
) -> None:
    blocked = add_subscriber(hub, "telegram", "501", ["travaux"]).id
    other = add_subscriber(hub, "telegram", "502", ["travaux"]).id
    announce(hub, "Rue de la Gare fermée", topics=["travaux"])
    release_due(hub)
    clock.advance(3600)
    deactivated_at = clock()
    deactivate_address(hub, "telegram", "501", "le résident a bloqué le bot")
    info = get_subscriber(hub, blocked)
    assert (info.active, info.deactivated_at) == (False, deactivated_at)
    assert export_subscriber(hub, blocked)["abonne"]["desactive_le"] == deactivated_at.isoformat()

    clock.advance(30 * DAY - 1)
    assert purge_expired(hub) == NOTHING
    clock.advance(1)
    purged = purge_expired(hub)

    assert purged == Purged(unconfirmed=0, deactivated=1, deliveries=1)
    assert rows_of(hub, blocked) == (0, 0, 0)
    assert [s.id for s in list_subscribers(hub)] == [other]
    assert rows_of(hub, other) == (1, 1, 1)


async def test_a_permanent_refusal_records_when_the_subscriber_was_deactivated(
    hub: Hub, clock: FakeClock
) -> None:
    blocked = add_subscriber(hub, "telegram", "601", ["travaux"]).id
    announce(hub, "Rue de la Gare fermée", topics=["travaux"])
    release_due(hub)
    channel = MemoryChannel()
    channel.script("601", SendResult.gone("le résident a bloqué le bot"))

    await run_worker_until(hub, channel, settled(hub))

    info = get_subscriber(hub, blocked)
    assert (info.active, info.deactivated_at) == (False, clock())


@pytest.mark.parametrize("again", ["chat", "device"])
def test_coming_back_clears_the_deactivation(hub: Hub, clock: FakeClock, again: str) -> None:
    if again == "chat":
        subscriber = chat_subscribe(hub, "telegram", "701", ["travaux"])[0].id
        deactivate_address(hub, "telegram", "701", "le résident a bloqué le bot")
        clock.advance(DAY)
        chat_subscribe(hub, "telegram", "701", ["travaux"])
    else:
        subscriber = device_subscribe(hub, "webpush", DEVICE, KEYS, ["travaux"])[0].id
        deactivate_address(hub, "webpush", DEVICE, "abonnement expiré (410)")
        clock.advance(DAY)
        device_subscribe(hub, "webpush", DEVICE, KEYS, ["travaux"])

    info = get_subscriber(hub, subscriber)
    assert (info.active, info.deactivated_reason, info.deactivated_at) == (True, None, None)
    clock.advance(60 * DAY)
    assert purge_expired(hub) == NOTHING
    assert rows_of(hub, subscriber) == (1, 1, 0)


def test_a_deactivation_of_unknown_date_is_counted_from_the_first_purge(
    hub: Hub, clock: FakeClock
) -> None:
    # Deactivated before the time was recorded (a database from before migration 0002).
    subscriber = add_subscriber(hub, "telegram", "801", ["travaux"]).id
    with hub.db.session() as session:
        session.execute(
            update(SubscriberRow).where(SubscriberRow.id == subscriber).values(active=False)
        )
    clock.advance(400 * DAY)

    assert purge_expired(hub) == NOTHING
    assert get_subscriber(hub, subscriber).deactivated_at == clock()
    clock.advance(30 * DAY)
    assert purge_expired(hub) == Purged(unconfirmed=0, deactivated=1, deliveries=0)
    assert rows_of(hub, subscriber) == (0, 0, 0)


def test_the_purge_command_says_what_it_erased(
    hub: Hub, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command runs on the system clock: these are old enough at any date after 2026.
    clock.set(START - timedelta(days=400))
    waiting = email_request(hub)
    blocked = add_subscriber(hub, "telegram", "901", ["travaux"]).id
    deactivate_address(hub, "telegram", "901", "le résident a bloqué le bot")
    kept = add_subscriber(hub, "telegram", "902", ["travaux"]).id
    for name, value in [
        ("AROBASE_ENV_FILE", "/dev/null"),
        ("AROBASE_DATABASE_URL", hub.settings.database_url),
        ("AROBASE_DATA_DIR", str(hub.settings.data_dir)),
        ("AROBASE_TOWN_FILE", str(TOWN_FILE)),
    ]:
        monkeypatch.setenv(name, value)

    result = CliRunner().invoke(cli_app, ["subscribers", "purge"])

    assert result.exit_code == 0, result.output
    assert result.output == "Effacé : 1 abonnement jamais confirmé, 1 abonné désactivé, 1 envoi.\n"
    assert [rows_of(hub, waiting), rows_of(hub, blocked)] == [(0, 0, 0), (0, 0, 0)]
    assert [s.id for s in list_subscribers(hub)] == [kept]


async def test_a_running_worker_erases_what_the_privacy_page_says_it_keeps_no_longer(
    hub: Hub, clock: FakeClock
) -> None:
    waiting = email_request(hub)
    clock.advance(7 * DAY)
    worker = Worker(hub, {}, poll=False)
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.wait_for(worker.purged.wait(), 30)
    finally:
        worker.stop()
        await task
    assert worker.last_purge == Purged(unconfirmed=1, deactivated=0, deliveries=1)
    assert rows_of(hub, waiting) == (0, 0, 0)
