"""`GET /metrics` in Prometheus' text format, and the web chat's activity (its latency and
its messages per day).

What it exports: the hub's state read from its database at each scrape (deliveries by
channel and status, the outbox's backlog, each source's failures in a row, the worker's
heartbeat), and this process' histogram of the time the assistant (Rasa) took to answer.

Who may read it: a client on this machine (loopback) that came straight to the app, or
anyone sending `Authorization: Bearer <AROBASE_METRICS_TOKEN>`; others get 403. A request
carrying a proxy's header (X-Forwarded-For, Forwarded, X-Real-IP) is never taken as local,
even from a trusted proxy on loopback: behind a reverse proxy, the token is required.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from arobase.senders import Front
from arobase.settings import Settings
from arobase.town import Town
from bot.web.alerts import alerts_context
from bot.web.alerts.state import AlertsContext, Unavailable
from bot.web.clients import Clients
from notifications import (
    ChatCounter,
    ChatTally,
    HubMetrics,
    WorkerState,
    assistant_clock,
    flush_chats,
    hub_metrics,
)

METRICS_PATH = "/metrics"
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")
REFUSED = (
    "Accès refusé : /metrics répond à cette machine, ou avec le jeton AROBASE_METRICS_TOKEN.\n"
)
# Seconds; the assistant usually answers within a second, Rasa's own timeout is longer.
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


@dataclass
class ChatActivity:
    """The web process' chat measures: latency (for /metrics) and messages per day (for the
    dashboard, written by COUNTER)."""

    counter: ChatCounter
    latency: Histogram = field(
        default_factory=lambda: Histogram(
            "arobase_chat_latency_seconds",
            "Time the assistant took to answer a chat message, in seconds",
            ["front"],
            registry=None,  # this app's own, not the library's global registry
            buckets=LATENCY_BUCKETS,
        )
    )

    @asynccontextmanager
    async def measured(self, front: str) -> AsyncIterator[None]:
        """Count one message on FRONT, and time the assistant's answer."""
        self.counter.tally.add(front)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.latency.labels(front=front).observe(time.perf_counter() - started)


@asynccontextmanager
async def chat_activity(
    settings: Settings, town: Town, alerts: AlertsContext
) -> AsyncIterator[ChatActivity]:
    """The web app's ChatActivity, its counts written every minute and when the app stops
    (to the hub's database, once it is ready; until then they wait in memory)."""
    tally = ChatTally(assistant_clock(settings, town), town.commune.zone)

    async def flush(counts: ChatTally) -> None:
        await alerts.run(flush_chats, counts)

    activity = ChatActivity(ChatCounter(tally, flush))
    activity.latency.labels(front=Front.WEB)  # exported from the start, at 0
    activity.counter.start()
    try:
        yield activity
    finally:
        await activity.counter.stop()


def request_activity(request: Request) -> ChatActivity:
    activity: ChatActivity = request.state.activity
    return activity


# --- the hub's state -----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # a registry keys its collectors by identity
class HubCollector:
    """The hub's state as Prometheus metrics; SNAPSHOT None: its database did not answer."""

    snapshot: HubMetrics | None

    def collect(self) -> Iterator[Metric]:
        up = self.snapshot is not None
        yield GaugeMetricFamily("arobase_hub_up", "1 when the hub's database answered", value=up)
        if self.snapshot is None:
            return
        hub = self.snapshot
        deliveries = GaugeMetricFamily(
            "arobase_deliveries",
            "Deliveries in the outbox by channel and status",
            labels=["channel", "status"],
        )
        for channel, status, count in hub.deliveries:
            deliveries.add_metric([channel, status], count)
        yield deliveries
        yield GaugeMetricFamily(
            "arobase_queue_pending",
            "Deliveries waiting (due or held) or being sent",
            value=hub.queue.pending,
        )
        yield GaugeMetricFamily(
            "arobase_queue_due", "Deliveries waiting whose time has come", value=hub.queue.due
        )
        oldest = (
            (hub.now - hub.queue.oldest_due_at).total_seconds() if hub.queue.oldest_due_at else 0.0
        )
        yield GaugeMetricFamily(
            "arobase_queue_oldest_due_seconds",
            "How long the longest-waiting due delivery has waited",
            value=max(0.0, oldest),
        )
        failures = GaugeMetricFamily(
            "arobase_source_failures", "Failed polls in a row, by source", labels=["source"]
        )
        for name, count in sorted(hub.source_failures.items()):
            failures.add_metric([name], count)
        yield failures
        running = hub.worker.state is WorkerState.RUNNING
        yield GaugeMetricFamily(
            "arobase_worker_up", "1 when a worker's heartbeat is fresh", value=running
        )
        if hub.worker.age is not None:
            yield GaugeMetricFamily(
                "arobase_worker_heartbeat_age_seconds",
                "Seconds since the latest worker heartbeat or stop",
                value=hub.worker.age,
            )


def exposition(snapshot: HubMetrics | None, latency: Histogram) -> bytes:
    """The metrics in Prometheus' text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HubCollector(snapshot))  # type: ignore[arg-type]
    registry.register(latency)
    return generate_latest(registry)


# --- who may read it -----------------------------------------------------------------------


def is_local(request: Request, clients: Clients) -> bool:
    """A client on this machine that came straight here (no proxy's header)."""
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    try:
        ip = ipaddress.ip_address(clients.address(request))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def has_token(request: Request, token: str) -> bool:
    """Whether the request carries "Authorization: Bearer TOKEN" (TOKEN set), in constant time."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def metrics_routes(settings: Settings, clients: Clients) -> list[Route]:
    """The /metrics route, for the web app."""
    token = settings.metrics_token.get_secret_value()

    async def metrics_endpoint(request: Request) -> Response:
        if not (has_token(request, token) or is_local(request, clients)):
            return PlainTextResponse(
                REFUSED, status_code=403, headers={"cache-control": "no-store"}
            )
        try:
            snapshot = await alerts_context(request).run(hub_metrics)
        except Unavailable:
            snapshot = None
        body = exposition(snapshot, request_activity(request).latency)
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"cache-control": "no-store"})

    return [Route(METRICS_PATH, metrics_endpoint, methods=["GET"])]
