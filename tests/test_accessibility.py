"""Every resident page and every console page in a real headless Chromium, checked by axe-core
(tests/axe.py: WCAG 2.1 A and AA, no serious or critical violation), in the state a person
meets it: after a question in the chat, a form refused, a preview, a link followed; then at
320 pixels wide, where the page must not scroll sideways (WCAG 1.4.10, which axe leaves out).

The app is uvicorn serving create_app on a migrated SQLite hub (its clock at the tests'
START), with a fake Rasa behind the chat; staff log in through the console's own form.
The console's pages are one table, CONSOLE; a test checks that it names every page the
console's sections declare, so that a new page cannot go unchecked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bot.web.app import create_app
from bot.web.clients import RateLimit
from bot.web.console import SECTIONS, account_handlers
from notifications import ClosureInput, add_closure
from notifications.dashboard import worker_beat
from notifications.decide.handoffs import Relay
from notifications.handoffs import agent_replies, open_handoff, resident_writes
from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import claim, record, release_due
from notifications.questions import (
    AnswerInput,
    AskedQuestion,
    record_question,
    vote_question,
    write_answer,
)
from notifications.records import SendResult
from notifications.staff import add_staff
from notifications.store.handoff_staff import record_relay
from notifications.subscribers import add_subscriber, confirm_by_token
from tests.axe import assert_accessible, blocking_violations
from tests.browser import launched_chromium
from tests.fake_rasa import running_fake_rasa
from tests.hub_support import START, FakeClock, make_test_hub, migrated_sqlite
from tests.servers import serving
from tests.test_alerts_page import ISOLATED_ARGS
from tests.test_web_alerts import app_settings

PASSWORD = "le lavoir de Trilport en hiver"
ACCOUNTS = {
    "admin": "secretaire@trilport.example",
    "editor": "com@trilport.example",
    "agent": "accueil@trilport.example",
}
UNKNOWN_TOKEN = "ce-jeton-n-existe-pas-du-tout"
# The seeded town (seed below): what residents chose, and what the town hall announced.
RESIDENT_TOPICS = [["travaux", "dechets"], ["actualites", "evenements"], ["travaux"]]
CONFIRMED = ["claire.dubois@exemple.example", "marc.leroy@exemple.example"]
EXPIRED = "oubli@exemple.example"
BULKY_WASTE = (
    "Collecte des encombrants le 3 décembre",
    "Sortez vos encombrants la veille au soir, devant votre domicile.",
)
ROAD_WORKS = (
    "Rue de Meaux fermée du 1er au 5 décembre",
    "Travaux sur la chaussée : déviation par la rue de la Gare.",
)
WORKS_LINK = "https://www.trilport.example/travaux"
CLOSED = (
    "Mairie fermée le 24 décembre",
    "La mairie sera fermée le jeudi 24 décembre. Réouverture le lundi 28 à 8 h 30.",
)
CLOSED_AT = "2026-12-20 09:00"
GREEN_WASTE = "Les déchets verts vont à la déchetterie, ou dans le bac marron d'avril à novembre."
BLOCKED = "le résident a bloqué le bot"
TRAINING = ClosureInput("2026-12-07", "Formation du personnel", services=("mairie",))
Action = Callable[[Page], None]
# WCAG 1.4.10 (reflow): at 320 CSS pixels wide, nothing scrolls sideways but a data table
# (in its own scrolling region).
NARROW = {"width": 320, "height": 640}


@dataclass(frozen=True)
class Site:
    """The served app, and what the seeded hub's links need ({name} in a visit's path)."""

    base: str
    values: dict[str, str]


@dataclass(frozen=True)
class Visit:
    """A page in a given state: PATH (with {name}s from Site.values) opened by ROLE's
    account (None: nobody logged in), answering STATUS, then THEN done by the person.
    ROUTE: the console route the visit covers."""

    path: str
    status: int = 200
    role: str | None = None
    then: Action | None = None
    route: str | None = None


# --- What a person does before the check -------------------------------------------------------


def ask_with_choices(tab: Page) -> None:
    """A question whose answer offers two buttons (tests/fake_rasa.py)."""
    field = tab.get_by_label("Votre question")
    field.fill("Je voudrais un choix")
    field.press("Enter")
    expect(tab.get_by_role("button", name="Carte d'identité")).to_be_visible()


def vote_down(tab: Page) -> None:
    """A question answered, then 👎 under the answer: the thanks are shown."""
    ask_with_choices(tab)
    tab.get_by_role("button", name="Cette réponse ne m'a pas aidé").click()
    expect(tab.get_by_role("status")).to_have_text("Merci pour votre avis.")


def press(button: str, heading: str) -> Action:
    """Press BUTTON; the page that follows has HEADING."""

    def act(tab: Page) -> None:
        tab.get_by_role("button", name=button).click()
        expect(tab.get_by_role("heading", level=1)).to_have_text(heading)

    return act


def refused_login(tab: Page) -> None:
    tab.get_by_label("Adresse e-mail").fill(ACCOUNTS["editor"])
    tab.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    tab.get_by_role("button", name="Se connecter").click()
    expect(tab.get_by_role("alert")).to_be_visible()


def login_unavailable(tab: Page) -> None:
    tab.get_by_label("Adresse e-mail").fill(ACCOUNTS["editor"])
    tab.get_by_label("Mot de passe").fill(PASSWORD)
    press("Se connecter", "Console indisponible")(tab)


def mismatched_passwords(tab: Page) -> None:
    tab.get_by_label("Nouveau mot de passe").fill(PASSWORD)
    tab.get_by_label("Confirmez le mot de passe").fill(PASSWORD + " bis")
    tab.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(tab.get_by_role("alert")).to_be_visible()


def compose_without_topic(tab: Page) -> None:
    tab.get_by_label("Titre").fill("Collecte des encombrants")
    tab.get_by_role("button", name="Aperçu").click()
    expect(tab.get_by_role("alert")).to_be_visible()


def compose_preview(tab: Page) -> None:
    tab.get_by_label("Titre").fill("Rue de Meaux fermée")
    tab.get_by_label("Texte (facultatif)").fill("Travaux sur la chaussée du 1er au 5 décembre.")
    tab.get_by_role("group", name="Thèmes (au moins un)").get_by_label("Travaux").check()
    tab.get_by_role("group", name="Secteurs (facultatif)").get_by_label("Secteur A").check()
    tab.get_by_role("button", name="Aperçu").click()
    expect(tab.get_by_role("heading", name="Aperçu du texte envoyé")).to_be_visible()


def submit(button: str) -> Action:
    """Press BUTTON, which sends its form; the page that answers."""

    def act(tab: Page) -> None:
        with tab.expect_navigation():
            tab.get_by_role("button", name=button).click()

    return act


def enrol_on(street: str) -> Action:
    """An agent enrols a resident of STREET who signed the paper form."""

    def act(tab: Page) -> None:
        tab.locator("#adresse").fill("josiane.petit@exemple.example")
        tab.get_by_role("group", name="Thèmes (au moins un)").get_by_label("Travaux").check()
        tab.get_by_label("Rue de la personne (facultatif)").fill(street)
        tab.get_by_label("Formulaire papier").check()
        tab.get_by_label("La personne a donné son accord").check()
        submit("Inscrire")(tab)

    return act


def blank_answer(tab: Page) -> None:
    """A staff answer of spaces only: the browser lets it through, the console refuses it."""
    tab.get_by_label("Réponse de l'assistant").fill("   ")
    submit("Enregistrer la réponse")(tab)
    expect(tab.get_by_role("alert")).to_be_visible()


def blank_reply(tab: Page) -> None:
    """An agent's reply of spaces only: the browser lets it through, the console refuses it."""
    tab.get_by_label("Votre réponse").fill("   ")
    submit("Envoyer la réponse")(tab)
    expect(tab.get_by_role("alert")).to_be_visible()


def email_sign_up(tab: Page) -> None:
    """A resident asks for e-mail alerts on « Travaux »."""
    tab.get_by_label("Votre adresse e-mail").fill("paulette.roux@exemple.example")
    tab.get_by_role("group", name="Choisissez vos sujets").get_by_label("Travaux").check()
    submit("Recevoir les alertes par e-mail")(tab)
    expect(tab.get_by_text("un e-mail vient de lui être envoyé")).to_be_visible()


def email_sign_up_without_topic(tab: Page) -> None:
    """No topic ticked: the browser lets it through, the page comes back with the reason."""
    tab.get_by_label("Votre adresse e-mail").fill("paulette.roux@exemple.example")
    submit("Recevoir les alertes par e-mail")(tab)
    expect(tab.get_by_role("alert")).to_have_text("Choisissez au moins un thème.")


def find_subscriber(tab: Page) -> None:
    tab.locator("#recherche-adresse").fill(CONFIRMED[0])
    submit("Retrouver")(tab)


# --- The pages -------------------------------------------------------------------------------

RESIDENT = {
    "chat": Visit("/"),
    "chat-answered": Visit("/", then=ask_with_choices),
    "chat-voted": Visit("/", then=vote_down),
    "alerts": Visit("/alertes"),
    "app": Visit("/app"),
    "app-topic": Visit("/app?sujet=travaux"),
    "app-unknown-topic": Visit("/app?sujet=nulle-part", 404),
    "email-signup": Visit("/alertes/email"),
    "email-signup-sent": Visit("/alertes/email", then=email_sign_up),
    "email-signup-refused": Visit("/alertes/email", then=email_sign_up_without_topic),
    "privacy": Visit("/confidentialite"),
    "confirm": Visit("/alertes/confirmer?jeton={pending}"),
    "confirmed": Visit(
        "/alertes/confirmer?jeton={confirming}",
        then=press("Confirmer mon abonnement", "Votre abonnement est confirmé"),
    ),
    "confirm-expired": Visit("/alertes/confirmer?jeton={expired}", 410),
    "confirm-unknown": Visit(f"/alertes/confirmer?jeton={UNKNOWN_TOKEN}", 404),
    "unsubscribe": Visit("/alertes/desabonnement?jeton={subscribed}"),
    "unsubscribed": Visit(
        "/alertes/desabonnement?jeton={leaving}",
        then=press("Me désabonner", "Vous êtes désabonné(e)"),
    ),
    "unsubscribe-unknown": Visit(f"/alertes/desabonnement?jeton={UNKNOWN_TOKEN}", 404),
    "wrong-link": Visit("/actualites/nulle-part", 404),
}

LOGIN, PASSWORD_LINK = "/console/connexion", "/console/mot-de-passe"
ANNOUNCEMENTS, COMPOSE = "/console/annonces", "/console/annonces/nouvelle"
MESSAGE = "/console/annonces/{message_id:int}"
DASHBOARD, CONTENT, COUNTER = "/console/tableau-de-bord", "/console/contenu", "/console/guichet"
NEW_CLOSURE, CLOSURE = CONTENT + "/fermetures/nouvelle", CONTENT + "/fermetures/{}"
PROCEDURE, ID = CONTENT + "/demarches/{key}", "{closure_id:int}"
IDENTITY_CARD = PROCEDURE.replace("{key}", "carte_identite")
QUESTIONS = "/console/questions"
ANSWER_FORM, ANSWER_ROUTE = QUESTIONS + "/{question}/reponse", QUESTIONS + "/{question_id}/reponse"
CONVERSATIONS = "/console/conversations"
HANDOFF, HANDOFF_ROUTE = CONVERSATIONS + "/{}", CONVERSATIONS + "/{handoff_id:int}"
CONSOLE = {
    "login": Visit(LOGIN, route=LOGIN),
    "login-refused": Visit(LOGIN, then=refused_login, route=LOGIN),
    "password-link": Visit(PASSWORD_LINK + "?jeton={link}", route=PASSWORD_LINK),
    "password-refused": Visit(
        PASSWORD_LINK + "?jeton={link}", then=mismatched_passwords, route=PASSWORD_LINK
    ),
    "password-unknown-link": Visit(f"{PASSWORD_LINK}?jeton={UNKNOWN_TOKEN}", 404),
    "home-editor": Visit("/console", role="editor", route="/console"),
    "home-agent": Visit("/console", role="agent", route="/console"),
    "journal": Visit("/console/journal", role="admin", route="/console/journal"),
    "journal-refused": Visit("/console/journal", 403, role="editor"),
    "announcements": Visit(ANNOUNCEMENTS, role="editor", route=ANNOUNCEMENTS),
    "compose": Visit(COMPOSE, role="editor", route=COMPOSE),
    "compose-refused": Visit(COMPOSE, role="editor", then=compose_without_topic, route=COMPOSE),
    "compose-preview": Visit(COMPOSE, role="editor", then=compose_preview, route=COMPOSE),
    "message": Visit("/console/annonces/{message}", role="editor", route=MESSAGE),
    "message-unknown": Visit("/console/annonces/999", 404, role="editor"),
    "message-edit": Visit(
        "/console/annonces/{scheduled}/modifier", role="editor", route=MESSAGE + "/modifier"
    ),
    "dashboard": Visit(DASHBOARD, role="editor", route=DASHBOARD),
    "content": Visit(CONTENT, role="editor", route=CONTENT),
    "closure-new": Visit(NEW_CLOSURE, role="editor", route=NEW_CLOSURE),
    "closure": Visit(CLOSURE.format("{closure}"), role="editor", route=CLOSURE.format(ID)),
    "procedure": Visit(IDENTITY_CARD, role="editor", route=PROCEDURE),
    "procedure-preview": Visit(
        IDENTITY_CARD,
        role="editor",
        then=submit("Aperçu de la réponse"),
        route=PROCEDURE,
    ),
    "counter": Visit(COUNTER, role="agent", route=COUNTER),
    "counter-enrolled": Visit(COUNTER, role="agent", then=enrol_on("12 rue de Meaux")),
    "counter-refused": Visit(COUNTER, role="agent", then=enrol_on("Rue de Nulle-Part")),
    "counter-found": Visit(COUNTER, role="agent", then=find_subscriber),
    "no-such-page": Visit("/console/nulle-part", 404, role="editor"),
    "second-factor": Visit(
        "/console/double-authentification", role="agent", route="/console/double-authentification"
    ),
    "questions": Visit(QUESTIONS, role="editor", route=QUESTIONS),
    "question-answer": Visit(ANSWER_FORM, role="editor", route=ANSWER_ROUTE),
    "question-answer-refused": Visit(
        ANSWER_FORM, role="editor", then=blank_answer, route=ANSWER_ROUTE
    ),
    "staff-answers": Visit(QUESTIONS + "/reponses", role="editor", route=QUESTIONS + "/reponses"),
    "conversations": Visit(CONVERSATIONS, role="agent", route=CONVERSATIONS),
    "conversation": Visit(HANDOFF.format("{handoff}"), role="agent", route=HANDOFF_ROUTE),
    "conversation-refused": Visit(
        HANDOFF.format("{handoff}"), role="agent", then=blank_reply, route=HANDOFF_ROUTE
    ),
}
# GET routes of the console that are not pages: the message page's live part (JSON), the
# questions' training export (YAML).
NOT_PAGES = {MESSAGE + "/etat", QUESTIONS + "/entrainement.yml"}
NOT_PAGES |= {CONVERSATIONS + "/etat", HANDOFF_ROUTE + "/etat"}  # the conversations' live parts


# --- The site ----------------------------------------------------------------------------------


def deliver(hub: Hub, gone: str = "") -> None:
    """The worker's part, its channels answering at once: every due delivery sent, but the
    Telegram chat GONE's (the resident blocked the bot)."""
    release_due(hub)
    for channel in ("telegram", "email"):
        for claimed in claim(hub, channel, "guide", 100, {}):
            refused = claimed.envelope.address == gone
            result = SendResult.gone(BLOCKED) if refused else SendResult.sent()
            record(hub, claimed, result, "guide")


def seed(hub: Hub, clock: FakeClock) -> dict[str, str]:
    """Trilport's console as staff meet it: accounts, a newcomer's one-time link, residents
    on Telegram and by e-mail, two announcements sent (one delivery refused) and one
    scheduled, e-mail subscriptions waiting for their confirmation. The tokens and the
    message's id the visits' paths need."""
    for role, email in ACCOUNTS.items():
        add_staff(hub, email, role, PASSWORD, actor="cli")
    _, link = add_staff(hub, "nouvelle@trilport.example", "editor", actor=ACCOUNTS["admin"])
    assert link is not None
    clock.set(START - timedelta(days=30))  # an e-mail subscription never confirmed in time
    values = {"link": link, "expired": add_subscriber(hub, "email", EXPIRED, ["travaux"]).token}
    for number, topics in enumerate(RESIDENT_TOPICS * 4):
        add_subscriber(hub, "telegram", str(1001 + number), topics)
    for address in CONFIRMED:
        confirm_by_token(hub, add_subscriber(hub, "email", address, ["travaux", "dechets"]).token)
    clock.set(START - timedelta(days=2))
    announce(hub, BULKY_WASTE[0], body=BULKY_WASTE[1], topics=["dechets"])
    deliver(hub)
    clock.set(START - timedelta(hours=3))
    works = announce(hub, ROAD_WORKS[0], body=ROAD_WORKS[1], topics=["travaux"], link=WORKS_LINK)
    deliver(hub, gone="1004")
    clock.set(START)
    worker_beat(hub, "worker", START - timedelta(days=3))  # the sending service is running
    later = announce(hub, CLOSED[0], body=CLOSED[1], topics=["actualites"], at=CLOSED_AT)
    closure = add_closure(hub, TRAINING, actor=ACCOUNTS["editor"])
    for name in ("pending", "confirming", "subscribed", "leaving"):
        info = add_subscriber(hub, "email", f"{name}@exemple.example", ["travaux", "ecoles"])
        values[name] = info.token
    ids = {"message": works.id, "scheduled": later.id, "closure": closure.id}
    seeded = values | {name: str(number) for name, number in ids.items()} | ask_questions(hub)
    return seeded | hand_over(hub)


def hand_over(hub: Hub) -> dict[str, str]:
    """Two conversations handed over to an agent: one waiting on the site, one on Telegram
    with the turns before it, the resident's message and a reply Telegram refused."""
    open_handoff(hub, "web:" + "s" * 32, "Ma poubelle n'a pas été ramassée", [])
    turns = [("resident", "La mairie est ouverte samedi ?"), ("assistant", "De 9h à 12h.")]
    handoff = open_handoff(hub, "telegram:1001", "je veux parler à quelqu'un", turns).handoff
    resident_writes(hub, "telegram:1001", "C'est pour un acte de naissance.")
    reply = agent_replies(hub, handoff.id, ACCOUNTS["agent"], "Bonjour, pour quelle date ?")
    record_relay(hub.db, reply.id, Relay.FAILED, BLOCKED)
    return {"handoff": str(handoff.id)}


def ask_questions(hub: Hub) -> dict[str, str]:
    """Questions residents asked (one group answered in the console): the id of one to review."""
    for text in ("Où jeter mes déchets verts ?", "ou jeter les dechets verts"):
        answered = record_question(hub, AskedQuestion(text, "web", None, None, None, "unsure"))
    write_answer(hub, answered, AnswerInput(GREEN_WASTE, "Où jeter mes déchets verts ?"),
                 actor=ACCOUNTS["editor"])  # fmt: skip
    down = record_question(
        hub,
        AskedQuestion(
            "Quand passe le camion poubelle ?",
            "telegram",
            "procedure",
            "encombrants",
            0.4,
            "answered",
        ),
    )
    vote_question(hub, down, False)
    return {"question": down}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    database = migrated_sqlite(tmp_path_factory.mktemp("a11y") / "hub.db")
    clock = FakeClock()
    hub = make_test_hub(database, clock)
    try:
        values = seed(hub, clock)
        with running_fake_rasa() as rasa:
            rasa.question = values["question"]  # each answer takes a vote (👍/👎)
            settings = app_settings(database, rasa_url=rasa.url, console_login_rate="1000/minute")
            with serving(create_app(settings)) as base:
                yield Site(base, values)
    finally:
        hub.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium(ISOLATED_ARGS) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def logged_in(browser: Browser, site: Site) -> Callable[[str], dict[str, Any]]:
    """ROLE's logged-in browser state (cookies), logging in through the form once per role."""
    states: dict[str, dict[str, Any]] = {}

    def state(role: str) -> dict[str, Any]:
        if role not in states:
            context = browser.new_context(locale="fr-FR")
            tab = context.new_page()
            tab.goto(site.base + LOGIN)
            tab.get_by_label("Adresse e-mail").fill(ACCOUNTS[role])
            tab.get_by_label("Mot de passe").fill(PASSWORD)
            tab.get_by_role("button", name="Se connecter").click()
            expect(tab).to_have_url(site.base + "/console")
            states[role] = dict(context.storage_state())
            context.close()
        return states[role]

    return state


def check(browser: Browser, site: Site, visit: Visit, where: str, state: Any = None) -> None:
    """Open VISIT in a fresh context (with STATE's cookies), do its step, run axe."""
    context: BrowserContext = browser.new_context(locale="fr-FR", storage_state=state)
    try:
        tab = context.new_page()
        response = tab.goto(site.base + visit.path.format(**site.values))
        assert response is not None and response.status == visit.status, where
        if visit.then is not None:
            visit.then(tab)
        assert_accessible(tab, where)
        tab.set_viewport_size(NARROW)
        wide = tab.evaluate("document.documentElement.scrollWidth")
        assert wide <= NARROW["width"], f"{where}: {wide} px wide on a 320 px screen"
    finally:
        context.close()


@pytest.mark.parametrize("name", list(RESIDENT))
def test_a_resident_page_has_no_serious_accessibility_violation(
    browser: Browser, site: Site, name: str
):
    check(browser, site, RESIDENT[name], name)


@pytest.mark.parametrize("name", list(CONSOLE))
def test_a_console_page_has_no_serious_accessibility_violation(
    browser: Browser, site: Site, logged_in: Callable[[str], dict[str, Any]], name: str
):
    visit = CONSOLE[name]
    check(browser, site, visit, name, logged_in(visit.role) if visit.role else None)


def test_the_console_table_names_every_page_of_the_console():
    """Each GET route the console declares (its own and its sections') is visited above."""
    handlers = account_handlers(RateLimit("1/minute"))
    for section in SECTIONS:
        handlers.update(section.handlers())
    pages = {path for path, methods in handlers.items() if "GET" in methods}
    visited = {visit.route for visit in CONSOLE.values() if visit.route} | NOT_PAGES
    assert pages - visited == set(), "console pages without an accessibility check"
    assert visited - pages == set(), "visits of routes the console no longer declares"


def test_the_pages_said_unavailable_have_no_serious_accessibility_violation(
    browser: Browser, tmp_path: Path
):
    """A hub database that is not migrated: the alerts' and the console's 503 pages."""
    empty = f"sqlite:///{tmp_path / 'not-migrated.db'}"
    with serving(create_app(app_settings(empty))) as base:
        site = Site(base, {})
        check(browser, site, Visit(f"/alertes/confirmer?jeton={UNKNOWN_TOKEN}", 503), "alerts")
        console = Visit(LOGIN, then=login_unavailable)
        check(browser, site, console, "console")


def test_the_check_finds_what_blocks_a_person(browser: Browser):
    """The wiring itself: grey on white and an image without a text are reported."""
    tab = browser.new_page()
    try:
        tab.set_content(
            '<!doctype html><html lang="fr"><title>Essai</title><main><h1>Essai</h1>'
            '<p style="color: #aaa; background: #fff">Gris clair</p><img src="plan.png">'
            "</main></html>"
        )
        found = {violation.rule for violation in blocking_violations(tab)}
    finally:
        tab.close()
    assert found == {"color-contrast", "image-alt"}
