"""The monthly SMS budget (AROBASE_SMS_MONTHLY_BUDGET): workers sending to a loopback gateway
never pass it, give back what the gateway did not take, and start again each month of the
town's calendar; what it could not cover fails visibly."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from notifications.budget import month_spending
from notifications.channels.sms_sender import SmsChannel
from notifications.hub import Hub
from notifications.messages import announce, preview_message
from notifications.outbox import delivery_stats, failures, release_due
from notifications.store.tables import DeliveryRow
from notifications.worker import Worker
from tests.fakes.webhook import FakeWebhook
from tests.hub_support import FakeClock, bulk_subscribers, make_test_hub

SUBSCRIBERS = 12
LONG_BODY = "Coupure d'eau de 9 h à 12 h pour travaux sur le réseau. " * 3


def numbers(count: int) -> list[str]:
    return [f"+336{n:08d}" for n in range(count)]


@pytest.fixture
def budget_hub(database_url: str, clock: FakeClock) -> Iterator[Hub]:
    # 2 SMS per alert (LONG_BODY) for 12 subscribers would cost 24: the budget covers 9 alerts.
    hub = make_test_hub(database_url, clock, sms_monthly_budget=18)
    bulk_subscribers(hub, "sms", numbers(SUBSCRIBERS), ["alertes"])
    yield hub
    hub.close()


def sms_price(hub: Hub, message_id: int) -> int:
    return preview_message(hub, message_id).prices["sms"]


def statuses(hub: Hub) -> list[str]:
    with hub.db.session() as session:
        return list(session.scalars(select(DeliveryRow.status)))


async def send_all(hub: Hub, gateway: FakeWebhook, clock: FakeClock, workers: int = 1) -> None:
    """Run WORKERS workers on one SMS gateway until every delivery is settled."""

    def settled() -> bool:
        now = set(statuses(hub))
        if now <= {"sent", "failed"}:
            return True
        if "sending" not in now:
            # Only retries wait: past their delay (retry_cap is 4 s in tests). Never while a
            # send is in flight, whose lease would end.
            clock.advance(10)
        return False

    running = [
        Worker(hub, {"sms": SmsChannel(f"json://{gateway.host_port}/sms", timeout=5)}, poll=False)
        for _ in range(workers)
    ]
    tasks = [asyncio.create_task(worker.run()) for worker in running]
    # Each worker checks after its own outcomes: the last one may be either's.
    waits = [asyncio.create_task(worker.wait_until(settled)) for worker in running]
    try:
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        await done.pop()
    finally:
        for wait in waits:
            wait.cancel()
        for worker in running:
            worker.stop()
        await asyncio.gather(*tasks)


def alert(hub: Hub, title: str = "Coupure d'eau rue de Meaux") -> int:
    message = announce(hub, title, body=LONG_BODY, topics=["alertes"])
    release_due(hub)
    return message.id


async def test_workers_never_pass_the_month_s_budget_and_say_why_the_rest_failed(
    budget_hub: Hub, webhook: FakeWebhook, clock: FakeClock
) -> None:
    message_id = alert(budget_hub)
    price = sms_price(budget_hub, message_id)
    assert price == 2

    await send_all(budget_hub, webhook, clock, workers=2)

    covered = 18 // price
    assert len(webhook.posts.items()) == covered
    (stats,) = delivery_stats(budget_hub)
    assert (stats.sent, stats.failed, stats.pending) == (covered, SUBSCRIBERS - covered, 0)
    reasons = {reason for _, _, reason in failures(budget_hub)}
    assert reasons == {"budget SMS du mois atteint (18 SMS)"}
    spending = month_spending(budget_hub, "sms")
    assert (spending.month, spending.spent, spending.left) == ("2026-11", 18, 0)


async def test_an_sms_the_gateway_did_not_take_gives_its_units_back(
    database_url: str, webhook: FakeWebhook, clock: FakeClock
) -> None:
    # Exactly the fan-out's price: without the units given back, the retries would not fit.
    hub = make_test_hub(database_url, clock, sms_monthly_budget=2 * SUBSCRIBERS)
    bulk_subscribers(hub, "sms", numbers(SUBSCRIBERS), ["alertes"])
    try:
        alert(hub)
        webhook.fail_next(3)

        await send_all(hub, webhook, clock)

        (stats,) = delivery_stats(hub)
        assert (stats.sent, stats.failed) == (SUBSCRIBERS, 0)
        assert month_spending(hub, "sms").spent == 2 * SUBSCRIBERS
    finally:
        hub.close()


async def test_a_new_month_of_the_town_s_calendar_brings_a_new_budget(
    budget_hub: Hub, webhook: FakeWebhook, clock: FakeClock
) -> None:
    # 23:00 UTC on 30 November is already midnight, 1 December, in Trilport.
    clock.set(datetime(2026, 11, 30, 22, 30, tzinfo=UTC))
    alert(budget_hub)
    await send_all(budget_hub, webhook, clock)
    assert month_spending(budget_hub, "sms").spent == 18
    webhook.reset()

    clock.set(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    alert(budget_hub, "Coupure d'eau rue de Paris")
    await send_all(budget_hub, webhook, clock)

    assert len(webhook.posts.items()) == 9
    spending = month_spending(budget_hub, "sms")
    assert (spending.month, spending.spent) == ("2026-12", 18)


async def test_without_a_budget_sms_are_only_counted(
    database_url: str, webhook: FakeWebhook, clock: FakeClock
) -> None:
    hub = make_test_hub(database_url, clock)
    bulk_subscribers(hub, "sms", numbers(3), ["alertes"])
    try:
        alert(hub)
        await send_all(hub, webhook, clock)
        spending = month_spending(hub, "sms")
        assert (spending.spent, spending.cap, spending.left) == (6, None, None)
    finally:
        hub.close()
