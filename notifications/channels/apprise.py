"""Apprise channel: any service apprise reaches (ntfy, Signal, Matrix, Mastodon…), one URL each.

The address is an apprise URL: a subscriber's own, or a town-wide broadcast target. Details
show the URL with its secrets masked, never as given.
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import ClassVar

import apprise
from aiolimiter import AsyncLimiter

from notifications.channels.addresses import load_apprise, private_url
from notifications.records import Envelope, SendResult
from notifications.render import plain_body, plain_title

CACHED_TARGETS = 64


class AppriseChannel:
    """Sends alerts through apprise, in plain text."""

    name: ClassVar[str] = "apprise"

    def __init__(
        self, timeout: float = 20, rate: float | None = None, cache_size: int = CACHED_TARGETS
    ) -> None:
        self._timeout = timeout
        self._limiter = AsyncLimiter(rate, 1) if rate else None
        # Kept between sends: parsing is not free, and a plugin paces its own requests.
        self._targets: OrderedDict[str, apprise.Apprise] = OrderedDict()
        self._cache_size = cache_size

    async def send(self, envelope: Envelope) -> SendResult:
        target = self._target(envelope.address)
        if target is None:
            return SendResult.rejected("adresse apprise invalide")
        shown = private_url(target)
        urgent = any(notice.urgent for notice in envelope.notices)
        async with self._turn():
            try:
                result = await target.async_notify(
                    body=plain_body(envelope),
                    title=plain_title(envelope),
                    notify_type=apprise.NotifyType.WARNING if urgent else apprise.NotifyType.INFO,
                    body_format=apprise.NotifyFormat.TEXT,
                    timeout=self._timeout,
                )
            except Exception as error:  # a plugin may raise anything: still a delivery problem
                return SendResult.retry(f"{shown} : erreur {type(error).__name__}")
        with result:
            if result:
                return SendResult.sent(shown)
            if result.status == apprise.AppriseResultStatus.TIMEOUT:
                return SendResult.retry(f"{shown} : le service n'a pas répondu à temps")
            return SendResult.retry(f"{shown} : le service n'a pas accepté la notification")

    async def aclose(self) -> None:
        self._targets.clear()

    def _target(self, url: str) -> apprise.Apprise | None:
        target = self._targets.pop(url, None) or load_apprise(url)
        if target is not None:
            self._targets[url] = target
            while len(self._targets) > self._cache_size:
                self._targets.popitem(last=False)
        return target

    def _turn(self) -> AbstractAsyncContextManager[object]:
        return self._limiter if self._limiter is not None else nullcontext()
