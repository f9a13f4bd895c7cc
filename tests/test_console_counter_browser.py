"""The counter in a real headless Chromium, against uvicorn serving create_app on a migrated
SQLite hub database: an agent enrols a resident, finds them again by their exact address,
downloads their data and erases it. Every page passes axe (WCAG 2.1 A/AA), and the page's
security policy holds (a violation is a console error)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, expect

from notifications.hub import Hub
from notifications.subscribers import find_subscriber
from tests import test_hub_email_journey
from tests.axe import assert_accessible
from tests.fakes.smtp import FakeSmtp
from tests.fakes.tls import Certificate
from tests.test_console_browser import PASSWORD, staff_tab
from tests.test_console_counter import ADDRESS, assert_confirmation_request
from tests.test_hub_email_journey import deliver

AGENT = "accueil@trilport.example"
certificate = test_hub_email_journey.certificate
smtp = test_hub_email_journey.smtp


@contextmanager
def agent_tab(tmp_path: Path, refused: int | None = None) -> Iterator[tuple[str, Page, Hub]]:
    """A tab logged in as an agent on an app serving a fresh hub (`staff_tab`), downloads
    allowed; the page's console must stay free of errors but the REFUSED status asked for."""
    refusals = () if refused is None else (refused,)
    with staff_tab(tmp_path, AGENT, "agent", refusals, accept_downloads=True) as opened:
        base, tab, _ = opened
        tab.goto(base + "/console/connexion")
        tab.get_by_label("Adresse e-mail").fill(AGENT)
        tab.get_by_label("Mot de passe").fill(PASSWORD)
        tab.get_by_role("button", name="Se connecter").click()
        expect(tab).to_have_url(base + "/console")
        yield opened


def confirmation_sent(hub: Hub, smtp: FakeSmtp, certificate: Certificate) -> None:
    """The worker's e-mail channel sends what is due to SMTP (its own loop, in a thread: the
    test's thread runs Playwright's)."""
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, deliver(hub, smtp, certificate, 1)).result()


def test_an_agent_enrols_finds_exports_and_erases_a_resident(
    tmp_path: Path, smtp: FakeSmtp, certificate: Certificate
):
    with agent_tab(tmp_path, refused=422) as (base, tab, hub):
        tab.get_by_role("link", name="Guichet").click()
        expect(tab).to_have_url(base + "/console/guichet")
        expect(tab.get_by_role("heading", name="Inscrire un habitant")).to_be_visible()
        assert_accessible(tab, "the counter's start page")

        # The browser itself refuses a form without the person's consent.
        enrol = tab.get_by_role("button", name="Inscrire")
        tab.locator("#adresse").fill(ADDRESS)
        tab.get_by_role("group", name="Thèmes (au moins un)").get_by_label("Travaux").check()
        tab.get_by_label("Formulaire papier").check()
        enrol.click()
        expect(tab).to_have_url(base + "/console/guichet")
        assert find_subscriber(hub, "email", ADDRESS) is None

        consent = tab.get_by_label("La personne a donné son accord")
        consent.focus()
        tab.keyboard.press("Space")
        expect(consent).to_be_checked()
        tab.keyboard.press("Tab")
        expect(enrol).to_be_focused()
        tab.keyboard.press("Enter")

        expect(tab).to_have_url(base + "/console/guichet/inscrire")
        main = tab.get_by_role("main")
        expect(tab.get_by_role("status")).to_contain_text("L'inscription est enregistrée.")
        expect(main).to_contain_text(ADDRESS)
        expect(main).to_contain_text(f"Accord recueilli par {AGENT}")
        expect(main).to_contain_text("formulaire papier")
        expect(main).to_contain_text("en attente")
        assert_accessible(tab, "a subscriber's page")
        info = find_subscriber(hub, "email", ADDRESS)
        assert info is not None and info.topics == ("travaux",)
        confirmation_sent(hub, smtp, certificate)
        assert_confirmation_request(smtp)

        with tab.expect_download() as download:
            tab.get_by_role("button", name="Exporter ses données").click()
        saved = tmp_path / "export.json"
        download.value.save_as(saved)
        assert download.value.suggested_filename == f"abonne-{info.id}.json"
        data = json.loads(saved.read_text(encoding="utf-8"))["abonne"]
        assert (data["adresse"], data["consentement_moyen"]) == (ADDRESS, "formulaire papier")

        tab.get_by_role("link", name="Revenir au guichet").click()
        finder = tab.get_by_label("Adresse e-mail ou numéro de portable").last
        finder.fill("camille")
        tab.get_by_role("button", name="Retrouver").click()
        expect(tab).to_have_url(base + "/console/guichet/rechercher")
        expect(tab.get_by_role("main")).to_contain_text("n'est pas une adresse e-mail")
        finder = tab.get_by_label("Adresse e-mail ou numéro de portable").last
        finder.fill(ADDRESS)
        tab.get_by_role("button", name="Retrouver").click()
        expect(tab).to_have_url(base + "/console/guichet/rechercher")
        expect(tab.get_by_role("main")).to_contain_text(ADDRESS)

        tab.get_by_role("button", name="Effacer ses données").click()
        expect(tab).to_have_url(base + "/console/guichet/effacer")
        assert_accessible(tab, "the erasure's confirmation")
        assert find_subscriber(hub, "email", ADDRESS) is not None
        tab.get_by_role("button", name=f"Effacer définitivement les données de {ADDRESS}").click()

        expect(tab).to_have_url(base + "/console/guichet?efface=oui")
        expect(tab.get_by_role("status")).to_have_text("Les données de l'abonné sont effacées.")
        assert find_subscriber(hub, "email", ADDRESS) is None

        # A resident without internet: enrolled by SMS, the number typed as it is said.
        tab.get_by_label("Par SMS").first.check()
        tab.locator("#adresse").fill("06 12 34 56 78")
        tab.get_by_role("group", name="Thèmes (au moins un)").get_by_label("Travaux").check()
        tab.get_by_label("Accord oral au guichet").check()
        tab.get_by_label("La personne a donné son accord").check()
        tab.get_by_role("button", name="Inscrire").click()
        expect(tab.get_by_role("status")).to_contain_text("L'inscription est enregistrée.")
        expect(tab.get_by_role("main")).to_contain_text("+33612345678")
        expect(tab.get_by_role("main")).not_to_contain_text("en attente")
        sms = find_subscriber(hub, "sms", "+33612345678")
        assert sms is not None and sms.topics == ("travaux",)


def test_a_refused_enrolment_is_announced_and_marks_its_field(tmp_path: Path):
    with agent_tab(tmp_path, refused=422) as (base, tab, _):
        tab.goto(base + "/console/guichet")
        tab.locator("#adresse").fill("camille@")
        tab.get_by_label("Accord oral au guichet").check()
        tab.get_by_label("La personne a donné son accord").check()
        # The e-mail input would refuse it before the server: the server's word is tested.
        tab.locator("#adresse").evaluate("input => { input.type = 'text'; }")
        tab.get_by_role("group", name="Thèmes (au moins un)").get_by_label("Écoles").check()
        tab.get_by_role("button", name="Inscrire").click()

        expect(tab).to_have_url(base + "/console/guichet/inscrire")
        expect(tab.get_by_role("alert")).to_contain_text("n'est pas une adresse e-mail")
        expect(tab.locator("#adresse")).to_have_attribute("aria-invalid", "true")
        expect(tab.locator("#adresse")).to_have_value("camille@")
        expect(tab.get_by_label("Accord oral au guichet")).to_be_checked()
        assert_accessible(tab, "a refused enrolment")

        tab.locator("#adresse").fill(ADDRESS)  # corrected, from the refused form's own page
        tab.get_by_role("button", name="Inscrire").click()
        expect(tab.get_by_role("status")).to_contain_text("L'inscription est enregistrée.")
        expect(tab.get_by_role("main")).to_contain_text("accord oral au guichet")
