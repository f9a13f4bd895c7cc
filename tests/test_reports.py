"""Reports of a problem: the service each kind goes to, its contact and whether it is open
now, the fallbacks, and the French errors of `arobase town check`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from arobase.errors import TownContentError
from arobase.reports import report_answer, route_report
from arobase.town import Town, load_town, parse_town
from tests.contract import PROBLEMS

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "town" / "trilport.yml"
MINIMAL = Path(__file__).resolve().parent / "data" / "town_minimal.yml"
PARIS = ZoneInfo("Europe/Paris")

WEDNESDAY_MORNING = dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)
SATURDAY_NIGHT = dt.datetime(2026, 12, 5, 23, 0, tzinfo=PARIS)
EMERGENCY = (  # the national numbers: 112 (European), 17 (police), 18 (fire brigade)
    "En cas de danger pour des personnes, appelez le 112 "
    "(ou le 17 pour la police, le 18 pour les pompiers)."
)


@pytest.fixture(scope="module")
def town() -> Town:
    return load_town(SAMPLE)


def test_the_sample_routes_every_problem_of_the_contract(town: Town) -> None:
    assert set(town.reports) == PROBLEMS
    assert {k: r.service for k, r in town.reports.items()} == {
        "voirie": "services_techniques",
        "eclairage": "services_techniques",
        "dechets_sauvages": "services_techniques",
        "animal": "police_municipale",
        "bruit": "police_municipale",
        "autre": "mairie",
    }


CASES = [
    # (case, problem, now, whole answer)
    ("pothole, services open", "voirie", WEDNESDAY_MORNING, [
        "Merci de votre signalement. Pour un problème de voirie, contactez les services "
        "techniques :",
        "Téléphone : 01 99 00 10 70",
        "Courriel : services.techniques@trilport.example",
        "Les services techniques sont ouverts en ce moment, jusqu'à 12h. Ils rouvrent à 13h30.",
        "Donnez l'adresse précise (numéro, rue) et, si vous le pouvez, joignez une photo.",
        EMERGENCY,
    ]),
    ("noise on saturday night, police closed", "bruit", SATURDAY_NIGHT, [
        "Merci de votre signalement. Pour un problème de bruit, contactez la police municipale :",
        "Téléphone : 01 99 00 10 40",
        "Courriel : police.municipale@trilport.example",
        "La police municipale est fermée en ce moment. Réouverture le lundi 7 décembre à 8h30.",
        "La nuit, si le bruit continue, appelez le 17.",
        EMERGENCY,
    ]),
    ("no problem named: autre", None, WEDNESDAY_MORNING, [
        "Merci de votre signalement. Pour un problème dans la commune, contactez la mairie :",
        "Téléphone : 01 99 00 10 00",
        "Courriel : mairie@trilport.example",
        "La mairie est ouverte en ce moment, jusqu'à 12h. Elle rouvre à 13h30.",
        EMERGENCY,
    ]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("problem", "now", "lines"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_report_answer(town: Town, problem: str | None, now: dt.datetime, lines: list[str]) -> None:
    answer = report_answer(town, problem, now)
    assert answer.text.split("\n") == lines
    assert answer.choices == ()


ROUTES = [
    # (case, problem, reports of the town, expected (problem key, label, service))
    ("its own entry", "animal", "sample", ("animal", "un animal errant", "police_municipale")),
    ("an unknown key goes to autre", "inondation", "sample",
     ("autre", "un problème dans la commune", "mairie")),
    ("no autre: the main service", "bruit", {"voirie": {"label": "un trou", "service": "mairie"}},
     (None, None, "mairie")),
    ("no reports at all: the main service", "voirie", {}, (None, None, "mairie")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("problem", "reports", "expected"), [r[1:] for r in ROUTES], ids=[r[0] for r in ROUTES]
)
def test_route_report(
    town: Town, problem: str, reports: str | dict, expected: tuple[str | None, ...]
) -> None:
    if reports != "sample":
        town = parse_town(_text(lambda d: d.update(reports=reports)))
    route = route_report(town, problem)
    assert (route.problem, route.label, route.service.key) == expected


def test_a_town_without_reports_sends_to_the_main_service() -> None:
    town = load_town(MINIMAL)
    answer = report_answer(town, "voirie", WEDNESDAY_MORNING)
    assert answer.text.split("\n")[:3] == [
        "Merci de votre signalement. Pour le signaler, contactez la mairie :",
        "Téléphone : 01 99 00 00 01",
        "Courriel : mairie@villetest.example",
    ]
    assert answer.text.endswith(EMERGENCY)


# --- the town file ------------------------------------------------------------------------


def _text(change) -> str:
    data = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


ERRORS = [
    ("an unknown service",
     {"voirie": {"label": "un problème de voirie", "service": "piscine"}},
     "reports.voirie.service", "service inconnu « piscine »"),
    ("no label", {"voirie": {"service": "mairie"}}, "reports.voirie.label", "manquant"),
    ("a bad key", {"Voirie": {"label": "un trou", "service": "mairie"}}, "reports.Voirie",
     "minuscules"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("reports", "key", "reason"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_errors_name_the_key_and_the_reason_in_french(reports: dict, key: str, reason: str) -> None:
    with pytest.raises(TownContentError) as caught:
        parse_town(_text(lambda d: d.update(reports=reports)), "x.yml")
    assert caught.value.key == key
    assert reason in caught.value.reason
