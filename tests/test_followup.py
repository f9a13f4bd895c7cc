"""What a follow-up asks, read from the words residents use (arobase.followup)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from arobase.followup import asked_detail, mentions_time

NOW = dt.datetime(2026, 11, 25, 10, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("c'est combien ?", "cost"),
        ("C'est payant ?", "cost"),
        ("ça coûte cher ?", "cost"),
        ("quel est le prix", "cost"),
        ("c gratuit ?", "cost"),
        ("quels papiers ?", "documents"),
        ("docs ?", "documents"),
        ("il faut quels papiers ?", "documents"),
        ("je dois apporter quoi", "documents"),
        ("quelles pièces justificatives ?", "documents"),
        ("ça prend combien de temps ?", "delay"),  # « combien » of time is not a price
        ("c'est long ?", "delay"),
        ("délai ?", "delay"),
        ("je l'aurai quand", "delay"),
        ("c'est où ?", "where"),
        ("je dois aller où ?", "where"),
        ("à quelle adresse ?", "where"),
        ("à côté de quoi ?", None),  # « côté » is not « coûte »
        ("et alors ?", None),
    ],
)
def test_asked_detail(text: str, detail: str | None) -> None:
    assert asked_detail(text) == detail


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("et lundi ?", True),
        ("et demain matin", True),
        ("et maintenant ?", True),
        ("c'est ouvert en ce moment ?", True),
        ("et la médiathèque ?", False),
        ("horaires de la mairie", False),
    ],
)
def test_mentions_time(text: str, expected: bool) -> None:
    assert mentions_time(text, NOW) is expected
