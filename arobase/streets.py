"""The commune's streets and the area (secteur) each belongs to, from the town file's
`areas.<key>.streets`: a resident names their street, however they type it, and gets the
alerts of their area.

« 12 bis, av. du Général-de-Gaulle » and « avenue du general de gaulle » are the same street:
house numbers are dropped, the usual abbreviations spelt out, accents, case and punctuation
ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

MAX_STREET = 120  # longer is no street name: refused before the town's list is looked at
# The abbreviations of French street names (the Poste's list, the common ones).
ABBREVIATIONS = {
    "all": "allee",
    "av": "avenue",
    "ave": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "bvd": "boulevard",
    "ch": "chemin",
    "chem": "chemin",
    "crs": "cours",
    "imp": "impasse",
    "pl": "place",
    "qu": "quai",
    "r": "rue",
    "rte": "route",
    "sq": "square",
    "st": "saint",
    "ste": "sainte",
    "gal": "general",
    "gl": "general",
    "mal": "marechal",
    "res": "residence",
}
# A house number and its suffix at the start: « 12 », « 12bis », « 3 ter ».
_NUMBER = re.compile(r"^\d+\s*(bis|ter|quater|[a-d])?\b\s*")
_NOT_WORD = re.compile(r"[\W_]+")


def street_key(typed: str) -> str:
    """The street TYPED as compared: « 12 bis, Av. du Général-de-Gaulle » → « avenue du
    general de gaulle »."""
    decomposed = unicodedata.normalize("NFKD", typed.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = _NOT_WORD.sub(" ", bare).strip()
    words = _NUMBER.sub("", words)
    return " ".join(ABBREVIATIONS.get(word, word) for word in words.split())


def street_index(areas: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Each street's key → its area's key, from AREAS (area key → its streets); ValueError
    naming a street listed twice."""
    index: dict[str, str] = {}
    for area, streets in areas.items():
        for street in streets:
            key = street_key(street)
            if key in index:
                raise ValueError(
                    f"la rue « {street} » est dans deux secteurs ({index[key]}, {area})"
                )
            index[key] = area
    return index


def area_of_street(index: Mapping[str, str], typed: str) -> str | None:
    """The area of the street TYPED, None when the commune has no such street."""
    return index.get(street_key(typed))


def typed_street(value: str) -> str:
    """A street as a person sent it, spaces trimmed and cut to what a street name can be."""
    return value.strip()[:MAX_STREET]
