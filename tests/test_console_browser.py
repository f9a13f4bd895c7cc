"""The staff console in a real headless Chromium, against uvicorn serving create_app on a
migrated SQLite hub database: a person logs in with the keyboard's order, sees the console
and logs out. The page's security policy holds (a violation is a console error)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, expect

from bot.web.app import create_app
from notifications.hub import Hub
from notifications.staff import add_staff
from tests.browser import console_errors, launched_chromium
from tests.hub_support import make_test_hub, migrated_sqlite
from tests.servers import serving
from tests.test_alerts_page import ISOLATED_ARGS
from tests.test_web_alerts import app_settings

EMAIL = "com@trilport.example"
PASSWORD = "le lavoir de Trilport en hiver"


@contextmanager
def staff_tab(
    tmp_path: Path, email: str, role: str, refused: tuple[int, ...] = (), **options: bool
) -> Iterator[tuple[str, Page, Hub]]:
    """A tab (browser context OPTIONS) on the console of an app serving a fresh hub with one
    account, EMAIL in ROLE; the page's console must stay free of errors (a broken security
    policy shows there) but the REFUSED statuses the test asks for (Chromium notes any 4xx
    page)."""
    database = migrated_sqlite(tmp_path / "hub.db")
    hub = make_test_hub(database)
    add_staff(hub, email, role, PASSWORD, actor="cli")
    errors: list[str] = []
    try:
        with (
            serving(create_app(app_settings(database))) as base,
            launched_chromium(ISOLATED_ARGS) as chromium,
        ):
            context = chromium.new_context(locale="fr-FR", **options)
            tab = context.new_page()
            errors = console_errors(tab, refused)
            yield base, tab, hub
            context.close()
    finally:
        hub.close()
    assert errors == []


@contextmanager
def console_tab(tmp_path: Path, refused: tuple[int, ...] = ()) -> Iterator[tuple[str, Page]]:
    """A tab on the console of a fresh hub with one editor's account, EMAIL (`staff_tab`)."""
    with staff_tab(tmp_path, EMAIL, "editor", refused) as (base, tab, _):
        yield base, tab


def test_a_staff_member_logs_in_sees_the_console_and_logs_out(tmp_path: Path):
    with console_tab(tmp_path) as (base, tab):
        tab.goto(base + "/console")
        expect(tab).to_have_url(base + "/console/connexion")
        email = tab.get_by_label("Adresse e-mail")
        email.focus()
        email.fill(EMAIL)
        tab.keyboard.press("Tab")
        expect(tab.get_by_label("Mot de passe")).to_be_focused()
        tab.keyboard.type(PASSWORD)
        tab.keyboard.press("Tab")
        expect(tab.get_by_role("button", name="Se connecter")).to_be_focused()
        tab.keyboard.press("Enter")

        expect(tab).to_have_url(base + "/console")
        expect(tab.get_by_role("heading", level=1)).to_have_text("Console de la mairie")
        main = tab.get_by_role("main")
        expect(main).to_contain_text(f"Vous êtes connecté(e) avec l'adresse {EMAIL}.")
        expect(main).to_contain_text("Votre rôle\u00a0: éditeur.")
        expect(tab.get_by_role("link", name="Journal des actions")).to_have_count(0)
        tab.get_by_role("button", name="Se déconnecter").click()

        expect(tab).to_have_url(base + "/console/connexion")
        tab.goto(base + "/console")
        expect(tab).to_have_url(base + "/console/connexion")


def test_wrong_passwords_then_the_account_is_locked_even_for_the_right_one(tmp_path: Path):
    with console_tab(tmp_path, refused=(401, 429)) as (base, tab):
        tab.goto(base + "/console/connexion")
        for attempt in range(5):
            tab.get_by_label("Adresse e-mail").fill(EMAIL)
            tab.get_by_label("Mot de passe").fill(f"mauvais essai {attempt}")
            tab.get_by_role("button", name="Se connecter").click()
            if attempt < 4:
                expect(tab.get_by_role("alert")).to_have_text(
                    "Adresse e-mail ou mot de passe incorrect."
                )
                expect(tab.get_by_label("Mot de passe")).to_have_attribute("aria-invalid", "true")
                expect(tab.get_by_label("Mot de passe")).to_have_value("")  # never sent back

        locked = "Trop d'essais manqués : ce compte est bloqué, réessayez dans 15 minutes."
        expect(tab.get_by_role("alert")).to_have_text(locked)
        tab.get_by_label("Adresse e-mail").fill(EMAIL)
        tab.get_by_label("Mot de passe").fill(PASSWORD)
        tab.get_by_role("button", name="Se connecter").click()

        expect(tab.get_by_role("alert")).to_have_text(locked)
        expect(tab).to_have_title(re.compile("^Erreur"))
        tab.goto(base + "/console")
        expect(tab).to_have_url(base + "/console/connexion")


def test_an_editor_previews_then_publishes_an_announcement(tmp_path: Path):
    with console_tab(tmp_path) as (base, tab):
        tab.goto(base + "/console/connexion")
        tab.get_by_label("Adresse e-mail").fill(EMAIL)
        tab.get_by_label("Mot de passe").fill(PASSWORD)
        tab.get_by_role("button", name="Se connecter").click()
        expect(tab).to_have_url(base + "/console")

        tab.get_by_role("link", name="Annonces").click()
        expect(tab).to_have_url(base + "/console/annonces")
        tab.get_by_role("link", name="Écrire une annonce").click()
        expect(tab).to_have_url(base + "/console/annonces/nouvelle")
        tab.get_by_label("Titre").fill("Rue de Meaux fermée")
        tab.get_by_label("Texte (facultatif)").fill("Travaux du 1er au 5 décembre.")
        tab.get_by_role("group", name="Thèmes (au moins un)").get_by_label("Travaux").check()
        expect(tab.get_by_label("Dès maintenant")).to_be_checked()
        tab.get_by_role("button", name="Aperçu").click()

        expect(tab.get_by_role("heading", name="Aperçu du texte envoyé")).to_be_visible()
        expect(tab.get_by_role("region", name="Texte Telegram")).to_contain_text(
            "<b>Rue de Meaux fermée</b>"
        )
        expect(tab.get_by_role("heading", name="Destinataires")).to_be_visible()
        expect(tab.get_by_label("Titre")).to_have_value("Rue de Meaux fermée")
        tab.get_by_role("button", name="Publier").click()

        expect(tab).to_have_url(base + "/console/annonces/1")
        expect(tab.get_by_role("heading", level=1)).to_have_text("Message n° 1")
        expect(tab.get_by_role("main")).to_contain_text("Rue de Meaux fermée")
        expect(tab.get_by_role("link", name="Actualiser")).to_be_visible()
        expect(tab.get_by_role("button", name="Annuler l'envoi")).to_be_visible()
