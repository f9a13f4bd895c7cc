"""The street on the alerts page, in Chromium (the stand-in push service of
tests/test_alerts_page.py): a street the town does not list is said on the field, which gets
the focus; a listed one, however typed, gives the device its area, said in the status and
shown again on the next visit; stopping forgets it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from notifications.subscribers import export_subscriber, find_subscriber, list_subscribers
from tests import test_alerts_page as alerts_page
from tests.test_alerts_page import STOP, SUBSCRIBE, Site, Watched, open_page, status
from tests.test_web_alerts import ENDPOINT

browser = alerts_page.browser
site = alerts_page.site
clean = alerts_page.clean
watched = alerts_page.watched
context = alerts_page.context
granted = alerts_page.granted
STREET = "Votre rue (facultatif)"


def test_a_device_chooses_its_area_by_street(granted: Page, clean: Site, watched: Watched):
    page, hub = granted, clean.hub
    street = page.get_by_label(STREET)
    expect(street).to_have_attribute("list", "rues")
    page.get_by_role("checkbox", name="Travaux", exact=True).check()
    street.fill("Rue de Nulle-Part")
    page.get_by_role("button", name=SUBSCRIBE, exact=True).click()

    expect(status(page)).to_contain_text(
        "La rue «\u00a0Rue de Nulle-Part\u00a0» n'est pas dans la liste des rues de la commune."
    )
    expect(street).to_be_focused()
    expect(street).to_have_attribute("aria-invalid", "true")
    expect(street).to_have_accessible_description(re.compile("n'est pas dans la liste"))
    assert list_subscribers(hub) == []
    # Chromium reports the 422 in the console; nothing else may be there.
    watched.console_errors[:] = [e for e in watched.console_errors if "422" not in e]

    street.fill("12 r. de Meaux")
    expect(street).not_to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name=SUBSCRIBE, exact=True).click()

    expect(status(page)).to_have_text(
        "C'est fait. Cet appareil recevra les alertes sur ces sujets\u00a0: Travaux, pour toute "
        "la commune et pour votre quartier (Secteur A)."
    )
    info = find_subscriber(hub, "webpush", ENDPOINT)
    assert info is not None
    assert export_subscriber(hub, info.id)["abonne"]["secteurs"] == ["secteur_a"]

    again = open_page(page.context, clean, watched)
    expect(again.get_by_label(STREET)).to_have_value("12 r. de Meaux")
    again.get_by_role("button", name=STOP, exact=True).click()
    expect(again.get_by_label(STREET)).to_have_value("")
    assert list_subscribers(hub) == []
