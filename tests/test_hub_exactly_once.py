"""Exactly once, across crashes and processes: real `arobase worker` processes, SIGKILLed.

The deliveries go to the fake Telegram Bot API through python-telegram-bot, and the fake
records a message only when it answered it (tests/fakes/telegram_api.py).
"""

from __future__ import annotations

import re
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from notifications.hub import Hub, system_clock
from notifications.messages import announce
from notifications.outbox import delivery_stats, release_due
from notifications.store.migrate import upgrade
from notifications.store.tables import DeliveryRow
from tests.fakes.telegram_api import FakeTelegram, running_fake_telegram
from tests.hub_support import bulk_subscribers, make_test_hub, migrated_sqlite
from tests.postgres import fresh_database
from tests.worker_processes import (
    crash_mid_send_then_resume,
    wait_until,
    worker_env,
    workers,
)

FAN_OUT = 2000
LEASE_SECONDS = 3


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with running_fake_telegram() as fake:
        yield fake


def wait_messages(fake: FakeTelegram, count: int, processes: list[subprocess.Popen]) -> None:
    wait_until(lambda: len(fake.messages) >= count, 180, f"{count} messages", processes)


def telegram_worker_env(database_url: str, fake: FakeTelegram) -> dict[str, str]:
    # The fake enforces no rate here; a short lease brings a dead worker's rows back soon.
    return worker_env(
        database_url,
        fake,
        telegram_rate="5000",
        telegram_concurrency="16",
        worker_lease=str(LEASE_SECONDS),
    )


def count(hub: Hub, status: str) -> int:
    with hub.db.session() as session:
        return (
            session.scalar(select(func.count(DeliveryRow.id)).where(DeliveryRow.status == status))
            or 0
        )


def prepare(hub: Hub, recipients: int) -> set[str]:
    chats = {str(100_000 + n) for n in range(recipients)}
    bulk_subscribers(hub, "telegram", sorted(chats), ["alertes"])
    # An ordinary message on the system clock: its subscribers have no quiet hours, so it
    # goes at once at any hour (the night pass of `make test` runs this at 03:00).
    announce(hub, "Coupure d'eau rue de Meaux", body="De 9 h à 12 h.", topics=["alertes"])
    release_due(hub)
    assert count(hub, "pending") == recipients
    return chats


def received(fake: FakeTelegram) -> Counter[str]:
    return Counter(str(message.chat_id) for message in fake.messages.items())


def sqlite_hub(tmp_path: Path) -> Hub:
    return make_test_hub(migrated_sqlite(tmp_path / "hub.db"), system_clock)


def test_a_killed_worker_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    hub = sqlite_hub(tmp_path)
    chats = prepare(hub, FAN_OUT)
    env = telegram_worker_env(hub.settings.database_url, fake)
    # Mid fan-out: requests in flight stay unanswered, then the worker dies with them.
    in_flight = crash_mid_send_then_resume(
        env, tmp_path, fake, lambda: len(fake.messages), lambda s: count(hub, s), FAN_OUT
    )
    per_chat = received(fake)
    assert set(per_chat) == chats
    assert max(per_chat.values()) == 1, [c for c, n in per_chat.items() if n > 1][:10]
    (stats,) = delivery_stats(hub)
    assert (stats.sent, stats.failed, stats.pending) == (FAN_OUT, 0, 0)
    print(f"\nkilled with {in_flight} deliveries in flight; all {FAN_OUT} delivered once")


def test_a_worker_killed_at_any_moment_loses_nothing(tmp_path: Path, fake: FakeTelegram) -> None:
    """No pause before the kill: only deliveries in doubt at that instant may come twice.

    A message the service accepted just before the crash, whose "sent" we had not yet
    written, cannot be told apart from one it never got (no idempotency key exists).
    """
    hub = sqlite_hub(tmp_path)
    chats = prepare(hub, 600)
    env = telegram_worker_env(hub.settings.database_url, fake)
    with workers(1, env, tmp_path) as (first,):
        wait_messages(fake, 200, [first])
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    with hub.db.session() as session:
        in_doubt = set(
            session.scalars(select(DeliveryRow.target).where(DeliveryRow.status == "sending"))
        )
    with workers(1, env, tmp_path) as second:
        wait_until(lambda: count(hub, "sent") == 600, 120, "all deliveries recorded", second)
    per_chat = received(fake)
    assert set(per_chat) == chats  # nothing lost
    twice = {chat for chat, n in per_chat.items() if n > 1}
    assert all(f"subscriber:{s}" in in_doubt for s in _ids(hub, twice))
    assert len(twice) <= len(in_doubt) <= 16  # at most the worker's sends in flight


def _ids(hub: Hub, chats: set[str]) -> list[int]:
    from notifications.store.tables import SubscriberRow

    with hub.db.session() as session:
        return list(
            session.scalars(select(SubscriberRow.id).where(SubscriberRow.address.in_(chats)))
        )


def test_three_workers_on_postgresql_share_the_work_without_duplicates(
    tmp_path: Path, fake: FakeTelegram, postgres_admin: str
) -> None:
    url = fresh_database(postgres_admin, "three_workers")
    upgrade(url)
    hub = make_test_hub(url, system_clock)
    chats = prepare(hub, FAN_OUT)
    env = telegram_worker_env(url, fake)
    fake.hold()  # until every worker has claimed its first batch: each must take a share
    with workers(3, env, tmp_path) as processes:
        wait_until(lambda: len(claimers(hub)) == 3, 60, "three workers claiming", processes)
        fake.release()
        wait_messages(fake, FAN_OUT, processes)
        wait_until(lambda: count(hub, "sent") == FAN_OUT, 60, "all recorded", processes)
        assert all(p.poll() is None for p in processes)
    per_chat = received(fake)
    assert set(per_chat) == chats
    assert max(per_chat.values()) == 1
    # Each worker says at exit how many it sent: together all of them, each a share.
    shares = [sent_by(tmp_path / f"worker-{n}.log") for n in range(3)]
    assert sum(shares) == FAN_OUT and min(shares) > 0, shares


def claimers(hub: Hub) -> set[str]:
    with hub.db.session() as session:
        return set(
            session.scalars(
                select(DeliveryRow.claimed_by).where(DeliveryRow.status == "sending").distinct()
            )
        )


def sent_by(log: Path) -> int:
    match = re.search(r"stopped: (\d+) sent", log.read_text())
    assert match, log.read_text()[-2000:]
    return int(match.group(1))
