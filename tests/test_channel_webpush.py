"""The Web Push channel against a fake push service that checks VAPID and decrypts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from py_vapid import Vapid
from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Route

from notifications.channels import PushPolicy, build_channels, validate_address
from notifications.channels.webpush import PUSH_MAX_BYTES, UNKNOWN_SERVICE, push_payload
from notifications.channels.webpush_sender import (
    REPLY_LIMIT,
    PushSession,
    WebPushChannel,
    retry_seconds,
)
from notifications.errors import InvalidInput
from notifications.records import Envelope, Outcome
from notifications.vapid import b64url_decode, generate_vapid_keys, vapid_public_key
from tests.fakes.envelopes import UNSUBSCRIBE_URL, envelope, notice
from tests.fakes.push_service import (
    FakePushService,
    Refusal,
    UnrulyPushService,
    make_subscription,
    running_fake_push_service,
    unruly_push_service,
    verify_vapid,
)
from tests.hub_support import hub_settings
from tests.servers import closed_port_url, serving

CONTACT = "mailto:mairie@trilport.example"
TESTS_ONLY = PushPolicy(local_ok=True)  # the fake push services listen on loopback
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def vapid_keys() -> tuple[str, str]:
    return generate_vapid_keys()


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakePushService]:
    with running_fake_push_service() as fake:
        yield fake


@pytest.fixture
def fake(fake_server: FakePushService) -> FakePushService:
    fake_server.reset()
    return fake_server


@pytest.fixture
async def channel(vapid_keys: tuple[str, str]) -> AsyncIterator[WebPushChannel]:
    channel = WebPushChannel(vapid_keys[0], CONTACT, ttl=3600, timeout=5, policy=TESTS_ONLY)
    yield channel
    await channel.aclose()


def subscriber(fake: FakePushService, id: str, *notices, **kwargs):
    """An envelope for a new browser subscription, its address checked as on sign-up."""
    address, params = validate_address("webpush", fake.subscribe(id), push=TESTS_ONLY)
    return envelope("webpush", address, *notices, params=params, **kwargs)


async def test_browser_decrypts_the_alert(
    channel: WebPushChannel, fake: FakePushService, vapid_keys: tuple[str, str]
) -> None:
    result = await channel.send(subscriber(fake, "marie"))

    assert result.outcome is Outcome.SENT, fake.refusals.items()
    [push] = fake.received.items()
    assert push.subscription_id == "marie"
    assert push.payload == {
        "title": "Travaux rue Pasteur",
        "body": "Coupure d'eau à Trilport mardi de 8 h à 12 h.",
        "url": "https://trilport.example/actualites/travaux?rue=pasteur&jour=mardi",
        "tag": "arobase-7",
        "urgent": False,
        "unsubscribe": UNSUBSCRIBE_URL,
    }
    assert (push.ttl, push.urgency) == (3600, "normal")
    assert push.claims["sub"] == CONTACT
    assert push.vapid_key == vapid_keys[1]


async def test_urgent_alert_is_sent_with_high_urgency(
    channel: WebPushChannel, fake: FakePushService
) -> None:
    await channel.send(subscriber(fake, "paul", notice(title="Crue de la Marne", urgent=True)))

    [push] = fake.received.items()
    assert push.urgency == "high"
    assert push.payload["title"] == "URGENT : Crue de la Marne"


async def test_each_push_service_gets_its_own_audience(
    channel: WebPushChannel, fake: FakePushService
) -> None:
    with running_fake_push_service() as other:
        first = await channel.send(subscriber(fake, "a"))
        second = await channel.send(subscriber(other, "b"))

        assert (first.outcome, second.outcome) == (Outcome.SENT, Outcome.SENT)
        assert other.received.items()[0].claims["aud"] == other.url
    assert fake.received.items()[0].claims["aud"] == fake.url


async def test_expired_subscription_is_gone(channel: WebPushChannel, fake: FakePushService) -> None:
    alert = subscriber(fake, "old")
    fake.gone.add("old")

    result = await channel.send(alert)

    assert (result.outcome, result.detail) == (Outcome.GONE, "abonnement expiré (410)")


@pytest.mark.parametrize(
    ("status", "retry_after", "outcome", "after"),
    [
        (429, "120", Outcome.RETRY, 120.0),
        (503, None, Outcome.RETRY, None),
        (413, None, Outcome.REJECTED, None),
        (400, None, Outcome.REJECTED, None),
    ],
)
async def test_refusals_map_to_outcomes(
    channel: WebPushChannel,
    fake: FakePushService,
    status: int,
    retry_after: str | None,
    outcome: Outcome,
    after: float | None,
) -> None:
    alert = subscriber(fake, f"s{status}")
    fake.fail_next(1, status=status, retry_after=retry_after)

    result = await channel.send(alert)

    assert (result.outcome, result.retry_after) == (outcome, after)


async def test_push_service_down_is_retried(channel: WebPushChannel, fake: FakePushService) -> None:
    alert = subscriber(fake, "x")
    moved = envelope(
        "webpush", f"{closed_port_url()}/push/x", params=alert.params, unsubscribe_url=None
    )

    assert (await channel.send(moved)).outcome is Outcome.RETRY


@pytest.mark.parametrize("status", [301, 307, 308])
async def test_redirect_is_not_followed(
    channel: WebPushChannel, fake: FakePushService, status: int
) -> None:
    """A push service never redirects: following one could reach this machine's network."""
    target = subscriber(fake, "target")
    app = Starlette(
        routes=[
            Route(
                "/push/{id}",
                lambda request: RedirectResponse(target.address, status_code=status),
                methods=["POST"],
            )
        ]
    )
    with serving(app) as url:
        moved = envelope("webpush", f"{url}/push/x", params=target.params)
        result = await channel.send(moved)

    assert (result.outcome, result.detail) == (
        Outcome.REJECTED,
        f"le service de notification refuse l'envoi ({status})",
    )
    assert not fake.received.items() and not fake.refusals.items()


async def test_unusable_keys_are_rejected(channel: WebPushChannel, fake: FakePushService) -> None:
    alert = envelope("webpush", f"{fake.url}/push/x", params={"p256dh": "", "auth": ""})

    assert (await channel.send(alert)).outcome is Outcome.REJECTED


def test_fake_refuses_a_token_for_another_audience(vapid_keys: tuple[str, str]) -> None:
    """The fake really checks VAPID: the tests above would catch a wrong aud or key."""
    signer = Vapid.from_string(vapid_keys[0])
    header = signer.sign({"sub": CONTACT, "aud": "https://push.example.net"})["Authorization"]
    now = datetime.now(UTC).timestamp()

    with pytest.raises(Refusal, match="aud"):
        verify_vapid(header, "https://push.example.org", now)
    tampered = header.replace("k=", "k=BA", 1)
    with pytest.raises(Refusal):
        verify_vapid(tampered, "https://push.example.net", now)
    assert verify_vapid(header, "https://push.example.net", now)[1] == vapid_keys[1]


def test_generated_keys_are_what_browsers_and_pywebpush_expect() -> None:
    private, public = generate_vapid_keys()

    assert len(b64url_decode(private)) == 32
    public_raw = b64url_decode(public)
    assert len(public_raw) == 65 and public_raw[0] == 4
    assert vapid_public_key(private) == public
    assert "=" not in private + public


def test_unreadable_private_key_is_refused_at_start(vapid_keys: tuple[str, str]) -> None:
    with pytest.raises(InvalidInput, match="VAPID"):
        WebPushChannel("pas-une-clé", CONTACT)
    with pytest.raises(InvalidInput, match="contact Web Push invalide"):
        WebPushChannel(vapid_keys[0], "mairie@trilport.example")  # "mailto:" is missing


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Tue, 24 Nov 2026 09:32:00 GMT", 120.0),
        ("Tue, 24 Nov 2026 09:00:00 GMT", 0.0),  # already past
        ("bientôt", None),
        (None, None),
    ],
)
def test_retry_after_header(header: str | None, seconds: float | None) -> None:
    now = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)

    assert retry_seconds(header, now) == seconds


async def test_huge_link_does_not_hang_the_payload_builder() -> None:
    long_link = "https://trilport.example/" + "a" * 4000
    alert = envelope("webpush", "https://push.example", notice(link=long_link))

    payload = await asyncio.wait_for(asyncio.to_thread(push_payload, alert), timeout=10)

    assert payload["body"] == "…"
    assert len(payload["url"]) > PUSH_MAX_BYTES  # too long for the service: rejected later


# --- A push service is checked again at each send, and cannot cost more than a few KB -------


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("{fake}/push/marie", "doit commencer par https://"),  # stored while tests allowed it
        ("https://127.0.0.1.nip.io/push/marie", UNKNOWN_SERVICE),  # edited in the database
        ("https://１２７.０.０.１/push/marie", "pas publique"),
        ("https://fcm.googleapis.com:8443/push/marie", "port inhabituel"),  # stored before
    ],
)
async def test_an_endpoint_outside_the_policy_is_rejected_without_posting(
    vapid_keys: tuple[str, str], fake: FakePushService, endpoint: str, reason: str
) -> None:
    stored = subscriber(fake, "marie")
    row = envelope("webpush", endpoint.format(fake=fake.url), params=stored.params)
    channel = WebPushChannel(vapid_keys[0], CONTACT)  # a server's policy: known services only
    try:
        result = await channel.send(row)
    finally:
        await channel.aclose()

    assert result.outcome is Outcome.REJECTED
    assert result.detail.startswith("abonnement inutilisable : ")
    assert reason in result.detail
    assert fake.received.items() == [] and fake.refusals.items() == []


def unruly_envelope(service: UnrulyPushService) -> Envelope:
    subscription, _ = make_subscription(service.url, "x")
    address, params = validate_address("webpush", subscription, push=TESTS_ONLY)
    return envelope("webpush", address, params=params)


def rss_kib(field: str) -> int:
    """This process's resident memory now (VmRSS) or at its peak (VmHWM), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


async def peak_memory_growth_mib(run: Callable[[], object]) -> float:
    """How far above its resident memory before RUN this process went while awaiting it."""
    Path("/proc/self/clear_refs").write_text("5")  # Linux: the peak starts again from now
    before = rss_kib("VmRSS")
    await run()  # type: ignore[misc]
    return (rss_kib("VmHWM") - before) / 1024


@pytest.mark.parametrize(
    ("status", "size", "outcome"),
    [
        (201, 400 * MiB, Outcome.SENT),  # the reply measured on main: 69 MB → 1.4 GB
        (201, None, Outcome.SENT),  # endless
        (400, None, Outcome.REJECTED),  # pywebpush reads a refusal's body too
        (503, 400 * MiB, Outcome.RETRY),
    ],
    ids=["accepted, 400 MB", "accepted, endless", "refused, endless", "down, 400 MB"],
)
async def test_a_huge_reply_costs_neither_memory_nor_time(
    channel: WebPushChannel, status: int, size: int | None, outcome: Outcome
) -> None:
    async with unruly_push_service(status=status, size=size) as service:
        alert = unruly_envelope(service)
        results = []

        async def send() -> None:
            results.append(await asyncio.wait_for(channel.send(alert), timeout=10))

        growth = await peak_memory_growth_mib(send)
        await asyncio.wait_for(service.closed.wait(), 10)  # the worker hung up

    [result] = results
    assert result.outcome is outcome
    # What the server managed to hand over before the worker hung up: the kernel's socket
    # buffers on both sides, a few MiB, never the 400 MB.
    assert service.sent < 32 * MiB, f"{service.sent / MiB:.0f} MiB sent"
    assert growth < 48, f"the worker grew by {growth:.0f} MiB"


async def test_only_the_first_kilobytes_of_a_reply_are_read() -> None:
    async with (
        unruly_push_service(status=201, size=None) as service,
        aiohttp.ClientSession() as session,
    ):
        reply = await PushSession(session).post(f"{service.url}/push/x", data=b"")
        await asyncio.wait_for(service.closed.wait(), 10)

    assert reply.status == 201
    assert len(reply.body) == REPLY_LIMIT == 4096
    assert await reply.text() == "x" * REPLY_LIMIT


async def test_a_reply_that_stalls_after_the_status_is_cut_at_the_timeout(
    vapid_keys: tuple[str, str],
) -> None:
    """The status line said "accepted": the notification is sent, whatever the body does."""
    channel = WebPushChannel(vapid_keys[0], CONTACT, timeout=0.5, policy=TESTS_ONLY)
    async with unruly_push_service(status=201, size=100 * MiB, stall=True) as service:
        started = time.monotonic()
        result = await channel.send(unruly_envelope(service))
        elapsed = time.monotonic() - started
        await channel.aclose()

    assert result.outcome is Outcome.SENT
    assert 0.5 <= elapsed < 3


async def test_a_silent_push_service_is_given_up_after_the_configured_timeout(
    tmp_path: Path,
) -> None:
    settings = hub_settings(f"sqlite:///{tmp_path / 'hub.db'}", webpush_timeout=0.5)
    channel = build_channels(settings)["webpush"]
    async with unruly_push_service(hang=True) as service:
        started = time.monotonic()
        result = await channel.send(unruly_envelope(service))
        elapsed = time.monotonic() - started
        await channel.aclose()

    assert result.outcome is Outcome.RETRY
    assert result.detail.startswith("service de notification injoignable")
    assert service.requests == 1
    assert 0.5 <= elapsed < 3
