"""The assistant's replies about alerts say when the subscriber's own alerts come."""

from __future__ import annotations

import pytest

from actions.alert_replies import subscribed
from arobase.alert_hours import alert_hours, spoken_hour
from arobase.settings import ROOT
from arobase.town import load_town

TOWN_FILE = ROOT / "town" / "trilport.yml"


@pytest.mark.parametrize(
    ("hhmm", "spoken"), [("07:00", "7 h"), ("21:30", "21 h 30"), ("00:05", "0 h 05")]
)
def test_hours_are_spoken(hhmm: str, spoken: str) -> None:
    assert spoken_hour(hhmm) == spoken


@pytest.mark.parametrize(
    ("quiet", "sentence"),
    [
        ("22:00-07:00", "Les alertes urgentes arrivent à toute heure, les autres entre 7 h et "
         "22 h."),
        ("21:30-06:45", "Les alertes urgentes arrivent à toute heure, les autres entre 6 h 45 et "
         "21 h 30."),
        (None, "Les alertes arrivent à toute heure."),
    ],
)  # fmt: skip
def test_alert_hours_follow_the_quiet_hours(quiet: str | None, sentence: str) -> None:
    assert alert_hours(quiet) == sentence


@pytest.mark.parametrize(
    ("added", "quiet", "text"),
    [
        (("travaux",), "22:00-07:00",
         "C'est fait : vous recevrez ici les alertes « Travaux ». Les alertes urgentes arrivent "
         "à toute heure, les autres entre 7 h et 22 h. Pour choisir vos thèmes : /alertes. Pour "
         "tout arrêter : /stop."),
        ((), None,
         "Vous recevez déjà ici les alertes « Travaux ». Les alertes arrivent à toute heure. "
         "Pour choisir vos thèmes : /alertes. Pour tout arrêter : /stop."),
    ],
)  # fmt: skip
def test_a_subscription_reply_says_when_its_alerts_come(
    added: tuple[str, ...], quiet: str | None, text: str
) -> None:
    assert subscribed(load_town(TOWN_FILE), added, ("travaux",), quiet).text == text
