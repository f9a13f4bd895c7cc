"""Many Web Push subscribers at once, for the no-hostage tests and benchmark."""

from __future__ import annotations

import json
from collections.abc import Iterable

from notifications.hub import Hub
from notifications.store.subscriber_rows import new_subscriber
from notifications.store.tables import SubscriptionRow
from tests.fakes.push_service import make_subscription


def push_subscribers(
    hub: Hub, endpoints: Iterable[str], topics: Iterable[str], keys: dict[str, str] | None = None
) -> list[int]:
    """Confirmed Web Push subscribers at ENDPOINTS, without quiet hours (so that an ordinary
    message is due at any hour of the test); their ids, in order.

    KEYS (p256dh, auth) are shared by all when given: a service that never answers needs no
    one to decrypt; else each gets the keys of a browser made for its endpoint.
    """
    now, topics = hub.now(), list(topics)
    rows = []
    with hub.db.session() as session:
        for endpoint in endpoints:
            params = keys or subscription_keys(endpoint)
            row = new_subscriber("webpush", endpoint, params, now, quiet=(None, None))
            row.subscriptions = [SubscriptionRow(topic=t, created_at=now) for t in topics]
            session.add(row)
            rows.append(row)
        session.flush()
        return [row.id for row in rows]


def subscription_keys(endpoint: str) -> dict[str, str]:
    """The (p256dh, auth) of a new browser subscription to ENDPOINT."""
    base, _, id = endpoint.rpartition("/push/")
    subscription, _keys = make_subscription(base, id)
    return dict(json.loads(subscription)["keys"])
