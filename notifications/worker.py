"""`arobase worker`: polls sources, releases scheduled messages and dispatches the outbox.

One asyncio loop per channel, so a slow channel (Telegram's 30 messages a second) never
holds back another; within a channel, urgent deliveries are claimed first and no destination
may hold more than `destination_concurrency` of its slots (notifications/destinations.py).
Database calls run in threads: SQLite may make a writer wait.
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
from datetime import datetime

from tenacity import AsyncRetrying, before_sleep_log, stop_after_attempt, wait_exponential

from notifications.channels import (
    BroadcastTarget,
    build_channels,
    channel_concurrency,
    parse_broadcast_targets,
)
from notifications.channels.base import Channel
from notifications.dashboard import worker_beat, worker_stopped
from notifications.decide.activity import HEARTBEAT_SECONDS
from notifications.destinations import Change, Destinations, Policy
from notifications.fetch import make_http_client
from notifications.hub import Hub
from notifications.outbox import (
    Claim,
    claim_within_budget,
    hold_destination,
    record,
    recover_expired,
    release_claims,
    release_due,
    renew_leases,
)
from notifications.poller import poll_due
from notifications.records import Outcome, SendResult
from notifications.retention import purge_all
from notifications.source_admin import sync_town_sources
from notifications.subscribers import Purged

log = logging.getLogger(__name__)
DRAIN_SECONDS = 15  # on stop, how long in-flight sends may take to finish
# Retention purges at start and then hourly: at most an hour late on periods of days.
PURGE_SECONDS = 3600
# Writing an outcome is tried this many times, the waits doubling from RECORD_WAIT seconds
# (a busy SQLite file, a PostgreSQL failover); then the row is left to its lease.
RECORD_TRIES = 3
RECORD_WAIT = 0.1

Recorder = Callable[[Hub, Claim, SendResult, str], int]


def answered(result: SendResult) -> bool:
    """Whether the destination answered: a refusal counts, a timeout or a 5xx does not.

    A 429 or 503 with Retry-After is an answer too: that delivery waits as asked, and the
    destination's other deliveries go on.
    """
    return result.outcome is not Outcome.RETRY or result.retry_after is not None


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
    # Only their leases are renewed.
    sending: set[int] = field(default_factory=set)
    # Sends in flight and circuit breakers per destination (cap from the settings if None).
    destinations: Destinations | None = None
    recorder: Recorder = record  # writes an outcome (tests inject failures here)
    # Set after each retention purge, with what it erased (tests wait on it).
    purged: asyncio.Event = field(default_factory=asyncio.Event)
    last_purge: Purged | None = None
    beaten: asyncio.Event = field(default_factory=asyncio.Event)  # set at each heartbeat

    def __post_init__(self) -> None:
        if self.destinations is None:
            cap = self.hub.settings.destination_concurrency
            self.destinations = Destinations(Policy(cap=cap))

    async def run(self) -> None:
        """Work until `stop()`; then finish the sends in flight and hand back the rest."""
        loops = [self._housekeeping(), self._purging(), self._beating()]
        if self.poll:
            loops.append(self._polling())
        loops += [self._dispatching(name, ch) for name, ch in self.channels.items()]
        try:
            await asyncio.gather(*loops)
        finally:
            await asyncio.to_thread(release_claims, self.hub, self.name, self.sending)
            with contextlib.suppress(Exception):  # the dashboard then says it went silent
                await asyncio.to_thread(worker_stopped, self.hub, self.name)
            for channel in self.channels.values():
                await channel.aclose()
            done = self.outcomes
            refused = done["gone"] + done["rejected"]
            stats = f"{done['sent']} sent, {done['retry']} to retry, {refused} refused"
            log.info("worker %s stopped: %s", self.name, stats)

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
            await asyncio.to_thread(renew_leases, self.hub, self.name, set(self.sending))
            recovered = await asyncio.to_thread(recover_expired, self.hub)
            if recovered:
                log.warning(
                    "%d deliveries back to the queue: their worker stopped mid-send, "
                    "or could not record the outcome",
                    recovered,
                )
            released = await asyncio.to_thread(release_due, self.hub, self.broadcasts.values())
            if released:
                log.info("released messages %s", released)

        await self._every(self.hub.settings.worker_tick, step)

    async def _beating(self) -> None:
        """The heartbeat the dashboard and /metrics read: is the sending service alive?"""
        started = self.hub.now()

        async def step() -> None:
            await asyncio.to_thread(worker_beat, self.hub, self.name, started)
            self.beaten.set()

        await self._every(HEARTBEAT_SECONDS, step)

    async def _purging(self) -> None:
        """Erase what the privacy page says is kept no longer (notifications/retention.py)."""

        async def step() -> None:
            purged = await asyncio.to_thread(purge_all, self.hub)
            self.last_purge = purged
            self.purged.set()

        await self._every(PURGE_SECONDS, step)

    async def _polling(self) -> None:
        async with make_http_client(allow_local=self.hub.settings.feeds_allow_local) as client:

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
        capacity = channel_concurrency(self.hub.settings, name)
        destinations = self._destinations()
        in_flight: set[asyncio.Task[None]] = set()
        while not self.stopping.is_set():
            claims: list[Claim] = []
            if len(in_flight) < capacity:
                gate = destinations.claim_gate(self.hub.now())
                free = capacity - len(in_flight)
                try:
                    claims, refused = await asyncio.to_thread(
                        claim_within_budget, self.hub, name, self.name, free, self.broadcasts, gate
                    )
                except Exception:
                    log.exception("claiming %s deliveries failed", name)
                    refused = 0
                if refused:  # failed at once for want of budget: outcomes too
                    self.outcomes[Outcome.REJECTED.value] += refused
                    await self._notify()
                destinations.started([item.destination for item in claims])
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

    async def _notify(self) -> None:
        async with self.recorded:
            self.recorded.notify_all()

    def _destinations(self) -> Destinations:
        assert self.destinations is not None  # set by __post_init__
        return self.destinations

    async def _deliver(self, channel: Channel, item: Claim) -> None:
        ids = item.envelope.delivery_ids
        self.sending.update(ids)
        try:
            result = await channel.send(item.envelope)
        except Exception as error:  # an adapter bug: keep the delivery, try again later
            log.exception("channel %s failed on %s", channel.name, ids)
            result = SendResult.retry(f"erreur interne : {error!r}")
        gate, change = self._destinations().finished(
            item.destination, answered(result), self.hub.now()
        )
        try:
            held = await self._record(item, result)
        except Exception:
            # Not renewed any more: the lease ends, `recover_expired` gives the row back and
            # it is sent again (the duplicate window of outbox.py's docstring).
            log.exception("could not record %s for %s; left to its lease", result, ids)
            self.sending.difference_update(ids)
            self.outcomes["unrecorded"] += len(ids)
        else:
            self.sending.difference_update(ids)
            if not held:
                log.warning("deliveries %s were no longer ours", ids)
            else:
                self.outcomes[result.outcome.value] += len(ids)
        if change is Change.OPENED and item.destination and gate.open_until:
            await self._hold(item.destination, gate.open_until, gate.failures)
        await self._notify()

    async def _record(self, item: Claim, result: SendResult) -> int:
        """Write the outcome, trying again a few times quickly if the database fails."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(RECORD_TRIES),
            wait=wait_exponential(multiplier=RECORD_WAIT, max=1),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        )
        return await retrying(asyncio.to_thread, self.recorder, self.hub, item, result, self.name)

    async def _hold(self, destination: str, until: datetime, failures: int) -> None:
        """The breaker of DESTINATION opened: its waiting deliveries are postponed to UNTIL."""
        try:
            held, failed = await asyncio.to_thread(hold_destination, self.hub, destination, until)
        except Exception:  # the breaker still keeps its deliveries out of the claims
            log.exception("could not postpone the deliveries to %s", destination)
            return
        log.warning(
            "%s: %d sends in a row without an answer; %d deliveries wait until %s, %d given up",
            destination,
            failures,
            held,
            until.isoformat(timespec="seconds"),
            failed,
        )

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
    channels, targets = ", ".join(worker.channels) or "none", len(worker.broadcasts)
    log.info("worker %s started: channels %s, %d broadcast targets", worker.name, channels, targets)
    await worker.run()
