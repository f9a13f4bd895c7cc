"""/metrics over real HTTP (SQLite and PostgreSQL): the hub's state read at the scrape, the
chat's latency, who may read it (loopback, or the bearer token; never a client forwarded by
a proxy without it), and the chat messages counted for the dashboard."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.telegram.app import BotState
from bot.web.app import create_app
from notifications.dashboard import read_dashboard, worker_beat
from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import release_due
from notifications.poller import claim_due_sources, record_failure
from notifications.source_admin import add_source, make_spec
from notifications.subscribers import add_subscriber
from tests.hub_support import START
from tests.servers import serving
from tests.test_web_alerts import app_settings

TOKEN = "jeton-de-supervision-0123456789abcdef"
WORKER = "mairie-srv:4242:a1b2c3"


@pytest.fixture
def site(database_url: str) -> Iterator[str]:
    """The app trusting a reverse proxy on loopback (as one on the same machine would be),
    uvicorn reading no proxy header itself (as the Procfile runs it)."""
    settings = app_settings(database_url, trusted_proxies="127.0.0.1", metrics_token=TOKEN)
    with serving(create_app(settings), proxy_headers=False) as url:
        yield url


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def scrape(site: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=site, trust_env=False) as http:
        return await http.get("/metrics", headers=headers)


async def test_the_hubs_state_is_read_at_each_scrape(site: str, hub: Hub) -> None:
    add_subscriber(hub, "telegram", "1001", ["travaux"])
    announce(hub, "Rue de Meaux fermée", topics=["travaux"])
    release_due(hub)
    add_source(hub, make_spec(hub, "actualites", "rss", url="https://www.trilport.example/a.xml"))
    due = claim_due_sources(hub)[0]
    record_failure(hub, due, "le serveur du flux ne répond pas")
    hub.clock.set(START - timedelta(seconds=12))  # type: ignore[attr-defined]
    worker_beat(hub, WORKER, START - timedelta(hours=1))
    hub.clock.set(START)  # type: ignore[attr-defined]

    response = await scrape(site)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    values = samples(response.text)
    assert values[("arobase_hub_up", ())] == 1
    assert values[("arobase_deliveries", (("channel", "telegram"), ("status", "pending")))] == 1
    assert values[("arobase_queue_pending", ())] == 1
    assert values[("arobase_queue_due", ())] == 1
    assert values[("arobase_queue_oldest_due_seconds", ())] == 0
    assert values[("arobase_source_failures", (("source", "actualites"),))] == 1
    assert values[("arobase_worker_up", ())] == 1
    assert values[("arobase_worker_heartbeat_age_seconds", ())] == 12
    assert values[("arobase_chat_latency_seconds_count", (("front", "web"),))] == 0


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"x-forwarded-for": "203.0.113.7"}, 403),  # a remote client behind the proxy
        ({"x-forwarded-for": "127.0.0.1"}, 403),  # what a client may write itself
        ({"forwarded": "for=203.0.113.7"}, 403),
        ({"x-real-ip": "203.0.113.7"}, 403),
        ({"x-forwarded-for": "203.0.113.7", "authorization": f"Bearer {TOKEN}"}, 200),
        ({"x-forwarded-for": "203.0.113.7", "authorization": "Bearer pas-le-bon"}, 403),
        ({"x-forwarded-for": "203.0.113.7", "authorization": f"Basic {TOKEN}"}, 403),
        ({"authorization": "Bearer pas-le-bon"}, 200),  # loopback: the token is not needed
    ],
)
async def test_only_loopback_or_the_token_may_read_it(
    site: str, hub: Hub, headers: dict[str, str], status: int
) -> None:
    response = await scrape(site, **headers)

    assert response.status_code == status
    assert response.headers["cache-control"] == "no-store"
    if status == 403:
        assert "Accès refusé" in response.text and "arobase_" not in response.text


async def test_without_a_token_a_forwarded_client_is_refused(database_url: str, hub: Hub) -> None:
    settings = app_settings(database_url, trusted_proxies="127.0.0.1")
    with serving(create_app(settings), proxy_headers=False) as url:
        refused = await scrape(url, **{"x-forwarded-for": "203.0.113.7"})
        empty = await scrape(url, **{"x-forwarded-for": "203.0.113.7", "authorization": "Bearer x"})

    assert (refused.status_code, empty.status_code) == (403, 403)


async def test_the_chat_is_timed_and_counted_for_the_dashboard(database_url: str, hub: Hub) -> None:
    """Rasa is down here: the apology is still an answer, timed and counted."""
    with serving(create_app(app_settings(database_url)), proxy_headers=False) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False) as http:
            for question in ("La mairie est ouverte samedi ?", "et lundi ?"):
                reply = await http.post("/api/chat", json={"message": question})
                assert reply.status_code == 200
            values = samples((await http.get("/metrics")).text)
        assert read_dashboard(hub).chats["web"][-1] == 0  # counted in memory until the stop

    assert values[("arobase_chat_latency_seconds_count", (("front", "web"),))] == 2
    assert values[("arobase_chat_latency_seconds_bucket", (("front", "web"), ("le", "+Inf")))] == 2
    assert read_dashboard(hub).chats["web"][-1] == 2  # written when the app stopped


async def test_a_hub_not_set_up_still_answers_with_hub_up_0(tmp_path: Path) -> None:
    settings = app_settings(f"sqlite:///{tmp_path / 'absent.db'}")
    with serving(create_app(settings), proxy_headers=False) as url:
        response = await scrape(url)

    assert response.status_code == 200
    values = samples(response.text)
    assert values[("arobase_hub_up", ())] == 0
    assert not any(name.startswith("arobase_deliveries") for name, _ in values)


async def test_the_telegram_bot_counts_its_messages_and_writes_them_at_stop(hub: Hub) -> None:
    state = BotState(hub.settings, hub, rasa=None)  # type: ignore[arg-type]  # not asked here
    state.count_message()
    state.count_message()
    assert read_dashboard(hub).chats["telegram"][-1] == 0  # in memory until a flush

    assert state.counter is not None
    await state.counter.stop()  # as post_shutdown does

    assert read_dashboard(hub).chats["telegram"][-1] == 2
