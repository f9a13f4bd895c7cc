"""A worker that stops hands back what it had not sent, but never a send still running: the
service may accept it after the drain, and another worker would then send it again."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from notifications import worker as worker_module
from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import release_due
from notifications.records import Envelope, SendResult
from notifications.subscribers import add_subscriber
from notifications.tables import DeliveryRow
from notifications.worker import Worker


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
