"""A subscriber's quiet hours are stored as chosen, "none" included, and decide the fan-out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import release_due
from notifications.store.tables import DeliveryRow
from notifications.subscribers import add_subscriber
from tests.hub_support import FakeClock

# 02:00 UTC on Tuesday 1 December 2026 is 03:00 in Trilport: inside the default quiet hours.
NIGHT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
MORNING = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 07:00 in Trilport


@pytest.mark.parametrize(
    ("quiet", "stored", "due"),
    [
        ("non", None, NIGHT),  # no quiet hours: the alert goes at once, even at 3 a.m.
        (None, "22:00-07:00", MORNING),  # the default: held until 07:00
        ("01:00-02:00", "01:00-02:00", NIGHT),  # 03:00 is outside 01:00-02:00
    ],
)
def test_quiet_hours_are_stored_as_chosen_and_decide_when_an_alert_goes(
    hub: Hub, clock: FakeClock, quiet: str | None, stored: str | None, due: datetime
) -> None:
    clock.set(NIGHT)
    info = add_subscriber(hub, "telegram", "4242", ["travaux"], quiet=quiet)
    assert info.quiet == stored
    announce(hub, "Chantier rue de Meaux", body="Circulation alternée.", topics=["travaux"])
    release_due(hub)
    with hub.db.reading() as session:
        (not_before,) = session.scalars(select(DeliveryRow.next_attempt_at)).all()
    assert not_before == due
