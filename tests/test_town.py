"""The town content file: the Trilport sample, the minimal test town, and load errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from opening_hours import OpeningHours

from arobase.errors import TownContentError
from arobase.town import Town, load_town, parse_town
from tests.contract import PROCEDURES, SERVICES, TOPICS

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "town" / "trilport.yml"
MINIMAL = Path(__file__).resolve().parent / "data" / "town_minimal.yml"

FICTION_PHONE = re.compile(r"^01 99 00 \d\d \d\d$")


@pytest.fixture(scope="module")
def sample() -> Town:
    return load_town(SAMPLE)


# --- the Trilport sample -------------------------------------------------------------------


def test_sample_loads(sample: Town) -> None:
    assert sample.commune.name == "Trilport"
    assert sample.commune.timezone == "Europe/Paris"
    assert sample.commune.country == "FR"
    assert sample.main_service.key == "mairie"


def test_sample_says_it_is_a_sample() -> None:
    head = SAMPLE.read_text(encoding="utf-8")[:600]
    assert "SAMPLE" in head
    assert "FICTIONAL" in head


def test_sample_has_exactly_the_contract_keys(sample: Town) -> None:
    assert set(sample.services) == SERVICES
    assert set(sample.procedures) == PROCEDURES
    assert set(sample.topics) == TOPICS


def test_entries_know_their_own_key(sample: Town) -> None:
    for section in (sample.services, sample.procedures, sample.topics):
        for key, entry in section.items():
            assert entry.key == key


def test_sample_phones_are_in_the_fiction_range(sample: Town) -> None:
    for key, service in sample.services.items():
        assert FICTION_PHONE.match(service.phone), f"services.{key}.phone: {service.phone}"


def test_sample_has_no_real_phone_number_anywhere() -> None:
    # Also catches a number written into an answer or a note.
    text = SAMPLE.read_text(encoding="utf-8")
    for number in re.findall(r"\b0\d(?:[ .]?\d\d){4}\b", text):
        assert FICTION_PHONE.match(number.replace(".", " ")), number


def test_sample_emails_and_website_are_on_example_domains(sample: Town) -> None:
    for key, service in sample.services.items():
        assert service.email.endswith(".example"), f"services.{key}.email: {service.email}"
    assert sample.commune.website is None or sample.commune.website.host.endswith(".example")
    for address in re.findall(r"[\w.+-]+@[\w.-]+", SAMPLE.read_text(encoding="utf-8")):
        assert address.endswith(".example"), address


def test_sample_procedures_point_at_known_services(sample: Town) -> None:
    for key, procedure in sample.procedures.items():
        assert procedure.where is None or procedure.where in sample.services, key


def test_car_and_licence_are_not_done_at_the_town_hall(sample: Town) -> None:
    for key in ("carte_grise", "permis_conduire"):
        procedure = sample.procedures[key]
        assert procedure.where is None
        assert "ne se" in procedure.answer and "mairie" in procedure.answer
        assert any(link.url.host.endswith("ants.gouv.fr") for link in procedure.links)


def test_sample_procedures_are_complete(sample: Town) -> None:
    for key, procedure in sample.procedures.items():
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", procedure.answer) if s]
        assert 1 <= len(sentences) <= 6, f"procedures.{key}.answer: {len(sentences)} phrases"
        assert procedure.cost, f"procedures.{key}.cost"
        assert str(procedure.checked) == "2026-11-01"
        for link in procedure.links:
            assert link.url.scheme == "https", f"procedures.{key}.links: {link.url}"


def test_sample_opening_hours_parse(sample: Town) -> None:
    for service in sample.services.values():
        OpeningHours(service.opening_hours)
    for closure in sample.closures:
        if closure.hours:
            OpeningHours(closure.hours)


def test_sample_closures(sample: Town) -> None:
    assert sample.closures
    for closure in sample.closures:
        assert closure.last_day >= closure.start
        for key in closure.services or []:
            assert key in sample.services
    boxing_day = [c for c in sample.closures_for("mairie") if str(c.start) == "2026-12-26"]
    assert boxing_day and boxing_day[0].hours is None


def test_sample_topics_have_labels(sample: Town) -> None:
    for topic in sample.topics.values():
        assert topic.label and topic.description


# --- the minimal test town -----------------------------------------------------------------


def test_minimal_town_loads() -> None:
    town = load_town(MINIMAL)
    assert set(town.services) == {"mairie", "cimetiere"}
    assert len(town.procedures) == 2
    assert len(town.topics) == 2
    assert town.closures == []


# --- errors: file, key and reason ----------------------------------------------------------


def _minimal() -> dict:
    return yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))


def _text(change) -> str:
    data = _minimal()
    change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _drop_phone(d: dict) -> None:
    del d["services"]["mairie"]["phone"]


def _bad_hours(d: dict) -> None:
    d["services"]["mairie"]["opening_hours"] = "Lu-Ve 9h-12h"


def _closure_unknown_service(d: dict) -> None:
    d["closures"] = [{"date": "2026-12-26", "reason": "Fermeture", "services": ["piscine"]}]


def _closure_until_before_date(d: dict) -> None:
    d["closures"] = [{"date": "2026-12-26", "until": "2026-12-20", "reason": "Fermeture"}]


def _closure_bad_hours(d: dict) -> None:
    d["closures"] = [{"date": "2026-12-24", "reason": "Veille", "hours": "midi"}]


def _where_unknown(d: dict) -> None:
    d["procedures"]["acte_naissance"]["where"] = "piscine"


def _bad_email(d: dict) -> None:
    d["services"]["mairie"]["email"] = "mairie-at-villetest"


def _extra_key(d: dict) -> None:
    d["services"]["mairie"]["horaires"] = "9h-12h"


def _bad_phone(d: dict) -> None:
    d["services"]["mairie"]["phone"] = "0199001234"


def _bad_gender(d: dict) -> None:
    d["services"]["mairie"]["gender"] = "n"


def _bad_service_key(d: dict) -> None:
    d["services"]["Piscine"] = d["services"]["cimetiere"]


def _unknown_main_service(d: dict) -> None:
    d["commune"]["main_service"] = "piscine"


def _missing_checked(d: dict) -> None:
    del d["procedures"]["carte_grise"]["checked"]


ERRORS = [
    # (case, text, key, words the reason must contain)
    ("bad yaml", "commune: [oops", "(yaml)", "YAML"),
    ("not a mapping", "- just\n- a list\n", "(racine)", "dictionnaire"),
    ("empty file", "", "(racine)", "dictionnaire"),
    ("missing field", _text(_drop_phone), "services.mairie.phone", "manquant"),
    ("bad opening hours", _text(_bad_hours), "services.mairie.opening_hours", "opening_hours"),
    ("closure, unknown service", _text(_closure_unknown_service), "closures.0.services",
     "piscine"),
    ("closure, until before date", _text(_closure_until_before_date), "closures.0.until",
     "avant"),
    ("closure, bad hours", _text(_closure_bad_hours), "closures.0.hours", "opening_hours"),
    ("where unknown", _text(_where_unknown), "procedures.acte_naissance.where", "piscine"),
    ("bad e-mail", _text(_bad_email), "services.mairie.email", "e-mail"),
    ("unknown extra key", _text(_extra_key), "services.mairie.horaires", "inconnue"),
    ("bad phone", _text(_bad_phone), "services.mairie.phone", "01 99 00 12 34"),
    ("bad gender", _text(_bad_gender), "services.mairie.gender", "invalide"),
    ("bad service key", _text(_bad_service_key), "services.Piscine", "minuscules"),
    ("unknown main service", _text(_unknown_main_service), "commune.main_service", "piscine"),
    ("missing checked date", _text(_missing_checked), "procedures.carte_grise.checked",
     "manquant"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "key", "reason"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_errors_name_file_key_and_reason(text: str, key: str, reason: str) -> None:
    with pytest.raises(TownContentError) as caught:
        parse_town(text, "x.yml")
    error = caught.value
    assert error.file == "x.yml"
    assert error.key == key
    assert reason in error.reason
    assert str(error).startswith(f"x.yml: {key}: ")


def test_load_town_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yml"
    with pytest.raises(TownContentError) as caught:
        load_town(missing)
    assert caught.value.file == str(missing)
    assert caught.value.key == "(fichier)"
    assert "lecture impossible" in caught.value.reason


def test_load_town_names_the_file_on_content_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(_text(_drop_phone), encoding="utf-8")
    with pytest.raises(TownContentError, match=r"bad\.yml: services\.mairie\.phone: "):
        load_town(path)
