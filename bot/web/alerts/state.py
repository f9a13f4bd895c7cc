"""The alerts' state for one process: the town, its pages, who a request comes from, and the
hub once its database can serve (`open_alerts` builds it in the web app's lifespan)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

from arobase.replies import call_the_hall
from arobase.settings import Settings
from arobase.town import Town
from bot.web.alerts.topics import render_alerts_page
from bot.web.clients import Clients, RateLimit, parse_networks
from bot.web.common import STATIC_DIR
from notifications import (
    Hub,
    HubUnavailable,
    InvalidInput,
    StorageError,
    assistant_clock,
    configured_vapid_keys,
    open_hub,
    origin,
    push_policy,
    town_vapid_keys,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

RECHECK_SECONDS = 10.0  # how often an unusable database is looked at again


class Unavailable(HTTPException):
    """The hub's database cannot serve now: 503 with the French reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(503, reason, headers={"retry-after": "300"})


@dataclass
class AlertsContext:
    """What the alert handlers need: the town, its pages and the hub once its database is ready.

    The database is checked on first use, not at start-up, so that the chat starts (and keeps
    working) when the hub is not set up; an unusable one is looked at again every few seconds.
    """

    settings: Settings
    town: Town
    page: str  # the /alertes page, rendered
    unavailable: str  # the 503 reason
    push_unavailable: str
    clients: Clients  # who a request comes from, past the trusted proxies
    limit: RateLimit  # state changes per client (alerts_rate)
    address_limit: RateLimit  # e-mail sign-ups per address (alerts_address_rate)
    site_origins: frozenset[str]  # the site's origins besides a request's own (public_url)
    _public_key: str | None = None  # the configured key, or the data folder's once read
    _hub: Hub | None = None  # set once the database is ready
    _checked_at: float = -RECHECK_SECONDS
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def public_key(self) -> str:
        """The VAPID public key browsers subscribe with; with none configured, the data
        folder's (made on first need). 503 when there is none to be had (logged)."""
        if self._public_key is None:
            try:
                keys = await run_in_threadpool(town_vapid_keys, self.settings)
            except InvalidInput as error:
                logger.error("Web Push unavailable: %s", error)
                raise HTTPException(503, self.push_unavailable) from error
            self._public_key = keys.public_key
        return self._public_key

    async def hub(self) -> Hub:
        """The hub (the assistant's clock), its database migrated; Unavailable if not."""
        if self._hub is not None:
            return self._hub
        async with self._lock:
            now = time.monotonic()
            if self._hub is None and now - self._checked_at >= RECHECK_SECONDS:
                self._checked_at = now
                self._hub = await run_in_threadpool(self._open_hub)
        if self._hub is None:
            raise Unavailable(self.unavailable)
        return self._hub

    def _open_hub(self) -> Hub | None:
        """The hub when `hub_problem` finds none (`open_hub`'s check); None, logged, if not."""
        clock = assistant_clock(self.settings, self.town)
        try:
            return open_hub(self.settings, clock, town=self.town, check=True)
        except HubUnavailable as problem:
            logger.warning("Alerts unavailable: %s", problem)
            return None

    async def run(self, operation: Callable[..., T], *args: Any) -> T:
        """OPERATION(hub, *ARGS) in a worker thread (the hub's I/O blocks); Unavailable when
        the database fails meanwhile (logged), rather than a bug's 500."""
        hub = await self.hub()
        try:
            return await run_in_threadpool(operation, hub, *args)
        except StorageError as error:
            logger.error("Alerts: the database failed: %r", error)
            raise Unavailable(self.unavailable) from error

    def close(self) -> None:
        if self._hub is not None:
            self._hub.close()


def web_origin(url: str) -> str | None:
    """A URL's or an Origin header's origin as browsers compare them ("https://mairie.fr");
    None when it has none ("null", not http or https)."""
    found = origin(url)
    return found if found and found.startswith(("http://", "https://")) else None


def open_alerts(settings: Settings, town: Town) -> AlertsContext:
    """The alerts' state for one process (the web app's lifespan builds it). Settings that
    cannot work fail here, at start: a VAPID pair that does not match, an unreadable proxy,
    rate or push service."""
    template = (STATIC_DIR / "alertes.html").read_text(encoding="utf-8")
    configured = configured_vapid_keys(settings)
    push_policy(settings)  # AROBASE_WEBPUSH_SERVICES checked now, not at the first subscriber
    site = web_origin(settings.public_url)
    return AlertsContext(
        settings=settings,
        town=town,
        page=render_alerts_page(template, town),
        unavailable="Les alertes ne sont pas disponibles pour le moment. " + call_the_hall(town),
        push_unavailable=(
            "La mairie ne propose pas encore les alertes sur téléphone et ordinateur. "
            + call_the_hall(town)
        ),
        clients=Clients(parse_networks(settings.trusted_proxies)),
        limit=RateLimit(settings.alerts_rate),
        address_limit=RateLimit(settings.alerts_address_rate),
        site_origins=frozenset({site} if site else ()),
        _public_key=configured.public_key if configured else None,
    )


def alerts_context(request: Request) -> AlertsContext:
    """The alerts' state of the app serving REQUEST."""
    alerts: AlertsContext = request.state.alerts
    return alerts
