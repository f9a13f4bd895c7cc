"""Benchmarks of the notification hub, one figure per line.

- Telegram fan-out of 5,000 messages through a real `arobase worker` process to the fake Bot
  API enforcing 30 messages a second (like Telegram): the effective rate at the fake server;
- webhook fan-out through apprise `json://` to a local server: messages per second;
- SMS fan-out through a real worker to a loopback gateway (apprise `json://`) at the configured
  rate, under a monthly budget smaller than the audience: the rate at the gateway, and what
  was spent against the budget;
- one poll cycle over 500 unchanged feeds answering 304;
- the worker's resident memory after the Telegram fan-out;
- an urgent alert's latency, through a real worker, to a resident subscribed after 1,000 Web
  Push subscribers whose push service never answers (target: under 5 s).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import tempfile
import time
from pathlib import Path

from bench.assistant_bench import figure, rss_mb
from notifications.budget import month_spending
from notifications.fetch import make_http_client
from notifications.hub import Hub, system_clock
from notifications.messages import announce
from notifications.outbox import delivery_stats, release_due
from notifications.poller import poll_due
from notifications.source_admin import add_source, make_spec
from notifications.vapid import generate_vapid_keys
from tests.fakes.feed_server import feed_server
from tests.fakes.hanging import running_hanging_server
from tests.fakes.push_service import running_fake_push_service
from tests.fakes.telegram_api import running_fake_telegram
from tests.fakes.webhook import running_fake_webhook
from tests.hub_support import FakeClock, bulk_subscribers, make_test_hub, migrated_sqlite
from tests.push_crowd import push_subscribers, subscription_keys
from tests.worker_processes import wait_until, worker_env, workers

TELEGRAM_MESSAGES = 5000
WEBHOOK_MESSAGES = 2000
SMS_SUBSCRIBERS = 400
SMS_RATE = 20  # AROBASE_SMS_RATE for the benchmark (the default, 5 a second, would take minutes)
SMS_BUDGET = 300  # one SMS each: the last 100 subscribers are over budget
FEEDS = 500
HANGING_SUBSCRIBERS = 1000


def fresh_hub(folder: Path, name: str, clock=system_clock) -> Hub:
    return make_test_hub(migrated_sqlite(folder / name), clock)


def wait_sent(hub: Hub, total: int, processes: list[subprocess.Popen], timeout: float) -> None:
    try:
        wait_until(
            lambda: sum(s.sent + s.failed for s in delivery_stats(hub)) >= total,
            timeout,
            f"{total} deliveries done",
            processes,
            # Rarely: the fake Bot API runs in this process, and a busy check would slow it.
            every=0.1,
        )
    except (TimeoutError, RuntimeError) as error:
        raise RuntimeError(f"fan-out not finished: {delivery_stats(hub)}") from error


def telegram_fan_out(folder: Path) -> None:
    hub = fresh_hub(folder, "telegram.db")
    bulk_subscribers(
        hub, "telegram", [str(10_000 + n) for n in range(TELEGRAM_MESSAGES)], ["alertes"]
    )
    announce(hub, "Coupure d'eau", body="Rue de Meaux, de 9 h à 12 h.", topics=["alertes"])
    release_due(hub)
    with running_fake_telegram(max_per_second=30) as fake:
        env = worker_env(hub.settings.database_url, fake)  # the default rate: 29 a second
        with workers(1, env, folder) as processes:
            fake.wait_for_messages(TELEGRAM_MESSAGES, timeout=TELEGRAM_MESSAGES / 20)
            wait_sent(hub, TELEGRAM_MESSAGES, processes, 60)
            memory = rss_mb(processes[0].pid)
        times = sorted(m.at for m in fake.messages.items())
        figure(
            "telegram_fanout_5000_effective_rate",
            (len(times) - 1) / (times[-1] - times[0]),
            "msg/s",
        )
        figure("telegram_fanout_429_answers", fake.rate_limited, "answers")
        figure("worker_rss_after_telegram_fanout", memory, "MB")


def webhook_fan_out(folder: Path) -> None:
    hub = fresh_hub(folder, "webhook.db")
    with running_fake_webhook() as hook:
        urls = [f"json://{hook.host_port}/resident/{n}" for n in range(WEBHOOK_MESSAGES)]
        bulk_subscribers(hub, "apprise", urls, ["evenements"])
        announce(hub, "Marché de Noël", body="Samedi, place de la Mairie.", topics=["evenements"])
        release_due(hub)
        env = worker_env(hub.settings.database_url)
        with workers(1, env, folder) as processes:
            hook.wait_for_posts(1, timeout=60)
            started = time.perf_counter()
            hook.wait_for_posts(WEBHOOK_MESSAGES, timeout=600)
            elapsed = time.perf_counter() - started
            wait_sent(hub, WEBHOOK_MESSAGES, processes, 60)
        figure("apprise_webhook_fanout_rate", (WEBHOOK_MESSAGES - 1) / elapsed, "msg/s")


def sms_fan_out(folder: Path) -> None:
    hub = fresh_hub(folder, "sms.db")
    numbers = [f"+336{n:08d}" for n in range(SMS_SUBSCRIBERS)]
    bulk_subscribers(hub, "sms", numbers, ["alertes"])
    announce(hub, "Coupure d'eau", body="Rue de Meaux, de 9 h à 12 h.", topics=["alertes"])
    release_due(hub)
    with running_fake_webhook() as gateway:
        env = worker_env(
            hub.settings.database_url,
            sms_gateway=f"json://{gateway.host_port}/sms",
            sms_rate=str(SMS_RATE),
            sms_monthly_budget=str(SMS_BUDGET),
        )
        with workers(1, env, folder) as processes:
            gateway.wait_for_posts(1, timeout=60)
            started = time.perf_counter()
            gateway.wait_for_posts(SMS_BUDGET, timeout=SMS_BUDGET)
            elapsed = time.perf_counter() - started
            wait_sent(hub, SMS_SUBSCRIBERS, processes, 60)
        figure(f"sms_fanout_rate_configured_{SMS_RATE}_per_s", (SMS_BUDGET - 1) / elapsed, "SMS/s")
        figure(f"sms_sent_with_a_budget_of_{SMS_BUDGET}", len(gateway.posts.items()), "SMS")
        figure("sms_spent_this_month", month_spending(hub, "sms").spent, "SMS")


def poll_cycle(folder: Path) -> None:
    clock = FakeClock()
    hub = fresh_hub(folder, "feeds.db", clock)
    with feed_server() as server:
        for number in range(FEEDS):
            add_source(
                hub, make_spec(hub, f"flux-{number}", "rss", url=f"{server.url}/feeds/{number}.rss")
            )

        async def cycle() -> tuple[float, int]:
            async with make_http_client(allow_local=True) as client:  # the feed server
                await poll_due(hub, client)  # first poll: 200, silent
                clock.advance(hub.settings.poll_interval)
                started = time.perf_counter()
                reports = await poll_due(hub, client)
                return time.perf_counter() - started, sum(r.not_modified for r in reports)

        elapsed, unchanged = asyncio.run(cycle())
    if unchanged != FEEDS:
        raise RuntimeError(f"only {unchanged} of {FEEDS} feeds answered 304")
    figure("poll_cycle_500_unchanged_feeds", elapsed * 1000, "ms")


def urgent_behind_hanging_push(folder: Path) -> None:
    """1,000 subscribers on a push service that never answers, an ordinary message already
    going out to them, then an urgent alert to them and to one resident on a good service,
    subscribed last (claimed last among the urgent rows): seconds from the announcement to the
    resident's push service receiving it.

    The same at any hour: the subscribers have no quiet hours and the alert is urgent, so
    nothing waits for the morning whatever the worker's clock says.
    """
    hub = fresh_hub(folder, "hostage.db")
    private_key, public_key = generate_vapid_keys()
    env = worker_env(
        hub.settings.database_url,
        webpush_private_key=private_key,
        webpush_public_key=public_key,
        webpush_allow_local="true",  # both push services listen on loopback
    )
    with running_fake_push_service() as good, running_hanging_server() as hanging:
        endpoints = [f"{hanging.url}/push/{n}" for n in range(HANGING_SUBSCRIBERS)]
        keys = subscription_keys(endpoints[0])
        push_subscribers(hub, endpoints, ["travaux", "alertes"], keys)
        resident = json.loads(good.subscribe("resident"))
        push_subscribers(hub, [resident["endpoint"]], ["alertes"], resident["keys"])
        announce(hub, "Travaux rue de Meaux", body="De 9 h à 12 h.", topics=["travaux"])
        release_due(hub)
        with workers(1, env, folder):
            try:
                hanging.requests.wait_for(hub.settings.destination_concurrency, timeout=60)
                started = time.perf_counter()
                alert = "Crue de la Marne"
                announce(hub, alert, body="Évacuez les berges.", topics=["alertes"], urgent=True)
                good.received.wait_for(1, timeout=120)
                latency = time.perf_counter() - started
            finally:
                hanging.release()  # the worker's sends fail at once: it stops without waiting
    figure("urgent_alert_latency_1000_hanging_push", latency, "s")


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        telegram_fan_out(folder)
        webhook_fan_out(folder)
        sms_fan_out(folder)
        poll_cycle(folder)
        urgent_behind_hanging_push(folder)


if __name__ == "__main__":
    main()
