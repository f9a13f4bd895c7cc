"""Streets and their areas (arobase/streets.py, the town file's `areas.*.streets`): a street
is found however a resident types it, and one street in two areas is refused."""

from __future__ import annotations

import pytest

from arobase.errors import TownContentError
from arobase.streets import area_of_street, street_index, street_key
from arobase.town import load_town
from tests.hub_support import TOWN_FILE


@pytest.mark.parametrize(
    ("typed", "area"),
    [
        ("Rue de Meaux", "secteur_a"),
        ("12 bis, rue de meaux", "secteur_a"),
        ("R. Pasteur", "secteur_a"),
        ("PLACE DE LA MAIRIE", "secteur_a"),
        ("rue des ecoles", "secteur_a"),
        ("3 ter av. du Général-de-Gaulle", "secteur_b"),
        ("allee des tilleuls", "secteur_b"),
        ("  quai  de la   Marne ", "secteur_b"),
    ],
)
def test_a_street_is_found_however_it_is_typed(typed: str, area: str) -> None:
    assert area_of_street(load_town(TOWN_FILE).streets, typed) == area


@pytest.mark.parametrize("typed", ["rue inconnue", "", "12", "Meaux"])
def test_a_street_the_commune_lacks_has_no_area(typed: str) -> None:
    assert area_of_street(load_town(TOWN_FILE).streets, typed) is None


def test_the_key_drops_the_number_and_spells_out_abbreviations() -> None:
    assert street_key("12 bis, Av. du Gal-Leclerc") == "avenue du general leclerc"


def test_a_street_in_two_areas_is_refused() -> None:
    with pytest.raises(ValueError, match="« rue de Paris » est dans deux secteurs"):
        street_index({"a": ["Rue de Paris"], "b": ["rue de Paris"]})


def test_a_town_file_with_a_street_in_two_areas_does_not_load(tmp_path) -> None:
    text = TOWN_FILE.read_text(encoding="utf-8").replace(
        "      - Rue Victor Hugo\n", "      - Rue Victor Hugo\n      - Rue de Meaux\n"
    )
    broken = tmp_path / "town.yml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(TownContentError, match="Rue de Meaux"):
        load_town(broken)
