"""Web Push channel: encrypted notifications to browsers through their push service (pywebpush).

The address is the subscription's endpoint and the params its keys {"p256dh", "auth"}; the
payload is the JSON the town's service worker shows (render.push_payload).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import aiohttp
from py_vapid import Vapid, VapidException
from pywebpush import WebPushException, webpush_async

from notifications.channels.addresses import webpush_address
from notifications.channels.base import is_urgent
from notifications.channels.pacing import rate_limit
from notifications.errors import InvalidAddress, InvalidInput
from notifications.records import Envelope, SendResult
from notifications.render import push_payload
from notifications.vapid import load_vapid

DELIVERED = frozenset({200, 201, 202})
EXPIRED = frozenset({404, 410})


class WebPushChannel:
    """Sends alerts as Web Push notifications, signed with the town's VAPID key."""

    name: ClassVar[str] = "webpush"

    def __init__(
        self,
        private_key: str,
        contact: str,
        ttl: int = 86400,
        timeout: float = 20,
        rate: float | None = None,
    ) -> None:
        self._vapid = load_vapid(private_key)  # parsed once: a bad key fails at start-up
        self._contact = check_contact(self._vapid, contact)
        self._ttl = ttl
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._turn = rate_limit(rate)
        self._session: aiohttp.ClientSession | None = None

    async def send(self, envelope: Envelope) -> SendResult:
        # pywebpush fails on bad keys with IndexError, binascii.Error…: check them first. The
        # endpoint's policy (public https) was applied when the subscription was recorded.
        try:
            endpoint, keys = webpush_address(envelope.address, envelope.params, local_ok=True)
        except InvalidAddress as error:
            return SendResult.rejected(f"abonnement inutilisable : {error}")
        subscription = {"endpoint": endpoint, "keys": keys}
        data = json.dumps(push_payload(envelope), ensure_ascii=False)
        urgent = is_urgent(envelope)
        async with self._turn:
            try:
                response = await webpush_async(
                    subscription,  # type: ignore[arg-type]
                    data=data,
                    vapid_private_key=self._vapid,
                    # A fresh dict each time: pywebpush writes the endpoint's "aud" into it.
                    vapid_claims={"sub": self._contact},
                    ttl=self._ttl,
                    headers={"Urgency": "high" if urgent else "normal"},
                    timeout=self._timeout,  # type: ignore[arg-type]
                    aiohttp_session=NoRedirects(self._client()),  # type: ignore[arg-type]
                )
            except WebPushException as error:
                return push_failure(error)
            except (aiohttp.ClientError, TimeoutError) as error:
                return SendResult.retry(f"service de notification injoignable : {error!r}")
        return push_status(response.status, None)  # type: ignore[union-attr]

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        """One session for every send, so that connections to a push service are reused."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session


class NoRedirects:
    """The one session method pywebpush calls, post(), but never following a redirect.

    A push service answers itself; a redirect could send the worker to this machine or its
    network, past the public-https check made on the endpoint. A 3xx is then a refusal.
    """

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    def post(self, url: str, **kwargs: Any) -> Any:
        return self._session.post(url, allow_redirects=False, **kwargs)


def check_contact(vapid: Vapid, contact: str) -> str:
    """The VAPID `sub` claim, checked now rather than at every send."""
    try:
        vapid.sign({"sub": contact, "aud": "https://push.example"})
    except VapidException as error:
        raise InvalidInput(
            f"contact Web Push invalide « {contact} » : écrivez mailto:adresse ou https://site"
        ) from error
    return contact


def push_failure(error: WebPushException) -> SendResult:
    """The outcome of a WebPushException: a refusal by the service, or an unusable subscription."""
    status = error.status_code
    if status is None:  # raised before sending: the subscription's keys are unusable
        return SendResult.rejected(f"abonnement inutilisable : {error.message}")
    return push_status(status, error.retry_after)


def push_status(status: int, retry_after: str | None) -> SendResult:
    """What the push service's status code means for this delivery (RFC 8030)."""
    if status in DELIVERED:
        return SendResult.sent(f"accepté par le service de notification ({status})")
    if status in EXPIRED:
        return SendResult.gone(f"abonnement expiré ({status})")
    if status == 429:
        return SendResult.retry(
            "le service de notification demande d'attendre (429)", after=retry_seconds(retry_after)
        )
    if status >= 500:
        return SendResult.retry(
            f"le service de notification est en panne ({status})", after=retry_seconds(retry_after)
        )
    if status == 413:
        return SendResult.rejected("notification trop longue pour le service (413)")
    return SendResult.rejected(f"le service de notification refuse l'envoi ({status})")


def retry_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header in seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
