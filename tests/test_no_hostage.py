"""No push service holds the Web Push channel hostage, on SQLite and PostgreSQL.

A real worker in-process, the real Web Push channel, and on loopback a push service that
never answers (tests/fakes/hanging.py) beside a good one that decrypts what it gets
(tests/fakes/push_service.py). The clock is injected: the breaker's pauses end when the test
moves it, never by waiting.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from notifications.channels import build_channels
from notifications.destinations import Destinations, Policy
from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import release_due
from notifications.store.tables import DeliveryRow
from notifications.vapid import generate_vapid_keys
from notifications.worker import Worker
from tests.fakes.hanging import HangingServer, running_hanging_server
from tests.fakes.push_service import FakePushService, running_fake_push_service
from tests.hub_support import FakeClock, make_test_hub
from tests.push_crowd import push_subscribers, subscription_keys

HANGING = 300


@pytest.fixture
def push_hub(database_url: str, clock: FakeClock) -> Iterator[Hub]:
    private_key, public_key = generate_vapid_keys()
    hub = make_test_hub(
        database_url,
        clock,
        webpush_private_key=private_key,
        webpush_public_key=public_key,
        max_throttled=3,
    )
    yield hub
    hub.close()


@pytest.fixture
def good() -> Iterator[FakePushService]:
    with running_fake_push_service() as fake:
        yield fake


def resident(hub: Hub, service: FakePushService, *topics: str) -> int:
    subscription = json.loads(service.subscribe("resident"))
    (id,) = push_subscribers(hub, [subscription["endpoint"]], topics, subscription["keys"])
    return id


def rows(hub: Hub) -> list[DeliveryRow]:
    with hub.db.session() as session:
        return list(session.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))


@asynccontextmanager
async def running_worker(hub: Hub, policy: Policy | None = None) -> AsyncIterator[Worker]:
    """A worker with the Web Push channel until the block ends (end a hanging service's
    block first: its sends then fail at once instead of holding the worker's drain)."""
    worker = Worker(hub, {"webpush": build_channels(hub.settings)["webpush"]}, poll=False)
    if policy is not None:
        worker.destinations = Destinations(policy)
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await asyncio.wait_for(task, 30)


async def test_an_urgent_alert_passes_a_push_service_that_hangs(
    push_hub: Hub, good: FakePushService
) -> None:
    async with running_worker(push_hub) as worker:
        with running_hanging_server() as hanging:
            await urgent_alert_beside(push_hub, worker, good, hanging)


async def urgent_alert_beside(
    push_hub: Hub, worker: Worker, good: FakePushService, hanging: HangingServer
) -> None:
    # Worst case: hundreds subscribed on the hanging service before the resident, and an
    # ordinary message to them already under way.
    endpoints = [f"{hanging.url}/push/{n}" for n in range(HANGING)]
    push_subscribers(push_hub, endpoints, ["travaux", "alertes"], subscription_keys(endpoints[0]))
    person = resident(push_hub, good, "alertes")
    announce(push_hub, "Travaux rue de Meaux", topics=["travaux"])
    release_due(push_hub)
    await asyncio.to_thread(hanging.requests.wait_for, 4)  # the service's share: its cap

    announce(push_hub, "Crue de la Marne", topics=["alertes"], urgent=True)  # the worker releases
    (push,) = await asyncio.to_thread(good.received.wait_for, 1)
    await worker.wait_until(lambda: worker.outcomes["sent"] == 1)

    assert push.payload["title"] == "URGENT : Crue de la Marne"
    assert push.urgency == "high"
    # Meanwhile the hanging service still holds its four sends, and got no fifth.
    assert (len(hanging.requests), hanging.held) == (4, 4)
    by_state: dict[tuple[str, bool], int] = {}
    for row in rows(push_hub):
        if row.subscriber_id != person:
            key = (row.status, row.urgent)
            by_state[key] = by_state.get(key, 0) + 1
            assert row.throttled == 0  # waiting untouched: nothing claimed only to be given back
    assert by_state == {
        ("sending", False): 4,
        ("pending", False): HANGING - 4,
        ("pending", True): HANGING,
    }
    (mine,) = [row for row in rows(push_hub) if row.subscriber_id == person]
    assert (mine.status, mine.urgent, mine.attempts) == ("sent", True, 1)


async def test_a_service_that_drops_every_send_is_paused_then_probed_then_given_up(
    push_hub: Hub, clock: FakeClock
) -> None:
    # One send at a time, so that the tries are counted exactly.
    policy = Policy(cap=1, failures_to_open=3, cooldown=30, max_cooldown=600)
    with running_hanging_server(drop=True) as dropping:
        endpoints = [f"{dropping.url}/push/{n}" for n in range(20)]
        push_subscribers(push_hub, endpoints, ["travaux"], subscription_keys(endpoints[0]))
        announce(push_hub, "Travaux rue de Meaux", topics=["travaux"])
        release_due(push_hub)
        start = clock()
        async with running_worker(push_hub, policy) as worker:

            def held(times: int) -> bool:
                return all(row.throttled == times for row in rows(push_hub))

            # Three sends without an answer open the breaker: the rest wait, untried.
            await worker.wait_until(lambda: held(1))
            assert len(dropping.requests) == 3
            waiting = rows(push_hub)
            assert {row.status for row in waiting} == {"pending"}
            assert sorted(row.attempts for row in waiting) == [0] * 17 + [1] * 3
            assert {row.next_attempt_at for row in waiting} == {start + timedelta(seconds=30)}
            assert waiting[-1].last_error == (
                f"le service de notification {dropping.url} ne répond pas : "
                "envois suspendus jusqu'à 10:00:30"
            )

            # The pause ends: one probe, that fails too: a pause twice as long.
            clock.advance(30)
            await worker.wait_until(lambda: held(2))
            assert len(dropping.requests) == 4
            assert {row.next_attempt_at for row in rows(push_hub)} == {
                start + timedelta(seconds=90)
            }

            # The third postponement is the last one allowed (max_throttled=3).
            clock.advance(60)
            await worker.wait_until(lambda: {r.status for r in rows(push_hub)} == {"failed"})
            assert len(dropping.requests) == 5
            reasons = sorted(row.last_error or "" for row in rows(push_hub))
            assert reasons[0].startswith("abandon après 3 essais : service de notification")
            assert (
                reasons[1:]
                == [
                    f"abandon après 3 reports : le service de notification {dropping.url} "
                    "ne répond pas"
                ]
                * 19
            )


async def test_a_push_service_asking_to_wait_1e12_seconds_waits_the_retry_cap(
    push_hub: Hub, good: FakePushService, clock: FakeClock
) -> None:
    resident(push_hub, good, "alertes")
    announce(push_hub, "Crue de la Marne", topics=["alertes"], urgent=True)
    release_due(push_hub)
    good.fail_next(1, status=429, retry_after="1e12")  # once an OverflowError in record()
    async with running_worker(push_hub) as worker:
        await worker.wait_until(lambda: worker.outcomes["retry"] == 1)
        (row,) = rows(push_hub)
        assert (row.status, row.attempts, row.throttled) == ("pending", 0, 1)
        assert row.next_attempt_at == clock() + timedelta(seconds=push_hub.settings.retry_cap)
        clock.advance(push_hub.settings.retry_cap)
        await worker.wait_until(lambda: worker.outcomes["sent"] == 1)
    (push,) = good.received.items()
    assert push.payload["title"] == "URGENT : Crue de la Marne"


def sent(worker: Worker) -> int:
    return worker.outcomes["sent"]


async def either_records(first: Worker, second: Worker, predicate: Callable[[], bool]) -> None:
    """Wait until PREDICATE holds, checking it after each outcome either worker records."""
    waits = {asyncio.create_task(w.wait_until(predicate)) for w in (first, second)}
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        task.result()


async def test_two_workers_keep_a_cap_each_and_never_send_a_row_twice(
    push_hub: Hub, good: FakePushService
) -> None:
    """PostgreSQL's way of sharing the outbox (FOR UPDATE SKIP LOCKED; SQLite: one claim at a
    time): each worker reads ahead of what it may take, and what one leaves for want of room
    stays for the other or for later, never claimed twice nor lost."""
    policy = Policy(cap=2)
    people = [json.loads(good.subscribe(f"resident-{n}")) for n in range(12)]
    async with (
        running_worker(push_hub, policy) as first,
        running_worker(push_hub, policy) as second,
    ):
        with running_hanging_server() as hanging:
            endpoints = [f"{hanging.url}/push/{n}" for n in range(30)]
            push_subscribers(push_hub, endpoints, ["travaux"], subscription_keys(endpoints[0]))
            for person in people:
                push_subscribers(push_hub, [person["endpoint"]], ["travaux"], person["keys"])
            announce(push_hub, "Travaux rue de Meaux", topics=["travaux"])

            await asyncio.to_thread(good.received.wait_for, len(people), 30)
            await asyncio.to_thread(hanging.requests.wait_for, 2 * policy.cap, 30)
            await either_records(first, second, lambda: sent(first) + sent(second) == 12)

            received = sorted(push.subscription_id for push in good.received.items())
            assert received == sorted(f"resident-{n}" for n in range(12))  # each once
            # Each worker holds its own cap on the hanging service: two sends each, no more.
            assert (len(set(hanging.requests.items())), hanging.held) == (4, 4)
            sending = [row.claimed_by for row in rows(push_hub) if row.status == "sending"]
            assert sorted(sending) == sorted([first.name] * 2 + [second.name] * 2)
            hanging_rows = [row for row in rows(push_hub) if row.destination == hanging.url]
            assert sorted((row.status, row.attempts) for row in hanging_rows) == (
                [("pending", 0)] * 26 + [("sending", 1)] * 4
            )
