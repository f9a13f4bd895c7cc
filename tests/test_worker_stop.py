"""A worker that stops hands back what it had not sent, but never a send still running: the
service may accept it after the drain, and another worker would then send it again. Likewise a
send whose outcome could not be written is left to its lease, never renewed for ever."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from notifications import worker as worker_module
from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import Claim, claim, record, release_due, renew_leases
from notifications.records import Envelope, SendResult
from notifications.store.tables import DeliveryRow
from notifications.subscribers import add_subscriber
from notifications.worker import Worker
from tests.fakes.memory_channel import MemoryChannel
from tests.hub_support import FakeClock


class StuckChannel:
    """Answers at once for every chat but one, whose send never ends."""

    name = "telegram"

    def __init__(self, stuck_address: str) -> None:
        self.stuck_address = stuck_address
        self.stuck = asyncio.Event()

    async def send(self, envelope: Envelope) -> SendResult:
        if envelope.address == self.stuck_address:
            self.stuck.set()
            await asyncio.Event().wait()  # a service that never answers
        return SendResult.sent("ok")

    async def aclose(self) -> None:
        return None


def rows(hub: Hub) -> list[DeliveryRow]:
    with hub.db.session() as session:
        return list(session.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))


def statuses(hub: Hub) -> dict[str, tuple[str, str | None]]:
    """(status, claimed_by) of each delivery, by the subscriber's chat id."""
    with hub.db.session() as session:
        rows = session.scalars(select(DeliveryRow).order_by(DeliveryRow.id)).all()
        return {row.target: (row.status, row.claimed_by) for row in rows}


async def test_a_send_still_running_at_stop_is_left_to_its_lease(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_module, "DRAIN_SECONDS", 0.2)
    stuck = add_subscriber(hub, "telegram", "101", ["travaux"]).id
    quick = add_subscriber(hub, "telegram", "102", ["travaux"]).id
    announce(hub, "Rue de la Gare fermée", topics=["travaux"])
    release_due(hub)
    channel = StuckChannel("101")
    worker = Worker(hub, {"telegram": channel}, poll=False)
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(channel.stuck.wait(), 10)
    await worker.wait_until(lambda: worker.outcomes["sent"] == 1)

    worker.stop()
    await asyncio.wait_for(task, 10)

    assert statuses(hub) == {
        f"subscriber:{stuck}": ("sending", worker.name),  # in doubt: its lease decides
        f"subscriber:{quick}": ("sent", None),
    }


class FailingRecorder:
    """Writes outcomes with outbox.record, except the first FAILURES calls: the database
    refuses them (as a locked or unreachable database would)."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self, hub: Hub, item: Claim, result: SendResult, worker: str) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise OperationalError("UPDATE deliveries", {}, Exception("database is locked"))
        return record(hub, item, result, worker)


@pytest.mark.parametrize(
    ("first", "received"),
    [
        # The service took it, we could not write so: sent again after the lease, the
        # documented duplicate window (outbox.py).
        (SendResult.sent("ok"), 2),
        # The service refused it for now: after the lease, delivered once.
        (SendResult.retry("réseau"), 1),
    ],
)
async def test_an_outcome_that_cannot_be_written_is_left_to_its_lease(
    hub: Hub, clock: FakeClock, first: SendResult, received: int
) -> None:
    add_subscriber(hub, "telegram", "101", ["travaux"])
    announce(hub, "Rue de la Gare fermée", topics=["travaux"])
    release_due(hub)
    channel = MemoryChannel()
    channel.script("101", first)
    recorder = FailingRecorder(failures=worker_module.RECORD_TRIES)
    worker = Worker(hub, {"telegram": channel}, poll=False, recorder=recorder)
    task = asyncio.create_task(worker.run())
    try:
        await worker.wait_until(lambda: worker.outcomes["unrecorded"] == 1)
        # Tried a few times, then given up: no longer among the sends whose lease is renewed.
        assert recorder.calls == worker_module.RECORD_TRIES
        assert worker.sending == set()
        (row,) = rows(hub)
        assert (row.status, row.claimed_by, row.attempts) == ("sending", worker.name, 1)

        clock.advance(hub.settings.worker_lease + 1)  # housekeeping renews nothing of it
        await worker.wait_until(lambda: worker.outcomes["sent"] == 1)
    finally:
        worker.stop()
        await asyncio.wait_for(task, 10)
    (row,) = rows(hub)
    assert (row.status, row.claimed_by, row.attempts) == ("sent", None, 2)
    assert [envelope.address for envelope in channel.sent] == ["101"] * received


def test_only_the_sends_still_running_have_their_lease_renewed(hub: Hub, clock: FakeClock) -> None:
    for chat in ("101", "102"):
        add_subscriber(hub, "telegram", chat, ["travaux"])
    announce(hub, "Rue de la Gare fermée", topics=["travaux"])
    release_due(hub)
    running, unrecorded = claim(hub, "telegram", "w", 10, {})
    first_lease = clock() + timedelta(seconds=hub.settings.worker_lease)
    clock.advance(60)
    assert renew_leases(hub, "w", set(running.envelope.delivery_ids)) == 1
    assert renew_leases(hub, "other", set(unrecorded.envelope.delivery_ids)) == 0
    assert {row.id: row.claimed_until for row in rows(hub)} == {
        running.envelope.delivery_ids[0]: clock() + timedelta(seconds=hub.settings.worker_lease),
        unrecorded.envelope.delivery_ids[0]: first_lease,
    }
