"""The apprise sender: any service apprise reaches (ntfy, Signal, Matrix, Mastodon…).

Details show the URL with its secrets masked, never as given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import apprise

from notifications.channels.apprise import load_apprise, private_url
from notifications.channels.base import is_urgent
from notifications.channels.pacing import LruCache, rate_limit
from notifications.records import Envelope, SendResult

if TYPE_CHECKING:
    from arobase.settings import Settings
from notifications.render import plain_body, plain_title

CACHED_TARGETS = 64


class AppriseChannel:
    """Sends alerts through apprise, in plain text."""

    name: ClassVar[str] = "apprise"

    def __init__(
        self, timeout: float = 20, rate: float | None = None, cache_size: int = CACHED_TARGETS
    ) -> None:
        self._timeout = timeout
        self._turn = rate_limit(rate)
        # Kept between sends: parsing is not free, and a plugin paces its own requests.
        self._targets = LruCache(load_apprise, cache_size)

    async def send(self, envelope: Envelope) -> SendResult:
        target = self._targets.get(envelope.address)
        if target is None:
            return SendResult.rejected("adresse apprise invalide")
        shown = private_url(target)
        urgent = is_urgent(envelope)
        async with self._turn:
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


def build(settings: Settings) -> AppriseChannel:
    """The sender, configured from the settings."""
    return AppriseChannel(rate=settings.apprise_rate)
