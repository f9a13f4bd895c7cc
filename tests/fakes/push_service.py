"""A fake Web Push service on loopback that checks what a real one checks, and decrypts.

POST /push/<id> is a subscription's endpoint. The fake verifies the VAPID header
(`Authorization: vapid t=<JWT>, k=<public key>`: ES256 signature, `aud` = this origin, `exp`
within 24 h, a `sub` contact), decrypts the aes128gcm body with the subscriber's private key
and auth secret, as the browser would, and records the JSON payload with its TTL and Urgency.
Ids in `gone` answer 410; `fail_next(n, status, retry_after)` scripts failures.

UnrulyPushService is a hostile endpoint instead: a huge or endless reply, or no answer.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.recorder import FailureScript, Recorder
from tests.servers import serving

MAX_EXP = 24 * 3600  # RFC 8292: a VAPID token must not be valid for more than 24 hours


# Written again here rather than imported, so that the fake does not share the code it checks.
def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class SubscriberKeys:
    """What the browser keeps secret for one subscription."""

    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)


@dataclass(frozen=True)
class Push:
    """A notification the fake accepted, decrypted."""

    subscription_id: str
    payload: dict[str, Any]
    ttl: int | None
    urgency: str | None
    claims: dict[str, Any]
    vapid_key: str


class Refusal(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def make_subscription(base_url: str, id: str) -> tuple[str, SubscriberKeys]:
    """A subscription as `pushSubscription.toJSON()` gives it, and the browser's secret keys."""
    keys = SubscriberKeys(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
    subscription = {
        "endpoint": f"{base_url}/push/{id}",
        "expirationTime": None,
        "keys": {"p256dh": keys.p256dh, "auth": keys.auth},
    }
    return json.dumps(subscription), keys


def verify_vapid(header: str, audience: str, now: float) -> tuple[dict[str, Any], str]:
    """The claims and public key of a valid `vapid t=…, k=…` header; Refusal otherwise."""
    scheme, _, rest = header.partition(" ")
    fields = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
    if scheme.lower() != "vapid" or not {"t", "k"} <= fields.keys():
        raise Refusal(401, f"no VAPID authorization: {header!r}")
    try:
        signed, signature = fields["t"].rsplit(".", 1)
        jose = json.loads(b64url_decode(signed.split(".")[0]))
        claims = json.loads(b64url_decode(signed.split(".")[1]))
        key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64url_decode(fields["k"])
        )
        raw = b64url_decode(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
        key.verify(der, signed.encode(), ec.ECDSA(hashes.SHA256()))
    except (ValueError, IndexError, InvalidSignature) as error:
        raise Refusal(403, f"bad VAPID token: {error!r}") from error
    if jose.get("alg") != "ES256" or len(raw) != 64:
        raise Refusal(403, f"VAPID token not ES256: {jose}")
    if claims.get("aud") != audience:
        raise Refusal(403, f"VAPID aud {claims.get('aud')!r} is not {audience!r}")
    if not now < claims.get("exp", 0) <= now + MAX_EXP:
        raise Refusal(403, f"VAPID exp {claims.get('exp')} out of range")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
        raise Refusal(403, f"VAPID sub {claims.get('sub')!r} is not a contact")
    return claims, fields["k"]


class FakePushService:
    """A push service endpoint for any number of subscriptions."""

    def __init__(self) -> None:
        self.url = ""
        self.gone: set[str] = set()
        self.received: Recorder[Push] = Recorder("pushes")
        self.refusals: Recorder[tuple[str, int, str]] = Recorder("refusals")
        self._keys: dict[str, SubscriberKeys] = {}
        self._failures = FailureScript()

    def subscribe(self, id: str) -> str:
        """A new subscription's JSON, its keys kept here to decrypt what comes for it."""
        subscription, keys = make_subscription(self.url, id)
        self._keys[id] = keys
        return subscription

    def fail_next(self, count: int, status: int = 500, retry_after: str | None = None) -> None:
        self._failures.add(count, status=status, retry_after=retry_after)

    def reset(self) -> None:
        """Forget what was received and configured (subscriptions' keys stay, harmless)."""
        self.gone.clear()
        self.received.clear()
        self.refusals.clear()
        self._failures.clear()

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/push/{id}", self._push, methods=["POST"])])

    async def _push(self, request: Request) -> Response:
        id = request.path_params["id"]
        body = await request.body()
        try:
            push = self._accept(request, id, body)
        except Refusal as refusal:
            self.refusals.add((id, refusal.status, refusal.reason))
            return Response(refusal.reason, status_code=refusal.status)
        failure = self._failures.take()
        if failure is not None:
            headers = {"Retry-After": failure["retry_after"]} if failure["retry_after"] else {}
            return Response("scripted failure", status_code=failure["status"], headers=headers)
        self.received.add(push)
        return Response(status_code=201, headers={"Location": f"{self.url}/message/{id}"})

    def _accept(self, request: Request, id: str, body: bytes) -> Push:
        if id in self.gone:
            raise Refusal(410, "push subscription has unsubscribed or expired")
        keys = self._keys.get(id)
        if keys is None:
            raise Refusal(404, "no such subscription")
        origin = f"{request.url.scheme}://{request.url.netloc}"
        claims, vapid_key = verify_vapid(
            request.headers.get("authorization", ""), origin, time.time()
        )
        if request.headers.get("content-encoding") != "aes128gcm":
            raise Refusal(400, f"unsupported encoding {request.headers.get('content-encoding')}")
        try:
            plain = http_ece.decrypt(
                body, private_key=keys.private_key, auth_secret=keys.auth_secret
            )
            payload = json.loads(plain)
        except Exception as error:  # any decryption failure is the sender's fault
            raise Refusal(400, f"cannot decrypt: {error!r}") from error
        ttl = request.headers.get("ttl")
        return Push(
            subscription_id=id,
            payload=payload,
            ttl=int(ttl) if ttl is not None else None,
            urgency=request.headers.get("urgency"),
            claims=claims,
            vapid_key=vapid_key,
        )


@contextmanager
def running_fake_push_service() -> Iterator[FakePushService]:
    """A fake push service listening on loopback until the block ends."""
    fake = FakePushService()
    with serving(fake.app()) as url:
        fake.url = url
        yield fake


class UnrulyPushService:
    """A push endpoint that misbehaves in the ways a hostile one could: it accepts (or refuses,
    STATUS) with a reply of SIZE bytes (None: endless, until the client hangs up), or never
    answers when HANG is set, or stops sending its reply after 100 bytes when STALL is set.

    Plain asyncio streams rather than uvicorn, so that `sent` counts the bytes the network
    took (each write waits for the socket to drain, and fails once the client has hung up);
    `closed` is set when the reply has ended either way.
    """

    CHUNK = b"x" * 65536

    def __init__(
        self, status: int = 201, size: int | None = None, hang: bool = False, stall: bool = False
    ) -> None:
        self.url = ""
        self.status, self.size, self.hang, self.stall = status, size, hang, stall
        self.sent = 0
        self.requests = 0
        self.closed = asyncio.Event()
        self.stopping = asyncio.Event()  # set when the server stops: a hang or a stall ends

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._read_request(reader)
            self.requests += 1
            if self.hang:
                await self.stopping.wait()
                return
            length = f"Content-Length: {self.size}\r\n" if self.size is not None else ""
            writer.write(f"HTTP/1.1 {self.status} Whatever\r\n{length}\r\n".encode())
            if self.stall:
                writer.write(self.CHUNK[:100])
                self.sent = 100
                await self.stopping.wait()
                return
            while self.size is None or self.sent < self.size:
                left = len(self.CHUNK) if self.size is None else self.size - self.sent
                writer.write(self.CHUNK[:left])
                await writer.drain()
                self.sent += min(left, len(self.CHUNK))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client hung up: what a worker should do with such a reply
        finally:
            self.closed.set()
            writer.close()

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                await reader.readexactly(int(value))


@asynccontextmanager
async def unruly_push_service(**behaviour: Any) -> AsyncIterator[UnrulyPushService]:
    """An UnrulyPushService listening on loopback (in the test's event loop) until the block
    ends."""
    service = UnrulyPushService(**behaviour)
    server = await asyncio.start_server(service.handle, "127.0.0.1", 0)
    service.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield service
    finally:
        service.stopping.set()
        server.close()
        await server.wait_closed()
