"""The Telegram bot's pure pieces for issue 8: what /mesdonnees says of the alerts received,
reading the hub's export, and the flood control's verdicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from arobase.town import load_town
from bot.telegram.app import received_alerts
from bot.telegram.flood import ChatFlood, Verdict
from bot.telegram.texts import ReceivedAlerts, my_data
from bot.telegram.texts import received_alerts as received_text
from notifications.subscribers import add_subscriber
from tests.hub_support import TOWN_FILE, make_test_hub, migrated_sqlite

PARIS = ZoneInfo("Europe/Paris")
TOWN = load_town(TOWN_FILE)
SUMMER = datetime(2026, 7, 14, 20, 5, tzinfo=UTC)  # 22:05 in Trilport (summer time)
WINTER = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)  # 07:30 in Trilport (winter time)


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (ReceivedAlerts(0, ()), ["Alertes reçues ici : aucune pour le moment."]),
        (ReceivedAlerts(1, ((SUMMER, "Feu d'artifice reporté"),)),
         ["L'alerte reçue ici :", "- 14/07/2026 à 22:05 : Feu d'artifice reporté"]),
        (ReceivedAlerts(2, ((WINTER, "Verglas"), (SUMMER, "Canicule"))),
         ["Les 2 alertes reçues ici, de la plus récente à la plus ancienne :",
          "- 25/11/2026 à 07:30 : Verglas", "- 14/07/2026 à 22:05 : Canicule"]),
        (ReceivedAlerts(40, ((WINTER, "Verglas"),)),
         ["La dernière des 40 alertes reçues ici :", "- 25/11/2026 à 07:30 : Verglas",
          "Pour recevoir la liste complète, appelez la mairie au 01 99 00 10 00."]),
        (ReceivedAlerts(1, ((WINTER, "Route\n  barrée " + "très " * 40),)),
         ["L'alerte reçue ici :",
          "- 25/11/2026 à 07:30 : Route barrée " + ("très " * 40)[:106].rstrip() + "…"]),
    ],
)  # fmt: skip
def test_the_alerts_received_are_listed_with_their_local_date(
    received: ReceivedAlerts, expected: list[str]
) -> None:
    assert received_text(received, TOWN, PARIS).splitlines() == expected


def delivery(title: str, status: str, sent: datetime | None) -> dict:
    """One entry of the hub's export (notifications.subscribers.export_subscriber)."""
    return {"message": 1, "titre": title, "etat": status, "tentatives": 1,
            "envoye_le": sent.isoformat() if sent else None, "derniere_erreur": None}  # fmt: skip


def test_the_export_gives_the_sent_alerts_newest_first_and_their_count() -> None:
    first = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    envois = [delivery(f"n° {n}", "sent", first + timedelta(hours=n)) for n in (3, 0, 14, 7)]
    envois += [delivery("échec", "failed", None), delivery("attente", "pending", None)]
    envois += [delivery("ancienne", "sent", datetime(2026, 1, 1, 12, 0))]  # naive: UTC
    received = received_alerts({"abonne": {}, "envois": envois}, keep=3)
    assert received == ReceivedAlerts(
        total=5,
        latest=(
            (first + timedelta(hours=14), "n° 14"),
            (first + timedelta(hours=7), "n° 7"),
            (first + timedelta(hours=3), "n° 3"),
        ),
    )


def test_my_data_with_many_long_alerts_fits_one_telegram_message(tmp_path: Path) -> None:
    hub = make_test_hub(migrated_sqlite(tmp_path / "hub.db"))
    try:
        subscriber = add_subscriber(hub, "telegram", "42", ["travaux"])
    finally:
        hub.close()
    latest = tuple((WINTER, "Très long titre " * 50) for _ in range(10))
    text = my_data(42, subscriber, ReceivedAlerts(500, latest), TOWN, PARIS)
    assert len(text) <= 4096
    assert "Les 10 dernières des 500 alertes reçues ici :" in text.splitlines()


@pytest.mark.parametrize(
    ("times", "verdicts"),
    [
        # 3 a minute: the fourth is told to slow down, the next ones get nothing.
        ([0, 1, 2, 3, 4, 5], "PPPWDD"),
        # Once the first left the window, one is heard; overdoing it again warns again.
        ([0, 1, 2, 3, 4, 60.5, 60.6, 60.7], "PPPWDPWD"),
        # Spread out: never refused.
        ([0, 25, 50, 75, 100, 125], "PPPPPP"),
    ],
)
def test_flood_control_warns_once_then_drops(times: list[float], verdicts: str) -> None:
    flood = ChatFlood(per_minute=3)
    letters = {Verdict.PASS: "P", Verdict.WARN: "W", Verdict.DROP: "D"}
    assert "".join(letters[flood.check(42, 1000 + t)] for t in times) == verdicts
    assert flood.check(7, 1000 + times[-1]) is Verdict.PASS  # other chats are not affected
