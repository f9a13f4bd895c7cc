"""The street a resident may give to receive only the alerts of their part of the commune,
the same on every form that asks (the e-mail sign-up, the alerts page, the counter): the
commune's streets offered as the person types, by a native datalist (the browser's own
suggestions, announced by screen readers, nothing to load). Only the area found from the
street is kept (notifications/areas.py)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from arobase.streets import MAX_STREET, street_key
from arobase.town import Town

STREET_HINT = (
    "Pour ne recevoir que les alertes de votre quartier. Sans rue, vous recevez celles de "
    "toute la commune."
)


def town_streets(town: Town) -> list[str]:
    """Every street the town file lists, in the order a person looks for them."""
    return sorted({s for area in town.areas.values() for s in area.streets}, key=street_key)


def street_datalist(ident: str, streets: Sequence[str]) -> str:
    """The STREETS an input with `list="IDENT"` offers; empty when there are none."""
    options = "".join(
        f'\n          <option value="{html.escape(street, quote=True)}">' for street in streets
    )
    return f'<datalist id="{ident}">{options}\n        </datalist>' if options else ""


def street_field(town: Town, value: str, error_id: str | None = None) -> str:
    """The optional « Votre rue » field of the residents' pages (ERROR_ID: the error about
    it, for aria-invalid); empty when the town lists no streets."""
    datalist = street_datalist("rues", town_streets(town))
    if not datalist:
        return ""
    state = (
        f' aria-invalid="true" aria-describedby="rue-aide {error_id}"'
        if error_id
        else ' aria-describedby="rue-aide"'
    )
    return (
        '      <p class="field">\n'
        '        <label for="rue">Votre rue (facultatif)</label>\n'
        f'        <input type="text" id="rue" name="rue" value="{html.escape(value, quote=True)}"'
        f' list="rues" autocomplete="address-line1" maxlength="{MAX_STREET}"{state}>\n'
        f"        {datalist}\n"
        f'        <span id="rue-aide" class="hint">{html.escape(STREET_HINT)}</span>\n'
        "      </p>\n"
    )
