"""Benchmark of the staff console (issue 10), one figure per line.

A fresh hub database (SQLite in a scratch folder, then PostgreSQL when its server is
installed), migrated the normal way and seeded in bulk: 10,000 subscribers over the four
channels with their topics, 200 messages over 30 days, 100,000 deliveries (≈95 % sent, 3 %
failed, some pending or cancelled), one message of them sent to all 10,000, sources, staff
accounts and 2,000 audit entries. The real web app (uvicorn, its own process) serves it; an
admin logs in through the form, then:

- each console page answering 200, and the town app (its home /app, one topic's news), is
  fetched 200 times: its p50 and p95 (target ≤ 200 ms);
- the compose form is posted with « Publier » to every topic (10,000 subscribers reachable):
  the seconds until its 303 (target ≤ 1 s; the fan-out runs behind), then, outside that time,
  the message is checked in the database and a real `arobase worker` must write its deliveries.

No address reaches outside this machine: Telegram is not configured, e-mail goes to the
default SMTP host on loopback, push and apprise addresses are loopback ones.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from arobase.settings import ROOT
from arobase.town import load_town
from bench.assistant_bench import figure, percentile
from bot.web.console.announcement_render import COMPOSE_PATH, PUBLISH
from notifications.destinations import destination_of
from notifications.hub import Hub, system_clock
from notifications.messages import get_message
from notifications.outbox import delivery_stats
from notifications.reach import audience
from notifications.staff import add_staff
from notifications.store.console_tables import StaffAuditRow
from notifications.store.migrate import upgrade
from notifications.store.tables import (
    DeliveryRow,
    ItemRow,
    MessageRow,
    SourceRow,
    SubscriberRow,
    SubscriptionRow,
)
from tests.hub_support import TOWN_FILE, make_test_hub, migrated_sqlite
from tests.postgres import fresh_database, running_postgres, server_bin
from tests.servers import closed_port_url, free_port
from tests.stack import wait_until_ready
from tests.worker_processes import wait_until, worker_env, workers

SUBSCRIBERS = 10_000
MESSAGES = 200
DELIVERIES = 100_000
DAYS = 30
SAMPLES = 200  # GETs per page
TARGET_MS = 200
PUBLISH_TARGET_S = 1.0
CHANNELS = {"telegram": 45, "email": 30, "webpush": 20, "apprise": 5}  # shares, %
STATUSES = {"sent": 950, "failed": 30, "pending": 15, "cancelled": 5}  # shares, ‰
BIG = MESSAGES - 40  # the message sent to every subscriber, about six days ago
SCHEDULED, CANCELLED = 3, 2  # the last messages: still scheduled; the ones before: cancelled
AUDIT_ENTRIES = 2000
CHUNK = 5000  # rows per executemany
ADMIN = "secretaire@trilport.example"
PASSWORD = "le lavoir de Trilport en hiver"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PAGES = {
    "accueil": "/console",
    "annonces": "/console/annonces",
    "nouvelle annonce": COMPOSE_PATH,
    "annonce à 10000 envois": "/console/annonces/{big}",
    "journal": "/console/journal",
    "tableau de bord": "/console/tableau-de-bord",
    "contenu": "/console/contenu",
    "guichet": "/console/guichet",
    # The residents' town app, on the same 30 days of messages (issue 12).
    "application (accueil)": "/app",
    "application (un sujet)": "/app?sujet=travaux",  # up to 300 messages read for one topic
}


def insert(hub: Hub, table: Any, rows: list[dict[str, Any]]) -> None:
    """ROWS into TABLE, an executemany per CHUNK rows, in one transaction."""
    with hub.db.engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            connection.execute(table.__table__.insert(), rows[start : start + CHUNK])


def ids(hub: Hub, *columns: Any) -> list[Any]:
    with hub.db.engine.connect() as connection:
        query = columns[0].table.select().with_only_columns(*columns).order_by(columns[0])
        return list(connection.execute(query))


def address(channel: str, number: int) -> tuple[str, dict[str, str]]:
    """A subscriber's address and params on CHANNEL; loopback wherever a service is asked."""
    if channel == "telegram":
        return str(600_000_000 + number), {}
    if channel == "email":
        return f"habitant{number}@exemple.fr", {}
    if channel == "webpush":
        keys = {"p256dh": f"BP{number:08d}" + "A" * 77, "auth": f"auth{number:08d}AAAAAA"}
        return f"https://127.0.0.1:9/wpush/v2/{number}", keys
    return f"json://127.0.0.1:9/habitant/{number}", {}


def seed_subscribers(hub: Hub, rng: random.Random, now: datetime, topics: list[str]) -> None:
    rows = []
    for number in range(SUBSCRIBERS):
        channel = rng.choices(list(CHANNELS), list(CHANNELS.values()))[0]
        where, params = address(channel, number)
        consent = now - timedelta(days=rng.uniform(DAYS, 365))
        gone = rng.random() < 0.03
        quiet = rng.random() < 0.3
        rows.append(
            {
                "channel": channel,
                "address": where,
                "params": params,
                "token": f"jeton-{number:08d}-{rng.getrandbits(64):016x}",
                "consent_at": consent,
                "confirmed_at": None if channel == "email" and rng.random() < 0.05 else consent,
                "active": not gone,
                "deactivated_reason": "le résident a bloqué le bot" if gone else None,
                "deactivated_at": now - timedelta(days=rng.uniform(0, DAYS)) if gone else None,
                "quiet_start": "22:00" if quiet else None,
                "quiet_end": "07:00" if quiet else None,
                "digest": rng.random() < 0.05,
                "digest_at": "18:00",
                "created_at": consent,
            }
        )
    insert(hub, SubscriberRow, rows)
    insert(
        hub,
        SubscriptionRow,
        [
            {
                "subscriber_id": subscriber_id,
                "topic": topic,
                "created_at": now - timedelta(days=DAYS),
            }
            for (subscriber_id,) in ids(hub, SubscriberRow.id)
            for topic in rng.sample(topics, rng.randint(1, 4))
        ],
    )


def seed_sources_and_messages(
    hub: Hub, rng: random.Random, now: datetime, topics: list[str]
) -> None:
    kinds = ["rss", "rss", "rss", "youtube", "council", "rss"]
    insert(
        hub,
        SourceRow,
        [
            {
                "name": f"bench-{number}",
                "kind": kind,
                "url": f"https://www.exemple.fr/flux/{number}",
                "topic": topics[number % len(topics)],
                "origin": "cli",
                "primed": True,
                "next_poll_at": now + timedelta(minutes=10),
                "last_polled_at": now - timedelta(minutes=5),
                "last_ok_at": now - timedelta(minutes=5) if number else now - timedelta(days=2),
                "failures": 0 if number else 4,
                "last_error": None if number else "le serveur a répondu 503",
                "created_at": now - timedelta(days=90),
            }
            for number, kind in enumerate(kinds)
        ],
    )
    sources = [source_id for (source_id,) in ids(hub, SourceRow.id)]
    start = now - timedelta(days=DAYS)
    step = timedelta(days=DAYS) / MESSAGES
    items, messages = [], []
    for number in range(MESSAGES):
        at = start + step * number
        status = "sent"
        if number >= MESSAGES - SCHEDULED:
            at, status = now + timedelta(days=number - MESSAGES + SCHEDULED + 1), "scheduled"
        elif number >= MESSAGES - SCHEDULED - CANCELLED:
            status = "cancelled"
        from_feed = number % 3 != 0 and number != BIG
        title = f"{'Actualité' if from_feed else 'Annonce'} n° {number} de la mairie"
        topic_list = topics if number == BIG else rng.sample(topics, rng.randint(1, 2))
        if from_feed:
            items.append(
                {
                    "source_id": sources[number % len(sources)],
                    "guid": f"bench-{number}",
                    "title": title,
                    "link": f"https://www.exemple.fr/actualites/{number}",
                    "summary": "Résumé de l'actualité.",
                    "topics": topic_list,
                    "published_at": at,
                    "created_at": at,
                }
            )
        messages.append(
            {
                "kind": "item" if from_feed else "staff",
                "title": title,
                "body": "Texte de l'annonce, quelques phrases pour les habitants. " * 3,
                "link": f"https://www.exemple.fr/actualites/{number}",
                "topics": topic_list,
                "urgent": number % 50 == 7,
                "status": status,
                "scheduled_at": at,
                "released_at": at if status == "sent" else None,
                "created_at": min(at, now),
            }
        )
    insert(hub, ItemRow, items)
    insert(hub, MessageRow, messages)


def seed_deliveries(hub: Hub, rng: random.Random, now: datetime) -> int:
    """The deliveries of the sent messages; the id of the one sent to every subscriber."""
    subscribers = ids(hub, SubscriberRow.id, SubscriberRow.channel, SubscriberRow.address)
    destinations = {s_id: destination_of(channel, where) for s_id, channel, where in subscribers}
    sent = ids(hub, MessageRow.id, MessageRow.released_at, MessageRow.urgent, MessageRow.status)
    sent = [row for row in sent if row[3] == "sent"]
    big = sent[BIG][0]
    others = len(sent) - 1
    rows = []
    for index, (message_id, released, urgent, _) in enumerate(sent):
        share = (DELIVERIES - SUBSCRIBERS) // others + (index < (DELIVERIES - SUBSCRIBERS) % others)
        chosen = subscribers if message_id == big else rng.sample(subscribers, share)
        statuses = rng.choices(list(STATUSES), list(STATUSES.values()), k=len(chosen))
        for (subscriber_id, channel, _), status in zip(chosen, statuses, strict=True):
            later = released + timedelta(seconds=rng.uniform(1, 600))
            rows.append(
                {
                    "message_id": message_id,
                    "subscriber_id": subscriber_id,
                    "target": f"subscriber:{subscriber_id}",
                    "channel": channel,
                    "status": status,
                    "urgent": urgent,
                    "destination": destinations[subscriber_id],
                    "attempts": {"sent": 1, "failed": 3, "pending": 1, "cancelled": 0}[status],
                    "next_attempt_at": later if status != "pending" else now + timedelta(hours=1),
                    "last_error": "le service a refusé l'envoi (400)"
                    if status == "failed"
                    else None,
                    "sent_at": later if status == "sent" else None,
                    "created_at": released,
                }
            )
    insert(hub, DeliveryRow, rows)
    return big


def seed(hub: Hub, topics: list[str]) -> int:
    """The whole database of a commune after a month; the message sent to everyone."""
    rng, now = random.Random(2026), hub.now()
    seed_subscribers(hub, rng, now, topics)
    seed_sources_and_messages(hub, rng, now, topics)
    big = seed_deliveries(hub, rng, now)
    add_staff(hub, ADMIN, "admin", PASSWORD, actor="cli")
    for email, role in (("com@trilport.example", "editor"), ("accueil@trilport.example", "agent")):
        add_staff(hub, email, role, actor=ADMIN)
    actions = ["connexion", "annonce publiée", "annonce programmée", "annonce annulée"]
    entries = [
        {
            "at": now - timedelta(days=DAYS) * rng.random(),
            "actor": rng.choice([ADMIN, "com@trilport.example", "cli"]),
            "action": rng.choice(actions),
            "detail": f"n° {rng.randrange(MESSAGES)} : Annonce de la mairie",
        }
        for _ in range(AUDIT_ENTRIES)
    ]
    insert(hub, StaffAuditRow, entries)
    return big


@contextmanager
def web_app(database_url: str, logs: Path) -> Iterator[str]:
    """The web app (uvicorn, its own process) on DATABASE_URL; its base URL."""
    port = free_port()
    env = worker_env(database_url, rasa_url=closed_port_url())
    command = [sys.executable, "-m", "uvicorn", "--factory", "bot.web.app:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    with (logs / "console-web.log").open("w") as out:
        web = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{url}/healthz", web, logs / "console-web.log")
        yield url
    finally:
        web.terminate()
        web.wait(timeout=20)


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    if not found:
        raise RuntimeError(f"no CSRF field in {page.url} ({page.status_code})")
    return found.group(1)


def log_in(client: httpx.Client) -> str:
    """Log in as the admin through the form; the session's CSRF token."""
    form = client.get("/console/connexion")
    data = {"csrf": csrf_of(form), "email": ADMIN, "password": PASSWORD}
    answer = client.post("/console/connexion", data=data)
    if answer.status_code != 303:
        raise RuntimeError(f"log-in refused: {answer.status_code}")
    return csrf_of(client.get(COMPOSE_PATH))


def time_pages(client: httpx.Client, label: str, big: int) -> None:
    for name, path in PAGES.items():
        path = path.format(big=big)
        first = client.get(path)  # warms the process's caches, and tells whether it exists
        if first.status_code != 200:
            print(
                f"{label} {name}: not measured ({path} answers {first.status_code})",
                file=sys.stderr,
            )
            continue
        samples = []
        for _ in range(SAMPLES):
            started = time.perf_counter()
            client.get(path).raise_for_status()
            samples.append((time.perf_counter() - started) * 1000)
        figure(f"{label} {name} p50", percentile(samples, 0.50), "ms")
        figure(f"{label} {name} p95", percentile(samples, 0.95), "ms")
        if percentile(samples, 0.95) > TARGET_MS:
            print(f"{label} {name}: p95 above {TARGET_MS} ms", file=sys.stderr)


def publish(client: httpx.Client, csrf: str, topics: list[str]) -> tuple[int, float]:
    """Post the compose form with « Publier » to every topic: the message's id, the seconds
    until the 303."""
    data = {
        "csrf": csrf,
        "titre": "Coupure d'eau rue de Meaux",
        "texte": "De 9 h à 12 h, mardi. Prévoyez une réserve d'eau.",
        "lien": "https://www.trilport.example/travaux",
        "themes": topics,
        "quand": "maintenant",
        "date": "",
        "heure": "",
        "action": PUBLISH,
    }
    started = time.perf_counter()
    answer = client.post(COMPOSE_PATH, data=data)
    elapsed = time.perf_counter() - started
    location = answer.headers.get("location", "")
    if answer.status_code != 303 or not location.isdigit():
        raise RuntimeError(f"publishing answered {answer.status_code}: {answer.text[:500]}")
    return int(location), elapsed


def fanned_out(hub: Hub, message_id: int, expected: int, database_url: str, logs: Path) -> float:
    """A real worker writes the message's deliveries: the seconds it took, its start included."""
    log = logs / "worker-0.log"
    log.unlink(missing_ok=True)
    started = time.perf_counter()
    with workers(1, worker_env(database_url), logs) as processes:
        try:
            wait_until(
                lambda: written(hub, message_id) >= expected,
                120,
                f"the {expected} deliveries of message {message_id}",
                processes,
                every=0.1,
            )
        except (TimeoutError, RuntimeError):
            print(log.read_text()[-4000:], file=sys.stderr)
            raise
        return time.perf_counter() - started


def written(hub: Hub, message_id: int) -> int:
    """The deliveries of the message in the database, whatever their state."""
    stats = delivery_stats(hub, message_id)
    return sum(s.sent + s.failed + s.pending + s.cancelled for s in stats)


def settle(hub: Hub) -> None:
    """On PostgreSQL, what autovacuum does after bulk writes (statistics, visibility map);
    SQLite gets nothing: neither the app nor its worker ever runs ANALYZE there."""
    if hub.db.engine.dialect.name == "postgresql":
        with hub.db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE")
            )


def measure(database_url: str, label: str, logs: Path) -> None:
    hub = make_test_hub(database_url, system_clock)
    try:
        topics = list(load_town(TOWN_FILE).topics)
        started = time.perf_counter()
        big = seed(hub, topics)
        settle(hub)
        print(f"{label}: seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        reachable = sum(audience(hub, topics).values())
        with (
            web_app(database_url, logs) as url,
            httpx.Client(base_url=url, trust_env=False) as client,
        ):
            csrf = log_in(client)
            time_pages(client, label, big)
            message_id, elapsed = publish(client, csrf, topics)
        print(f"{label} publish to {SUBSCRIBERS} subscribers: {elapsed:.2f} s", flush=True)
        stored = get_message(hub, message_id)
        if stored.title != "Coupure d'eau rue de Meaux" or set(stored.topics) != set(topics):
            raise RuntimeError(f"the published message is not the one stored: {stored}")
        seconds = fanned_out(hub, message_id, reachable, database_url, logs)
        figure(f"{label} worker fan-out of {reachable} deliveries written", seconds, "s")
    finally:
        hub.close()


def main() -> None:
    logs = ROOT / "var" / "bench-logs"
    logs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        measure(migrated_sqlite(Path(scratch) / "console.db"), "console", logs)
        postgres_bench(logs)


def postgres_bench(logs: Path) -> None:
    """The same on a private PostgreSQL cluster, when the server is installed."""
    try:
        server_bin()
    except RuntimeError as missing:
        print(f"console postgresql: not measured ({missing})", file=sys.stderr)
        return
    with running_postgres() as admin:
        url = fresh_database(admin, "console_bench")
        upgrade(url)
        measure(url, "console postgresql", logs)


if __name__ == "__main__":
    main()
