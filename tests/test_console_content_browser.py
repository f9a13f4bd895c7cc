"""The console's town content in a real headless Chromium: an editor adds a closure with the
keyboard and the mouse, and finds it in the overview (tests/test_console_browser.py's tab:
a fresh SQLite hub, the page's security policy watched)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.test_console_browser import EMAIL, PASSWORD, console_tab


def test_an_editor_adds_a_closure_and_sees_it_in_the_overview(tmp_path: Path):
    with console_tab(tmp_path) as (base, tab):
        tab.goto(base + "/console/connexion")
        tab.get_by_label("Adresse e-mail").fill(EMAIL)
        tab.get_by_label("Mot de passe").fill(PASSWORD)
        tab.get_by_role("button", name="Se connecter").click()
        tab.get_by_role("link", name="Contenu de la commune").click()
        expect(tab).to_have_url(base + "/console/contenu")
        expect(tab.get_by_role("heading", level=2, name="Démarches")).to_be_visible()
        tab.get_by_role("link", name="Ajouter une fermeture").click()

        expect(tab).to_have_url(base + "/console/contenu/fermetures/nouvelle")
        tab.get_by_label("Date (premier jour)").fill("2026-12-09")
        services = tab.get_by_role("group", name="Services concernés")
        expect(services.get_by_label("Tous les services")).to_be_checked()
        services.get_by_label("Tous les services").uncheck()
        services.get_by_label("Médiathèque municipale").check()
        tab.get_by_label("Horaires d'ouverture ce jour-là (facultatif)").fill("14:00-17:00")
        reason = tab.get_by_label("Motif")
        reason.fill("Inventaire annuel")
        reason.press("Enter")

        expect(tab).to_have_url(base + "/console/contenu?fait=ajout")
        expect(tab.get_by_role("status")).to_contain_text("La fermeture est enregistrée.")
        coming = tab.get_by_role("region", name="Fermetures et horaires exceptionnels à venir")
        row = coming.get_by_role("row").filter(has_text="Inventaire annuel")
        expect(row).to_contain_text("09/12/2026")
        expect(row).to_contain_text("Médiathèque municipale")
        expect(row).to_contain_text("Ouvert 14:00-17:00")
        row.get_by_role("link", name="Modifier la fermeture du 09/12/2026").click()

        expect(tab.get_by_role("heading", level=1)).to_have_text("Modifier une fermeture")
        expect(tab.get_by_label("Motif")).to_have_value("Inventaire annuel")
        tab.get_by_role("button", name="Supprimer la fermeture").click()
        expect(tab.get_by_role("status")).to_contain_text("La fermeture est supprimée.")
        expect(tab.get_by_role("main")).not_to_contain_text("Inventaire annuel")
