"""The Web Push sender: encrypted notifications to browsers through their push service.

The payload is the JSON the town's service worker shows (webpush.push_payload), encrypted and
signed by pywebpush, posted with aiohttp.

Everything about a push service's answer is bounded: the endpoint is checked again before each
send (a known push service, as when it was recorded: a row stored earlier or edited in the
database is refused), a redirect is never followed, at most REPLY_LIMIT bytes of the reply are
read, and one send lasts at most `timeout` seconds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, ClassVar

import aiohttp
from py_vapid import Vapid, VapidException
from pywebpush import WebPushException, webpush_async

from notifications.channels.base import AddressContext, is_urgent
from notifications.channels.pacing import rate_limit
from notifications.channels.push_services import KNOWN_SERVICES_ONLY, PushPolicy, push_policy
from notifications.channels.webpush import push_payload, webpush_address, webpush_signing_key
from notifications.errors import InvalidAddress, InvalidInput
from notifications.records import Envelope, SendResult

if TYPE_CHECKING:
    from arobase.settings import Settings
from notifications.vapid import load_vapid

DELIVERED = frozenset({200, 201, 202})
EXPIRED = frozenset({404, 410})
# Bytes of a push service's reply ever read: its status says all we need, and a reply of
# 400 MB once took the worker from 69 MB to 1.4 GB.
REPLY_LIMIT = 4096


class WebPushChannel:
    """Sends alerts as Web Push notifications, signed with the town's VAPID key."""

    name: ClassVar[str] = "webpush"

    def __init__(
        self,
        private_key: str,
        contact: str,
        ttl: int = 86400,
        timeout: float = 10,
        rate: float | None = None,
        policy: PushPolicy = KNOWN_SERVICES_ONLY,
    ) -> None:
        self._vapid = load_vapid(private_key)  # parsed once: a bad key fails at start-up
        self._contact = check_contact(self._vapid, contact)
        self._ttl = ttl
        # Total: connecting, sending and reading the reply (a service that trickles it too).
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._turn = rate_limit(rate)
        self._context = AddressContext(policy)
        self._session: aiohttp.ClientSession | None = None

    async def send(self, envelope: Envelope) -> SendResult:
        # pywebpush fails on bad keys with IndexError, binascii.Error…: check them first; and
        # the endpoint again, as on sign-up (the row may predate the policy, or be edited).
        try:
            endpoint, keys = webpush_address(envelope.address, envelope.params, self._context)
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
                    aiohttp_session=PushSession(self._client()),  # type: ignore[arg-type]
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


@dataclass(frozen=True)
class PushReply:
    """What pywebpush reads of a push service's answer, the body cut at REPLY_LIMIT bytes."""

    status: int
    reason: str
    headers: Mapping[str, str]  # case-insensitive (aiohttp's): pywebpush reads Retry-After
    body: bytes

    async def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class PushSession:
    """The one session method pywebpush calls, post(), made safe for any endpoint.

    A redirect is never followed: a push service answers itself, and a redirect could send the
    worker to this machine or its network, past the checks made on the endpoint (a 3xx is a
    refusal). The reply is read up to REPLY_LIMIT bytes, then the connection is dropped rather
    than drained, so a huge or endless reply costs neither memory nor time.
    """

    def __init__(self, session: aiohttp.ClientSession, limit: int = REPLY_LIMIT) -> None:
        self._session = session
        self._limit = limit

    async def post(self, url: str, **kwargs: Any) -> PushReply:
        async with self._session.post(url, allow_redirects=False, **kwargs) as response:
            body = await read_at_most(response, self._limit)
            return PushReply(response.status, response.reason or "", response.headers, body)


async def read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """Up to LIMIT bytes of the response's body. The connection goes back to the pool when the
    body ended within them, and is closed otherwise; a body that breaks or stalls is cut where
    it is, since the status line already said what the service did with the notification."""
    body = bytearray()
    try:
        while len(body) < limit:
            chunk = await response.content.read(limit - len(body))
            if not chunk:
                break
            body += chunk
    except (aiohttp.ClientError, TimeoutError):
        response.close()
        return bytes(body)
    if not response.content.at_eof():
        response.close()
    return bytes(body)


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


def build(settings: Settings) -> WebPushChannel:
    """The sender, signing with the town's VAPID key (made in the data folder when none is set)."""
    return WebPushChannel(
        webpush_signing_key(settings),
        settings.webpush_contact,
        timeout=settings.webpush_timeout,
        rate=settings.webpush_rate,
        policy=push_policy(settings),
    )
