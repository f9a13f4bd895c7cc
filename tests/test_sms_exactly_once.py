"""SMS exactly once across a crash: real `arobase worker` processes, SIGKILLed, sending through
apprise to a loopback gateway (tests/fakes/webhook.py records an SMS only when it answered)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from notifications.hub import Hub, system_clock
from notifications.messages import announce
from notifications.outbox import delivery_stats, release_due
from notifications.store.tables import DeliveryRow
from tests.fakes.webhook import FakeWebhook, running_fake_webhook
from tests.hub_support import bulk_subscribers, make_test_hub, migrated_sqlite
from tests.worker_processes import crash_mid_send_then_resume, worker_env

FAN_OUT = 600


@pytest.fixture
def gateway() -> Iterator[FakeWebhook]:
    with running_fake_webhook() as fake:
        yield fake


def numbers(count: int) -> list[str]:
    return [f"+336{n:08d}" for n in range(count)]


def count(hub: Hub, status: str) -> int:
    with hub.db.session() as session:
        query = select(func.count(DeliveryRow.id)).where(DeliveryRow.status == status)
        return session.scalar(query) or 0


def received(gateway: FakeWebhook) -> Counter[str]:
    return Counter(post.path.removeprefix("/sms/") for post in gateway.posts.items())


def test_a_killed_worker_loses_no_sms_and_sends_none_twice(
    tmp_path: Path, gateway: FakeWebhook
) -> None:
    hub = make_test_hub(migrated_sqlite(tmp_path / "hub.db"), system_clock)
    bulk_subscribers(hub, "sms", numbers(FAN_OUT), ["alertes"])
    announce(hub, "Coupure d'eau rue de Meaux", body="De 9 h à 12 h.", topics=["alertes"])
    release_due(hub)
    env = worker_env(
        hub.settings.database_url,
        sms_gateway=f"json://{gateway.host_port}/sms",
        sms_rate="2000",
        worker_lease="3",  # a dead worker's rows come back soon
    )
    # Mid fan-out: the SMS in flight stay unanswered, then the worker dies with them.
    in_flight = crash_mid_send_then_resume(
        env, tmp_path, gateway, lambda: len(gateway.posts), lambda s: count(hub, s), FAN_OUT
    )
    per_number = received(gateway)
    assert set(per_number) == set(numbers(FAN_OUT))
    assert max(per_number.values()) == 1, [n for n, times in per_number.items() if times > 1][:10]
    (stats,) = delivery_stats(hub)
    assert (stats.sent, stats.failed, stats.pending) == (FAN_OUT, 0, 0)
    print(f"\nkilled with {in_flight} SMS in flight; all {FAN_OUT} delivered once")
