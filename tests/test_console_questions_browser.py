"""The console's Questions section in a real headless Chromium (tests/test_console_browser.py's
staff tab): an editor finds the questions residents asked grouped, marks one group for the
training and downloads the export, then writes an answer that the assistant gives at once."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from playwright.sync_api import Page, expect

from arobase.staff_answers import matching_answer
from notifications.hub import Hub
from notifications.questions import AskedQuestion, record_question, vote_question
from notifications.town_content import effective_town
from tests.test_console_browser import PASSWORD, staff_tab

EMAIL = "com@trilport.example"
GREEN = "Les déchets verts vont à la déchetterie, ou dans le bac marron d'avril à novembre."


def ask(hub: Hub, text: str, outcome: str) -> str:
    return record_question(hub, AskedQuestion(text, "web", None, None, None, outcome))


def log_in(base: str, tab: Page) -> None:
    tab.goto(base + "/console/connexion")
    tab.get_by_label("Adresse e-mail").fill(EMAIL)
    tab.get_by_label("Mot de passe").fill(PASSWORD)
    tab.get_by_role("button", name="Se connecter").click()
    expect(tab).to_have_url(base + "/console")


def test_an_editor_trains_one_group_and_answers_another_without_retraining(tmp_path: Path):
    with staff_tab(tmp_path, EMAIL, "editor") as (base, tab, hub):
        liked_less = ask(hub, "Où jeter mes déchets verts ?", "answered")
        vote_question(hub, liked_less, False)  # 👎 on the answer given
        ask(hub, "ou jeter les dechets verts", "not_understood")
        ask(hub, "Quand passe le camion poubelle ?", "out_of_scope")
        log_in(base, tab)

        tab.get_by_role("link", name="Questions des habitants").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Questions des habitants")
        main = tab.get_by_role("main")
        expect(main).to_contain_text("3 questions à revoir, en 2 groupes.")
        # Asked in the same second: either wording may stand for the group.
        green = tab.get_by_role("region", name=re.compile("jeter .* verts"))
        expect(green).to_contain_text("2 questions, du")
        expect(green).to_contain_text("réponse jugée inutile (👎) : 1")
        bins = tab.get_by_role("region", name="« Quand passe le camion poubelle ? »")

        bins.get_by_label("Intention ou démarche à apprendre").select_option("waste_collection")
        bins.get_by_role("button", name="À ajouter à l'entraînement").click()

        expect(tab.get_by_role("status")).to_contain_text("marquées pour le prochain entraînement")
        expect(bins).to_have_count(0)
        with tab.expect_download() as download:
            tab.get_by_role("link", name="Exporter pour l'entraînement").click()
        exported = yaml.safe_load(Path(download.value.path()).read_text(encoding="utf-8"))
        assert exported["nlu"] == [
            {"intent": "waste_collection", "examples": "- Quand passe le camion poubelle ?\n"}
        ]

        green.get_by_role("link", name="Écrire une réponse").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Écrire une réponse")
        wordings = tab.get_by_label("Questions auxquelles elle répond").input_value()
        assert sorted(wordings.split("\n")) == [
            "Où jeter mes déchets verts ?",
            "ou jeter les dechets verts",
        ]
        tab.get_by_label("Réponse de l'assistant").fill(GREEN)
        tab.get_by_role("button", name="Enregistrer la réponse").click()

        expect(tab.get_by_role("status")).to_have_text(
            "La réponse est enregistrée. L'assistant la donne dans les secondes qui suivent."
        )
        expect(main).to_contain_text("Aucune question à revoir pour le moment.")
        found = matching_answer(effective_town(hub), "où je jette mes déchets verts ?")
        assert found is not None and found.answer == GREEN
        tab.get_by_role("link", name="Réponses écrites par la mairie").click()
        table = tab.get_by_role("table", name="Réponses écrites dans la console")
        expect(table).to_contain_text(GREEN)
        remove = re.compile("^Supprimer la réponse à « [Oo][uù] jeter")
        expect(table.get_by_role("button", name=remove)).to_be_visible()
