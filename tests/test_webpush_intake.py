"""Web Push intake hardened (issue 8, points 1 and 11), over real HTTP and real processes.

The web app runs in uvicorn on loopback with a server's policy (known push services only, the
real per-client limit), on a migrated SQLite hub; X-Forwarded-* reach the app untouched, so
that its own trusted-proxy rules are what is tested. The worker runs in-process against push
endpoints on loopback that misbehave; key generation races real processes.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from arobase.settings import ROOT, Settings
from arobase.town import load_town
from bot.web.alerts import open_alerts
from bot.web.alerts.api import FOREIGN_SITE, too_many_requests
from bot.web.app import create_app
from bot.web.frame import sentence
from cli import app as cli_app
from notifications.channels import build_channels
from notifications.channels.webpush import OTHER_PORT, UNKNOWN_SERVICE
from notifications.errors import InvalidInput
from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import release_due
from notifications.store.subscriber_rows import new_subscriber
from notifications.store.tables import DeliveryRow, SubscriptionRow
from notifications.subscribers import (
    device_subscribe,
    erase_subscriber,
    list_subscribers,
)
from notifications.vapid import (
    GENERATED_KEY_FILE,
    VapidKeys,
    generate_vapid_keys,
    town_vapid_keys,
    vapid_public_key,
)
from notifications.worker import Worker
from tests.fakes.push_service import (
    make_subscription,
    running_fake_push_service,
    unruly_push_service,
)
from tests.hub_support import TOWN_FILE, FakeClock, hub_settings, make_test_hub, migrated_sqlite
from tests.servers import serving
from tests.test_channel_webpush import MiB, peak_memory_growth_mib
from tests.test_web_alerts import KEYS, app_settings, browser_keys, push_body, renew_body

FCM = "https://fcm.googleapis.com/fcm/send"
NOT_PUBLIC = "L'adresse du service de notification n'est pas publique."
NOT_KNOWN = sentence(UNKNOWN_SERVICE)
FOREIGN = {"origin": "https://mairie-pirate.example"}


def intake_settings(database_url: str, **overrides: Any) -> Settings:
    """A server's policy: known push services only, 10 changes a minute per client."""
    values = {"webpush_allow_local": False, "alerts_rate": "10/minute", **overrides}
    return app_settings(database_url, **values)


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A database of the test's own, for a test that starts its own web app."""
    return migrated_sqlite(tmp_path / "hub.db")


@pytest.fixture
def own_hub(database: str) -> Iterator[Hub]:
    hub = make_test_hub(database)
    yield hub
    hub.close()


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The web app on loopback, X-Forwarded-* left to its own rules; a client for it."""
    with serving(create_app(settings), proxy_headers=False) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False) as http:
            yield http


@pytest.fixture(scope="module")
def shared_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return migrated_sqlite(tmp_path_factory.mktemp("intake") / "hub.db")


@pytest.fixture(scope="module")
def site(shared_database: str) -> Iterator[str]:
    """One web app for the tests that do not count requests (the limit is out of their way)."""
    settings = intake_settings(shared_database, alerts_rate="1000/minute")
    with serving(create_app(settings), proxy_headers=False) as url:
        yield url


@pytest.fixture
def hub(shared_database: str) -> Iterator[Hub]:
    """The shared web app's hub, no subscriber left by an earlier test."""
    hub = make_test_hub(shared_database)
    for info in list_subscribers(hub):
        erase_subscriber(hub, info.id)
    yield hub
    hub.close()


@pytest.fixture
async def client(site: str, hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site, trust_env=False) as http:
        yield http


def addresses(hub: Hub) -> list[str]:
    return [info.address for info in list_subscribers(hub)]


def subscribe_body(endpoint: str) -> dict[str, Any]:
    return push_body(["travaux"], endpoint=endpoint, keys=browser_keys())


# --- Known push services only -----------------------------------------------------------------

BYPASSES = [
    ("full-width digits", "https://１２７.０.０.１/push/1", NOT_PUBLIC),
    ("full-width localhost", "https://ｌｏｃａｌｈｏｓｔ/push/1", NOT_PUBLIC),
    ("DNS name of loopback", "https://127.0.0.1.nip.io/push/1", NOT_KNOWN),
    ("6to4 of loopback", "https://[2002:7f00:1::]/push/1", NOT_PUBLIC),
    ("NAT64 of loopback", "https://[64:ff9b::7f00:1]/push/1", NOT_PUBLIC),
    ("not a push service", "https://push.example.net/wpush/v2/1", NOT_KNOWN),
    ("IDNA: a Cyrillic с in fcm", "https://fсm.googleapis.com/fcm/send/1", NOT_KNOWN),
    ("IDNA: an ideographic dot", "https://fcm.googleapis.com\u3002evil.example/1", NOT_KNOWN),
    ("a filtered port of a known service", "https://fcm.googleapis.com:8443/fcm/send/1",
        sentence(OTHER_PORT)),
    ("loopback over http", "http://127.0.0.1:8123/push/1", sentence(
        "l'adresse du service de notification doit commencer par https://")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("endpoint", "reason"), [case[1:] for case in BYPASSES], ids=[case[0] for case in BYPASSES]
)
async def test_endpoints_outside_the_known_push_services_get_a_422_and_nothing_is_stored(
    client: httpx.AsyncClient, hub: Hub, endpoint: str, reason: str
):
    created = await client.post("/api/alertes/webpush", json=subscribe_body(endpoint))
    renewed = await client.put("/api/alertes/webpush", json=renew_body(endpoint=endpoint))

    assert created.status_code == 422
    assert created.json() == {"error": reason}
    assert renewed.status_code == 422
    assert list_subscribers(hub) == []


KNOWN = [
    "https://fcm.googleapis.com/fcm/send/dXk3:APA91bE",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
    "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB",
    "https://web.push.apple.com/QGuQyavXutnMH",
]


async def test_the_known_push_services_are_accepted(client: httpx.AsyncClient, hub: Hub):
    statuses = [
        (await client.post("/api/alertes/webpush", json=subscribe_body(endpoint))).status_code
        for endpoint in KNOWN
    ]

    assert statuses == [201] * len(KNOWN)
    assert addresses(hub) == KNOWN


async def test_a_town_adds_its_own_push_service(database: str, own_hub: Hub):
    settings = intake_settings(database, webpush_services=".push.trilport.example")
    async with served(settings) as http:
        ours = await http.post(
            "/api/alertes/webpush", json=subscribe_body("https://eu.push.trilport.example/1")
        )
        other = await http.post(
            "/api/alertes/webpush", json=subscribe_body("https://push.example.net/1")
        )

    assert (ours.status_code, other.status_code) == (201, 422)
    assert addresses(own_hub) == ["https://eu.push.trilport.example/1"]


def test_an_unreadable_town_service_stops_the_web_app_at_start(database: str):
    settings = intake_settings(database, webpush_services="push.example.net/wpush")
    reason = re.escape("AROBASE_WEBPUSH_SERVICES : « push.example.net/wpush »")
    with pytest.raises(InvalidInput, match=reason):
        open_alerts(settings, load_town(TOWN_FILE))


# --- Per-client rate limit -------------------------------------------------------------------


def from_client(address: str) -> dict[str, str]:
    return {"x-forwarded-for": address}


async def test_the_eleventh_change_in_a_minute_gets_a_429_while_another_client_goes_on(
    database: str, own_hub: Hub
):
    settings = intake_settings(database, trusted_proxies="127.0.0.1")  # we are the proxy
    async with served(settings) as http:
        first = [
            await http.post(
                "/api/alertes/webpush",
                json=subscribe_body(f"{FCM}/a{number}"),
                headers=from_client("203.0.113.7"),
            )
            for number in range(10)
        ]
        eleventh = await http.post(
            "/api/alertes/webpush", json=subscribe_body(f"{FCM}/a10"),
            headers=from_client("203.0.113.7"),
        )  # fmt: skip
        stop = await http.request(
            "DELETE", "/api/alertes/webpush", json={"endpoint": f"{FCM}/a0"},
            headers=from_client("203.0.113.7"),
        )  # fmt: skip
        other = await http.post(
            "/api/alertes/webpush", json=subscribe_body(f"{FCM}/b0"),
            headers=from_client("198.51.100.2"),
        )  # fmt: skip

    assert [response.status_code for response in first] == [201] * 10
    assert eleventh.status_code == 429
    wait = int(eleventh.headers["retry-after"])
    assert 1 <= wait <= 60
    assert eleventh.json() == {"error": too_many_requests(wait)}
    assert stop.status_code == 429  # one budget for every change
    assert other.status_code == 201
    assert addresses(own_hub) == [f"{FCM}/a{number}" for number in range(10)] + [f"{FCM}/b0"]


async def test_an_ipv6_client_is_counted_by_its_64_network(database: str, own_hub: Hub):
    """A home or a phone has a whole /64: a new address in it buys no new allowance."""
    settings = intake_settings(database, trusted_proxies="127.0.0.1")
    async with served(settings) as http:
        statuses = [
            (
                await http.post(
                    "/api/alertes/webpush",
                    json=subscribe_body(f"{FCM}/f{number}"),
                    headers=from_client(f"2001:db8:7:1:{number:x}::{number + 1:x}"),
                )
            ).status_code
            for number in range(11)
        ]
        neighbour = await http.post(
            "/api/alertes/webpush", json=subscribe_body(f"{FCM}/g0"),
            headers=from_client("2001:db8:7:2::1"),
        )  # fmt: skip

    assert statuses == [201] * 10 + [429]
    assert neighbour.status_code == 201  # the next /64 is another client
    assert len(list_subscribers(own_hub)) == 11


async def test_a_proxy_that_adds_its_own_forwarded_line_is_read_from_its_line(
    database: str, own_hub: Hub
):
    """HAProxy adds an X-Forwarded-For line after the client's own: the client's lines are
    the first ones, and a new lie in each buys no new allowance."""
    settings = intake_settings(database, trusted_proxies="127.0.0.1")
    async with served(settings) as http:
        statuses = [
            (
                await http.post(
                    "/api/alertes/webpush",
                    json=subscribe_body(f"{FCM}/h{number}"),
                    headers=[
                        ("x-forwarded-for", f"198.51.100.{number}"),  # written by the client
                        ("x-forwarded-for", "203.0.113.7"),  # added by the proxy
                    ],
                )
            ).status_code
            for number in range(11)
        ]

    assert statuses == [201] * 10 + [429]
    assert len(list_subscribers(own_hub)) == 10


@pytest.mark.parametrize("trusted", ["", "10.0.0.1"], ids=["no proxy", "another proxy"])
async def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    database: str, own_hub: Hub, trusted: str
):
    async with served(intake_settings(database, trusted_proxies=trusted)) as http:
        statuses = [
            (
                await http.post(
                    "/api/alertes/webpush",
                    json=subscribe_body(f"{FCM}/c{number}"),
                    headers=from_client(f"198.51.100.{number}"),  # a new "client" each time
                )
            ).status_code
            for number in range(11)
        ]

    assert statuses == [201] * 10 + [429]
    assert len(list_subscribers(own_hub)) == 10


@pytest.mark.parametrize(
    ("seconds", "reason"),
    [
        (1, "Merci de réessayer dans 1\u00a0seconde."),
        (42, "Merci de réessayer dans 42\u00a0secondes."),
        (60, "Merci de réessayer dans 1\u00a0minute."),
        (61, "Merci de réessayer dans 2\u00a0minutes."),
        (3600, "Merci de réessayer dans 1\u00a0heure."),
    ],
)
def test_the_429_reason_says_when_to_try_again(seconds: int, reason: str):
    expected = "Beaucoup de demandes sont venues de votre connexion en peu de temps. " + reason
    assert too_many_requests(seconds) == expected


# --- Origin check ----------------------------------------------------------------------------

REFUSED_ORIGINS = [
    ("POST", "another site", FOREIGN),
    ("POST", "an opaque origin", {"origin": "null"}),
    ("POST", "another port of this host", {"origin": "http://127.0.0.1:1"}),
    ("POST", "https, but we were reached over http", {"origin": "https://alertes.test"}),
    ("POST", "cross-site fetch without Origin", {"sec-fetch-site": "cross-site"}),
    ("PUT", "another site", FOREIGN),
    ("DELETE", "another site", FOREIGN),
]


@pytest.fixture
async def seeded(client: httpx.AsyncClient, hub: Hub) -> list[str]:
    """One device subscribed from the site itself; the addresses stored."""
    response = await client.post("/api/alertes/webpush", json=push_body(["travaux"]))
    assert response.status_code == 201
    return addresses(hub)


@pytest.mark.parametrize(
    ("method", "headers"),
    [(case[0], case[2]) for case in REFUSED_ORIGINS],
    ids=[f"{case[0]} {case[1]}" for case in REFUSED_ORIGINS],
)
async def test_a_change_from_another_site_gets_a_403_and_nothing_changes(
    client: httpx.AsyncClient, hub: Hub, seeded: list[str], method: str, headers: dict[str, str]
):
    body = {
        "POST": subscribe_body(f"{FCM}/pirate"),
        "PUT": renew_body(endpoint=f"{FCM}/pirate"),
        "DELETE": {"endpoint": seeded[0]},
    }[method]

    response = await client.request(method, "/api/alertes/webpush", json=body, headers=headers)

    assert response.status_code == 403
    assert response.json() == {"error": FOREIGN_SITE}
    assert addresses(hub) == seeded


async def test_the_site_itself_and_callers_without_origin_are_heard(
    client: httpx.AsyncClient, hub: Hub
):
    own = str(client.base_url).rstrip("/")
    callers = [
        {},  # curl, a script: no Origin
        {"origin": own},
        {"origin": "http://alertes.test"},  # AROBASE_PUBLIC_URL
        {"origin": "HTTP://Alertes.Test:80"},
        {"sec-fetch-site": "same-origin", "origin": own},
    ]
    statuses = [
        (
            await client.post(
                "/api/alertes/webpush", json=subscribe_body(f"{FCM}/d{number}"), headers=headers
            )
        ).status_code
        for number, headers in enumerate(callers)
    ]

    assert statuses == [201] * len(callers)


@pytest.mark.parametrize(("trusted", "status"), [("127.0.0.1", 201), ("", 403)])
async def test_behind_the_town_s_https_proxy_the_page_s_origin_is_the_site(
    database: str, trusted: str, status: int
):
    """The proxy says https (X-Forwarded-Proto): believed only when it is a trusted one."""
    proxied = {
        "host": "mairie.trilport.example",
        "x-forwarded-proto": "https",
        "origin": "https://mairie.trilport.example",
    }
    async with served(intake_settings(database, trusted_proxies=trusted)) as http:
        response = await http.post(
            "/api/alertes/webpush", json=subscribe_body(f"{FCM}/e"), headers=proxied
        )

    assert response.status_code == status


# --- VAPID keys by default ---------------------------------------------------------------------


def no_keys(data_dir: Path, **overrides: Any) -> Settings:
    values = {"data_dir": data_dir, "webpush_private_key": "", "webpush_public_key": ""}
    return hub_settings(f"sqlite:///{data_dir / 'unused.db'}", **(values | overrides))


def test_with_no_key_configured_a_pair_is_made_once_and_kept_owner_only(tmp_path: Path):
    data = tmp_path / "var"

    first = town_vapid_keys(no_keys(data))
    again = town_vapid_keys(no_keys(data))

    assert first == again
    assert vapid_public_key(first.private_key) == first.public_key
    key_file = data / GENERATED_KEY_FILE
    assert key_file.read_text() == first.private_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert sorted(os.listdir(data)) == [GENERATED_KEY_FILE]  # no temporary file left
    assert first.private_key not in repr(first)


RACE = """
import sys
from arobase.settings import load_settings
from notifications.vapid import town_vapid_keys

print("ready", flush=True)
sys.stdin.readline()  # the start signal: every process asks at once
print(town_vapid_keys(load_settings()).public_key, flush=True)
"""


def test_processes_starting_together_agree_on_one_pair(tmp_path: Path):
    data = tmp_path / "var"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AROBASE_")},
        "AROBASE_ENV_FILE": "/dev/null",
        "AROBASE_DATA_DIR": str(data),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RACE],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        for process in processes:
            assert process.stdout is not None and process.stdout.readline() == "ready\n"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        keys = {process.communicate(timeout=60)[0].strip() for process in processes}
    finally:
        for process in processes:
            process.kill()
            process.wait()

    assert [process.returncode for process in processes] == [0] * 4
    assert keys == {vapid_public_key((data / GENERATED_KEY_FILE).read_text())}


async def test_the_web_app_and_the_worker_use_one_pair_with_no_configuration(
    tmp_path: Path,
):
    """The key browsers subscribe with is the one the worker's pushes are signed with."""
    database = migrated_sqlite(tmp_path / "hub.db")
    settings = app_settings(database, webpush_public_key="", data_dir=tmp_path / "var")
    async with served(settings) as http:
        offered = await http.get("/api/alertes/cle")
    channel = build_channels(settings)["webpush"]
    with running_fake_push_service() as push_service:
        hub = make_test_hub(database, data_dir=tmp_path / "var")
        device_subscribe(hub, "webpush", push_service.subscribe("marie"), {}, ["alertes"])
        announce(hub, "Crue de la Marne", topics=["alertes"], urgent=True)
        release_due(hub)
        worker = Worker(hub, {"webpush": channel}, poll=False)
        await run_until_settled(worker, hub)
        hub.close()
        [push] = push_service.received.items()

    assert offered.status_code == 200
    assert offered.json() == {"publicKey": push.vapid_key}
    assert push.vapid_key == town_vapid_keys(settings).public_key


@pytest.mark.parametrize(
    ("private", "public", "expected"),
    [
        ("mine", "", "derived"),
        ("mine", "matching", "derived"),
        ("", "other", "public only"),
    ],
)
def test_configured_keys_win_and_nothing_is_made(
    tmp_path: Path, private: str, public: str, expected: str
):
    mine, matching = generate_vapid_keys()
    other = generate_vapid_keys()[1]
    values = {"mine": mine, "matching": matching, "other": other, "": ""}
    settings = no_keys(
        tmp_path / "var", webpush_private_key=values[private], webpush_public_key=values[public]
    )

    keys = town_vapid_keys(settings)

    assert (
        keys
        == {
            "derived": VapidKeys(matching, mine),
            "public only": VapidKeys(other),  # a web app whose worker runs elsewhere
        }[expected]
    )
    assert not (tmp_path / "var").exists()


def test_a_mismatched_pair_is_refused_at_start(tmp_path: Path):
    settings = no_keys(
        tmp_path / "var",
        webpush_private_key=generate_vapid_keys()[0],
        webpush_public_key=generate_vapid_keys()[1],
    )
    mismatch = "AROBASE_WEBPUSH_PUBLIC_KEY ne correspond pas à AROBASE_WEBPUSH_PRIVATE_KEY"

    with pytest.raises(InvalidInput, match=mismatch):
        open_alerts(settings, load_town(TOWN_FILE))  # the web app's start
    with pytest.raises(InvalidInput, match=mismatch):
        build_channels(settings)  # the worker's start


def test_a_worker_with_only_the_public_key_says_what_is_missing(tmp_path: Path):
    settings = no_keys(tmp_path / "var", webpush_public_key=generate_vapid_keys()[1])

    with pytest.raises(InvalidInput, match="sans AROBASE_WEBPUSH_PRIVATE_KEY"):
        build_channels(settings)


def test_an_unreadable_public_key_is_refused(tmp_path: Path):
    settings = no_keys(tmp_path / "var", webpush_public_key="pas-une-clé")

    with pytest.raises(InvalidInput, match="AROBASE_WEBPUSH_PUBLIC_KEY est illisible"):
        open_alerts(settings, load_town(TOWN_FILE))


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    for name in [k for k in os.environ if k.startswith("AROBASE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AROBASE_ENV_FILE", "/dev/null")
    monkeypatch.setenv("AROBASE_DATA_DIR", str(tmp_path / "var"))
    return cli_app


def test_arobase_webpush_keys_prints_a_fresh_pair_or_the_one_in_use(cli, tmp_path: Path):
    runner = CliRunner()

    current = runner.invoke(cli, ["webpush", "keys", "--current"])
    again = runner.invoke(cli, ["webpush", "keys", "--current"])
    fresh = runner.invoke(cli, ["webpush", "keys"])

    assert (current.exit_code, again.exit_code, fresh.exit_code) == (0, 0, 0)
    private = (tmp_path / "var" / GENERATED_KEY_FILE).read_text()
    assert current.output == (
        f"AROBASE_WEBPUSH_PRIVATE_KEY={private}\n"
        f"AROBASE_WEBPUSH_PUBLIC_KEY={vapid_public_key(private)}\n"
    )
    assert again.output == current.output
    fresh_private = fresh.output.splitlines()[0].removeprefix("AROBASE_WEBPUSH_PRIVATE_KEY=")
    assert fresh_private != private
    assert fresh.output.splitlines()[1] == (
        f"AROBASE_WEBPUSH_PUBLIC_KEY={vapid_public_key(fresh_private)}"
    )


def test_arobase_webpush_keys_current_says_why_there_is_none(
    cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("AROBASE_DATA_DIR", str(blocked))

    result = CliRunner().invoke(cli, ["webpush", "keys", "--current"])

    assert result.exit_code == 1
    assert "la clé Web Push ne peut pas être gardée dans" in result.output


# --- The worker: the policy again at send time, and a reply that cannot cost memory -----------


async def run_until_settled(worker: Worker, hub: Hub) -> None:
    """Run WORKER until no delivery is left to send (checked after each recorded outcome)."""

    def settled() -> bool:
        with hub.db.session() as session:
            statuses = set(session.scalars(select(DeliveryRow.status)))
        return bool(statuses) and statuses <= {"sent", "failed"}

    task = asyncio.create_task(worker.run())
    try:
        await worker.wait_until(settled, timeout=20)
    finally:
        worker.stop()
        await task


def deliveries(hub: Hub) -> list[tuple[str, str | None]]:
    with hub.db.session() as session:
        rows = session.scalars(select(DeliveryRow).order_by(DeliveryRow.id))
        return [(row.status, row.last_error) for row in rows]


async def test_the_worker_records_a_huge_reply_as_sent_and_stays_flat(database: str):
    hub = make_test_hub(database, FakeClock())  # tests allow push endpoints on loopback
    async with unruly_push_service(status=201, size=400 * MiB) as service:
        subscription, _ = make_subscription(service.url, "x")
        device_subscribe(hub, "webpush", subscription, {}, ["alertes"])
        announce(hub, "Crue de la Marne", topics=["alertes"], urgent=True)
        release_due(hub)
        worker = Worker(hub, {"webpush": build_channels(hub.settings)["webpush"]}, poll=False)

        growth = await peak_memory_growth_mib(lambda: run_until_settled(worker, hub))
        await asyncio.wait_for(service.closed.wait(), 10)
    recorded = deliveries(hub)
    hub.close()

    assert recorded == [("sent", None)]
    assert service.sent < 32 * MiB, f"{service.sent / MiB:.0f} MiB sent"
    assert growth < 48, f"the worker grew by {growth:.0f} MiB"


async def test_the_worker_refuses_an_endpoint_stored_before_the_policy(database: str):
    """A row written before this check (or edited in the database) is rejected, not posted."""
    hub = make_test_hub(database, FakeClock(), webpush_allow_local=False)  # a server
    async with unruly_push_service(status=201, size=0) as service:
        with hub.db.session() as session:
            row = new_subscriber("webpush", f"{service.url}/push/x", KEYS, hub.now())
            row.subscriptions = [SubscriptionRow(topic="alertes", created_at=hub.now())]
            session.add(row)
        announce(hub, "Crue de la Marne", topics=["alertes"], urgent=True)
        release_due(hub)
        worker = Worker(hub, {"webpush": build_channels(hub.settings)["webpush"]}, poll=False)

        await run_until_settled(worker, hub)
    recorded = deliveries(hub)
    hub.close()

    assert recorded == [
        (
            "failed",
            "abonnement inutilisable : "
            "l'adresse du service de notification doit commencer par https://",
        )
    ]
    assert service.requests == 0
