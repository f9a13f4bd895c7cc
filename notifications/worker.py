"""`arobase worker`: polls sources, releases scheduled messages and dispatches the outbox.

One asyncio loop per channel, so a slow channel (Telegram's 30 messages a second) never
holds back another. Database calls run in threads: SQLite may make a writer wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from notifications.channels import build_channels
from notifications.channels.addresses import BroadcastTarget, parse_broadcast_targets
from notifications.channels.base import Channel
from notifications.fetch import make_http_client
from notifications.hub import Hub
from notifications.outbox import (
    Claim,
    claim,
    record,
    recover_expired,
    release_claims,
    release_due,
    renew_leases,
)
from notifications.poller import poll_due
from notifications.records import SendResult
from notifications.source_store import sync_town_sources

log = logging.getLogger(__name__)
DRAIN_SECONDS = 15  # on stop, how long in-flight sends may take to finish


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def broadcasts_from(hub: Hub) -> dict[str, BroadcastTarget]:
    spec = hub.settings.apprise_broadcast.get_secret_value()
    return {target.name: target for target in parse_broadcast_targets(spec)}


@dataclass
class Worker:
    hub: Hub
    channels: dict[str, Channel]
    broadcasts: dict[str, BroadcastTarget] = field(default_factory=dict)
    poll: bool = True
    name: str = field(default_factory=worker_id)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    # Notified after each recorded outcome: tests and benchmarks wait on it, never sleep.
    recorded: asyncio.Condition = field(default_factory=asyncio.Condition)
    outcomes: Counter[str] = field(default_factory=Counter)  # deliveries per outcome
    # Deliveries handed to a channel and not yet recorded: on stop, those are in doubt.
    sending: set[int] = field(default_factory=set)

    async def run(self) -> None:
        """Work until `stop()`; then finish the sends in flight and hand back the rest."""
        loops = [self._housekeeping()]
        if self.poll:
            loops.append(self._polling())
        loops += [self._dispatching(name, ch) for name, ch in self.channels.items()]
        try:
            await asyncio.gather(*loops)
        finally:
            await asyncio.to_thread(release_claims, self.hub, self.name, self.sending)
            for channel in self.channels.values():
                await channel.aclose()
            log.info(
                "worker %s stopped: %d sent, %d to retry, %d refused",
                self.name,
                self.outcomes["sent"],
                self.outcomes["retry"],
                self.outcomes["gone"] + self.outcomes["rejected"],
            )

    def stop(self) -> None:
        self.stopping.set()

    async def _every(self, seconds: float, step: Callable[[], Awaitable[object]]) -> None:
        """Run STEP now and then every SECONDS until stopped; a failing step is logged."""
        while not self.stopping.is_set():
            try:
                await step()
            except Exception:
                log.exception("worker step failed; trying again in %s s", seconds)
            await self._pause(seconds)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)

    async def _housekeeping(self) -> None:
        async def step() -> None:
            await asyncio.to_thread(renew_leases, self.hub, self.name)
            recovered = await asyncio.to_thread(recover_expired, self.hub)
            if recovered:
                log.warning("%d deliveries were left mid-send by a stopped worker", recovered)
            released = await asyncio.to_thread(release_due, self.hub, self.broadcasts.values())
            if released:
                log.info("released messages %s", released)

        await self._every(self.hub.settings.worker_tick, step)

    async def _polling(self) -> None:
        async with make_http_client() as client:

            async def step() -> None:
                for report in await poll_due(self.hub, client):
                    if report.error:
                        log.warning("source %s: %s", report.source, report.error)
                    elif report.new_items:
                        log.info(
                            "source %s: %d new items, %d messages",
                            report.source,
                            report.new_items,
                            report.messages,
                        )

            await self._every(self.hub.settings.worker_tick, step)

    async def _dispatching(self, name: str, channel: Channel) -> None:
        """Keep up to `capacity` envelopes of this channel in flight."""
        capacity = self._capacity(name)
        in_flight: set[asyncio.Task[None]] = set()
        while not self.stopping.is_set():
            claims: list[Claim] = []
            if len(in_flight) < capacity:
                try:
                    claims = await asyncio.to_thread(
                        claim, self.hub, name, self.name, capacity - len(in_flight), self.broadcasts
                    )
                except Exception:
                    log.exception("claiming %s deliveries failed", name)
            for item in claims:
                in_flight.add(asyncio.create_task(self._deliver(channel, item)))
            if in_flight:
                _, in_flight = await asyncio.wait(
                    in_flight,
                    timeout=self.hub.settings.worker_tick,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            elif not claims:
                await self._pause(self.hub.settings.worker_tick)
        if in_flight:
            _, late = await asyncio.wait(in_flight, timeout=DRAIN_SECONDS)
            for task in late:  # their rows stay claimed: the service may have accepted them
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    def _capacity(self, name: str) -> int:
        settings = self.hub.settings
        return {"telegram": settings.telegram_concurrency}.get(name, 8)

    async def _deliver(self, channel: Channel, item: Claim) -> None:
        ids = item.envelope.delivery_ids
        self.sending.update(ids)
        try:
            result = await channel.send(item.envelope)
        except Exception as error:  # an adapter bug: keep the delivery, try again later
            log.exception("channel %s failed on %s", channel.name, ids)
            result = SendResult.retry(f"erreur interne : {error!r}")
        try:
            held = await asyncio.to_thread(record, self.hub, item, result, self.name)
        except Exception:  # left in doubt: the lease decides
            log.exception("could not record %s for %s", result, ids)
            return
        self.sending.difference_update(ids)
        if not held:
            log.warning("deliveries %s were no longer ours", ids)
        else:
            self.outcomes[result.outcome.value] += len(item.envelope.delivery_ids)
        async with self.recorded:
            self.recorded.notify_all()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 30) -> None:
        """Wait until PREDICATE holds, checking it after each recorded outcome."""
        async with self.recorded:
            await asyncio.wait_for(self.recorded.wait_for(predicate), timeout)


def make_worker(hub: Hub, poll: bool = True) -> Worker:
    """The worker with every configured channel; the town file's sources are synchronised."""
    sync_town_sources(hub)
    return Worker(hub, build_channels(hub.settings), broadcasts_from(hub), poll=poll)


async def run_worker(hub: Hub, poll: bool = True) -> None:
    """Run until SIGINT or SIGTERM, then stop cleanly."""
    import signal

    worker = make_worker(hub, poll)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, worker.stop)
    log.info(
        "worker %s started: channels %s, %d broadcast targets",
        worker.name,
        ", ".join(worker.channels) or "none",
        len(worker.broadcasts),
    )
    await worker.run()
