"""An announcement's life cycle in a real headless Chromium, against uvicorn serving create_app
on a migrated SQLite hub database whose clock stands at START (10:00 in Trilport): compose,
preview, schedule, edit, unschedule, publish and follow the deliveries live; the two-person
rule with two accounts; each role refused outside its rights. The pages' security policy
holds (a violation is a console error)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from bot.web.app import create_app
from notifications.announcements import get_announcement
from notifications.hub import Hub
from notifications.outbox import release_due
from notifications.staff import add_staff, audit_entries
from notifications.subscribers import add_subscriber
from tests.axe import assert_accessible
from tests.browser import launched_chromium
from tests.hub_support import make_test_hub, migrated_sqlite
from tests.servers import serving
from tests.test_alerts_page import ISOLATED_ARGS
from tests.test_web_alerts import app_settings

EDITOR, REVIEWER = "com@trilport.example", "adjoint@trilport.example"
AGENT = "accueil@trilport.example"
PASSWORD = "le lavoir de Trilport en hiver"
TITLE = "Rue de Meaux fermée"
POLL_WAIT = 15_000  # ms: the page asks every 4 s


@dataclass
class Console:
    base: str
    hub: Hub
    chromium: Browser
    errors: list[str]

    def tab(self, email: str) -> Page:
        """A new browser (its own cookies) logged in as EMAIL."""
        context = self.chromium.new_context(locale="fr-FR")
        tab = context.new_page()
        tab.on("console", self.record)
        tab.goto(self.base + "/console/connexion")
        tab.get_by_label("Adresse e-mail").fill(email)
        tab.get_by_label("Mot de passe").fill(PASSWORD)
        tab.get_by_role("button", name="Se connecter").click()
        expect(tab).to_have_url(self.base + "/console")
        return tab

    def record(self, message: ConsoleMessage) -> None:
        # No favicon is served; Chromium asks for one anyway. A refused page (403) is logged.
        url, text = message.location["url"], message.text
        # The live preview of a form refused as typed is a 422 (the page then says why).
        refused = "403" in text or (url.endswith("/console/annonces/apercu") and "422" in text)
        if message.type == "error" and not url.endswith("/favicon.ico") and not refused:
            self.errors.append(text)


@contextmanager
def console(tmp_path: Path, **settings: bool) -> Iterator[Console]:
    """The console of an app on a fresh hub: two editors, an agent, two Telegram subscribers
    of « Travaux »; no error in any tab's console."""
    database = migrated_sqlite(tmp_path / "hub.db")
    hub = make_test_hub(database)
    for email, role in ((EDITOR, "editor"), (REVIEWER, "editor"), (AGENT, "agent")):
        add_staff(hub, email, role, PASSWORD, actor="cli")
    for chat in ("1001", "1002"):
        add_subscriber(hub, "telegram", chat, ["travaux"])
    errors: list[str] = []
    try:
        with (
            serving(create_app(app_settings(database, **settings))) as base,
            launched_chromium(ISOLATED_ARGS) as chromium,
        ):
            yield Console(base, hub, chromium, errors)
    finally:
        hub.close()
    assert errors == []


def write(tab: Page, base: str, title: str) -> None:
    """From the console's home, the compose form filled and previewed."""
    tab.get_by_role("link", name="Annonces").click()
    tab.get_by_role("link", name="Écrire une annonce").click()
    expect(tab).to_have_url(base + "/console/annonces/nouvelle")
    tab.get_by_label("Titre").fill(title)
    tab.get_by_role("group", name="Thèmes (au moins un)").get_by_label("Travaux").check()
    tab.get_by_role("button", name="Aperçu").click()
    expect(tab.get_by_role("heading", name="Aperçu du texte envoyé")).to_be_visible()


def facts(tab: Page, name: str) -> str:
    """The value of one line of the message's facts."""
    return tab.locator(f"dt:text-is('{name}') + dd").inner_text()


def test_the_preview_follows_the_form_as_it_is_typed(tmp_path: Path):
    with console(tmp_path) as c:
        tab = c.tab(EDITOR)
        write(tab, c.base, TITLE)
        telegram = tab.get_by_role("region", name="Texte Telegram")
        state = tab.locator("#apercu-etat")
        expect(telegram).to_contain_text(TITLE)

        tab.get_by_label("Titre").fill("Rue de Meaux rouverte")
        expect(telegram).to_contain_text("Rue de Meaux rouverte")
        themes = tab.get_by_role("group", name="Thèmes (au moins un)")
        themes.get_by_label("Travaux").uncheck()
        expect(state).to_have_text("L'aperçu n'est pas à jour : Cochez au moins un thème.")
        themes.get_by_label("Travaux").check()
        expect(state).to_have_text("")
        themes.get_by_label("Écoles").check()
        expect(tab.get_by_role("main")).to_contain_text("la recevront\u00a0: 2 en tout.")
        assert_accessible(tab, "the live preview")

        tab.get_by_role("button", name="Publier").click()
        expect(tab).to_have_url(c.base + "/console/annonces/1")
        found = get_announcement(c.hub, 1).message
        assert (found.title, set(found.topics)) == ("Rue de Meaux rouverte", {"ecoles", "travaux"})


def test_compose_schedule_edit_unschedule_publish_and_follow_it_live(tmp_path: Path):
    with console(tmp_path) as c:
        tab = c.tab(EDITOR)
        write(tab, c.base, TITLE)
        tab.get_by_label("À la date et à l'heure suivantes").check()
        tab.get_by_label("Date", exact=True).fill("2026-12-01")
        tab.get_by_label("Heure", exact=True).fill("08:30")
        tab.get_by_role("button", name="Mettre à jour l'aperçu").click()
        tab.get_by_role("button", name="Programmer").click()

        expect(tab).to_have_url(c.base + "/console/annonces/1")
        assert facts(tab, "État") == "programmé"
        assert facts(tab, "Prévu le") == "01/12/2026 08:30"
        tab.get_by_role("link", name="Modifier l'annonce").click()
        expect(tab.get_by_label("Titre")).to_have_value(TITLE)
        expect(tab.get_by_label("Heure", exact=True)).to_have_value("08:30")
        tab.get_by_label("Titre").fill("Rue de Meaux fermée le 1er décembre")
        tab.get_by_role("button", name="Aperçu").click()
        tab.get_by_role("button", name="Programmer").click()
        expect(tab).to_have_url(c.base + "/console/annonces/1")
        assert facts(tab, "Titre") == "Rue de Meaux fermée le 1er décembre"
        tab.get_by_role("button", name="Remettre en brouillon").click()
        expect(tab.locator("dt:text-is('État') + dd")).to_have_text("brouillon")
        assert release_due(c.hub) == []
        tab.get_by_role("link", name="Toutes les annonces").click()
        brouillons = tab.get_by_role("region", name="Brouillons : 1, du plus récent au plus ancien")
        brouillons.get_by_role("link", name="Rue de Meaux fermée le 1er décembre").click()
        tab.get_by_role("link", name="Modifier l'annonce").click()
        tab.get_by_label("Dès maintenant").check()
        tab.get_by_role("button", name="Aperçu").click()
        tab.get_by_role("button", name="Publier").click()

        expect(tab).to_have_url(c.base + "/console/annonces/1")
        live = tab.locator("#suivi-annonce")
        expect(live).to_have_attribute("aria-live", "polite")
        expect(live).to_have_text("")
        assert release_due(c.hub) == [1]  # the worker's fan-out: two deliveries pending
        expect(live).to_have_text(
            "Mise à jour. État\u00a0: envoyé. Envoyés\u00a0: 0, en échec\u00a0: 0, "
            "en attente\u00a0: 2.",
            timeout=POLL_WAIT,
        )
        row = tab.get_by_role("row", name="Telegram")
        expect(row.get_by_role("cell")).to_have_text(["0", "0", "2", "0"])
        actions = [(e.actor, e.action) for e in audit_entries(c.hub)][:5]
        assert actions == [
            (EDITOR, "annonce publiée"),
            (EDITOR, "annonce remise en brouillon"),
            (EDITOR, "annonce programmée"),
            (EDITOR, "annonce programmée"),
            (EDITOR, "connexion"),
        ]


def test_the_two_person_rule_with_two_accounts(tmp_path: Path):
    with console(tmp_path, approval_required=True) as c:
        author = c.tab(EDITOR)
        write(author, c.base, TITLE)
        author.get_by_role("button", name="Publier").click()
        expect(author).to_have_url(c.base + "/console/annonces/1")
        assert facts(author, "État") == "en attente de validation"
        expect(author.get_by_role("button", name="Valider l'annonce")).to_have_count(0)
        assert release_due(c.hub) == []

        reviewer = c.tab(REVIEWER)
        reviewer.get_by_role("link", name="Annonces").click()
        waiting = reviewer.get_by_role(
            "region", name="En attente de validation : 1, du plus récent au plus ancien"
        )
        waiting.get_by_role("link", name=TITLE).click()
        reviewer.get_by_label("Commentaire pour l'auteur").fill("Ajoutez les dates des travaux.")
        reviewer.get_by_role("button", name="Renvoyer en brouillon").click()
        expect(reviewer.locator("dt:text-is('État') + dd")).to_have_text("brouillon")

        author.reload()
        assert facts(author, "Commentaire du relecteur") == "Ajoutez les dates des travaux."
        author.get_by_role("link", name="Modifier l'annonce").click()
        author.get_by_label("Texte (facultatif)").fill("Du 1er au 5 décembre.")
        author.get_by_role("button", name="Aperçu").click()
        author.get_by_role("button", name="Publier").click()
        expect(author.locator("dt:text-is('État') + dd")).to_have_text("en attente de validation")

        reviewer.reload()
        reviewer.get_by_role("button", name="Valider l'annonce").click()
        expect(reviewer.locator("dt:text-is('État') + dd")).to_have_text("programmé")
        assert facts(reviewer, "Validé par") == REVIEWER
        found = get_announcement(c.hub, 1)
        assert (found.created_by, found.approved_by) == (EDITOR, REVIEWER)
        assert release_due(c.hub) == [1]
        entries = [(e.actor, e.action) for e in audit_entries(c.hub)]
        assert (REVIEWER, "annonce validée") in entries
        assert (REVIEWER, "annonce renvoyée en brouillon") in entries
        assert entries.count((EDITOR, "annonce soumise à validation")) == 2


def test_each_role_is_refused_outside_its_rights(tmp_path: Path):
    with console(tmp_path) as c:
        agent = c.tab(AGENT)
        expect(agent.get_by_role("link", name="Annonces")).to_have_count(0)
        for path in ("/console/annonces", "/console/annonces/nouvelle", "/console/annonces/1/etat"):
            response = agent.goto(c.base + path)
            assert response is not None and response.status == 403
            expect(agent.get_by_role("main")).to_contain_text(
                "Votre compte ne donne pas accès à cette page."
            )
        editor = c.tab(EDITOR)
        response = editor.goto(c.base + "/console/journal")
        assert response is not None and response.status == 403
