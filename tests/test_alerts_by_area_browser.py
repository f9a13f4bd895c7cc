"""Alerts by area end to end, in Chromium: two residents sign up for e-mail alerts, each
picking their street in the form, confirm from the e-mail's link (aiosmtpd, the worker's SMTP
adapter), and an alert for one area reaches only that street's resident."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import release_due
from tests import test_hub_email_journey as journey
from tests.fakes.smtp import FakeSmtp
from tests.fakes.tls import Certificate
from tests.test_alerts_email_browser import in_a_thread, resident_tab

certificate = journey.certificate
smtp = journey.smtp

RESIDENTS = {
    "odette.martin@exemple.example": "12 rue de Meaux",  # secteur A
    "rene.dupont@exemple.example": "Allée des Tilleuls",  # secteur B
}


def sign_up(tab: Page, base: str, address: str, street: str) -> None:
    tab.goto(base + "/alertes/email")
    tab.get_by_label("Votre adresse e-mail").fill(address)
    tab.get_by_label("Votre rue (facultatif)").fill(street)
    tab.get_by_role("group", name="Choisissez vos sujets").get_by_label("Travaux").check()
    tab.get_by_role("button", name="Recevoir les alertes par e-mail").click()
    expect(tab.get_by_text("un e-mail vient de lui être envoyé")).to_be_visible()


def confirm(tab: Page, base: str, hub: Hub, smtp: FakeSmtp, certificate: Certificate) -> None:
    """Deliver the confirmation requests, then press each one's button."""
    in_a_thread(journey.deliver(hub, smtp, certificate, len(RESIDENTS)))
    for request in smtp.received.items():
        tab.goto(base + journey.link(request.part("plain"), "/alertes/confirmer"))
        tab.get_by_role("button", name="Confirmer mon abonnement").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Votre abonnement est confirmé")


def test_an_alert_for_an_area_reaches_only_the_residents_of_its_streets(
    tmp_path: Path, smtp: FakeSmtp, certificate: Certificate
) -> None:
    with resident_tab(tmp_path) as (base, tab, hub):
        for address, street in RESIDENTS.items():
            sign_up(tab, base, address, street)
        confirm(tab, base, hub, smtp, certificate)

        announce(hub, "Coupure d'eau", body="Secteur A.", topics=["travaux"], areas=["secteur_a"])
        release_due(hub)
        in_a_thread(journey.deliver(hub, smtp, certificate, len(RESIDENTS) + 1))
        alerts = [m for m in smtp.received.items() if "Coupure" in m.message["Subject"]]
        assert [m.rcpt_tos for m in alerts] == [("odette.martin@exemple.example",)]
