"""The handoff journey in a real headless Chromium, two tabs on one app (uvicorn serving
create_app on a migrated SQLite hub, a fake Rasa playing the assistant's handoff action): a
resident on the chat page, an agent in the console's « Conversations ».

The resident asks for a person → the agent's inbox shows it without a reload → the agent
answers → the resident's page shows it, labelled « Agent de la mairie » → the resident
writes, the agent's page shows it → the agent closes → the page says so, and the assistant
answers again. Both pages keep their security policy (a violation is a console error) and
pass axe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from bot.web.app import SESSION_COOKIE, create_app
from notifications.handoffs import agent_replies, open_handoff, waiting_handoffs
from notifications.hub import Hub
from notifications.staff import add_staff
from tests.axe import assert_accessible
from tests.browser import console_errors, launched_chromium
from tests.fake_rasa import FakeRasa, running_fake_rasa
from tests.hub_support import make_test_hub, migrated_sqlite
from tests.servers import serving
from tests.test_alerts_page import ISOLATED_ARGS
from tests.test_web_alerts import app_settings

AGENT = "accueil@trilport.example"
PASSWORD = "le lavoir de Trilport en hiver"
LIVE = 15_000  # ms: the pages ask every 4 seconds
OPENED = (
    "Je transmets votre demande à un agent de la mairie. Il vous répondra ici, dans cette "
    "conversation."
)
CLOSING = "L'agent a terminé la conversation. L'assistant peut de nouveau vous répondre."


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[str, Hub, FakeRasa]]:
    """The app's URL, the test's hub on its database, and the fake Rasa, whose answer to a
    request for a person is the handoff action's."""
    database = migrated_sqlite(tmp_path / "hub.db")
    hub = make_test_hub(database)
    add_staff(hub, AGENT, "agent", PASSWORD, actor="cli")

    def action(sender: str, message: str) -> str | None:
        if "parler à quelqu'un" not in message:
            return None
        return open_handoff(hub, sender, message, [("resident", message)]).reply

    try:
        with running_fake_rasa() as rasa:
            rasa.handoff = action
            with serving(create_app(app_settings(database, rasa_url=rasa.url))) as base:
                yield base, hub, rasa
    finally:
        hub.close()


@pytest.fixture
def browser() -> Iterator[Browser]:
    with launched_chromium(ISOLATED_ARGS) as chromium:
        yield chromium


def tab(browser: Browser, errors: list[list[str]]) -> Page:
    """A tab in its own browser context (its own cookies), its console errors collected."""
    page = browser.new_context(locale="fr-FR").new_page()
    errors.append(console_errors(page))
    return page


def to_the_inbox(agent: Page, base: str) -> None:
    """The agent logs in through the form and opens « Conversations »."""
    agent.goto(base + "/console/connexion")
    agent.get_by_label("Adresse e-mail").fill(AGENT)
    agent.get_by_label("Mot de passe").fill(PASSWORD)
    agent.get_by_role("button", name="Se connecter").click()
    agent.get_by_role("link", name="Conversations").click()


def ask(page: Page, text: str) -> None:
    field = page.get_by_label("Votre question")
    field.fill(text)
    field.press("Enter")


def test_a_resident_and_an_agent_talk_through_the_handoff(
    app: tuple[str, Hub, FakeRasa], browser: Browser
):
    base, _, rasa = app
    errors: list[list[str]] = []
    resident, agent = tab(browser, errors), tab(browser, errors)
    to_the_inbox(agent, base)
    expect(agent.get_by_role("main")).to_contain_text("Aucune conversation en attente ni en cours.")
    resident.goto(base + "/")

    ask(resident, "Bonjour, je veux parler à quelqu'un")
    expect(resident.locator("#log .msg-bot .text").last).to_have_text(OPENED)

    # The inbox refreshes itself: the request shows up without a reload.
    row = agent.get_by_role("row", name="Bonjour, je veux parler à quelqu'un")
    expect(row).to_contain_text("En attente d'un agent", timeout=LIVE)
    expect(row).to_contain_text("Site web")
    assert_accessible(agent, "the inbox")
    row.get_by_role("link").click()
    expect(agent.get_by_role("heading", level=1)).to_contain_text("Conversation n°")
    agent.get_by_label("Votre réponse").fill("Bonjour, je suis Claire, de l'accueil.")
    agent.get_by_role("button", name="Envoyer la réponse").click()
    expect(agent.get_by_role("status").first).to_have_text(
        "La réponse est enregistrée : l'habitant la voit dans sa conversation."
    )
    assert_accessible(agent, "a conversation")

    said = resident.locator("#log .msg-agent")
    expect(said).to_have_count(1, timeout=LIVE)
    expect(said.locator(".who")).to_have_text("Agent de la mairie")
    expect(said.locator(".text")).to_have_text("Bonjour, je suis Claire, de l'accueil.")

    ask(resident, "Merci, c'est pour un acte de naissance.")
    expect(resident.locator(".handoff-note").last).to_have_text(
        "Message transmis à l'agent de la mairie."
    )
    assert_accessible(resident, "the chat with an agent")
    # The conversation's page refreshes itself too.
    expect(agent.get_by_role("main")).to_contain_text(
        "Merci, c'est pour un acte de naissance.", timeout=LIVE
    )

    agent.get_by_role("button", name="Terminer la conversation").click()
    expect(agent.get_by_role("status").first).to_have_text(
        "La conversation est terminée : l'assistant répond de nouveau."
    )
    expect(resident.locator("#log .msg-notice .text")).to_have_text(CLOSING, timeout=LIVE)

    ask(resident, "Une dernière question")
    expect(resident.locator("#log .msg-bot .text").last).to_have_text(
        "Vous avez dit : Une dernière question"
    )
    assert rasa.messages == ["Bonjour, je veux parler à quelqu'un", "Une dernière question"]
    assert errors == [[], []]


def test_the_page_stops_asking_when_its_first_question_is_refused(tmp_path: Path, browser: Browser):
    """A page reopened in a conversation (its cookie), without the hub's database: the agent's
    messages cannot be asked for (503). The page asks once, not every 4 seconds for as long
    as it stays open."""
    settings = app_settings(f"sqlite:///{tmp_path / 'absent.db'}")
    with serving(create_app(settings)) as base:
        context = browser.new_context(locale="fr-FR")
        context.add_cookies([{"name": SESSION_COOKIE, "value": "a" * 32, "url": base}])
        page = context.new_page()
        errors = console_errors(page, (503,))
        polls: list[str] = []
        page.on("request", lambda r: polls.append(r.url) if "/api/chat/agent" in r.url else None)
        page.clock.install()
        with page.expect_response(lambda r: "/api/chat/agent" in r.url) as first:
            page.goto(base + "/")
        assert first.value.status == 503
        for _ in range(10):  # forty seconds of the page's clock
            page.clock.run_for(4_000)
        expect(page.get_by_label("Votre question")).to_be_editable()
    assert len(polls) == 1
    assert errors == []


def test_a_poll_sent_before_the_handoff_does_not_stop_the_page_asking(
    app: tuple[str, Hub, FakeRasa], browser: Browser
):
    """The page's first poll, still on its way when the assistant hands the conversation
    over, says « nothing open »: the page keeps asking, and the agent's answer arrives."""
    base, hub, _ = app
    page = browser.new_context(locale="fr-FR").new_page()
    errors = console_errors(page)
    held: list[Route] = []
    page.route("**/api/chat/agent?*", lambda r: held.append(r) if not held else r.continue_())
    page.goto(base + "/")
    ask(page, "Bonjour, je veux parler à quelqu'un")
    expect(page.locator("#log .msg-bot .text").last).to_have_text(OPENED)
    (handoff,) = waiting_handoffs(hub)
    held[0].fulfill(json={"open": False, "state": None, "messages": []})  # as before the handoff

    agent_replies(hub, handoff.id, AGENT, "Bonjour, ici l'accueil de la mairie.")

    expect(page.locator("#log .msg-agent .text")).to_have_text(
        "Bonjour, ici l'accueil de la mairie.", timeout=LIVE
    )
    assert errors == []


def test_a_hidden_page_stops_asking_until_it_is_shown_again(
    app: tuple[str, Hub, FakeRasa], browser: Browser
):
    """The page hidden just as the assistant hands the conversation over: its first poll,
    due, is called off; shown again, it asks at once."""
    base, _, _ = app
    page = browser.new_context(locale="fr-FR").new_page()
    errors = console_errors(page)
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/api/chat/agent" in r.url else None)
    page.clock.install(time=CLOCK)
    page.clock.pause_at(CLOCK + timedelta(seconds=1))  # no timer fires but those run below
    with page.expect_response(lambda r: "/api/chat/agent" in r.url):
        page.goto(base + "/")  # the page's first poll: nothing handed over yet
    ask(page, "Bonjour, je veux parler à quelqu'un")
    expect(page.locator("#log .msg-bot .text").last).to_have_text(OPENED)

    page.evaluate(VISIBILITY, True)
    for _ in range(10):  # forty seconds of the page's clock
        page.clock.run_for(4_000)
    while_hidden = len(polls) - 1
    with page.expect_response(lambda r: "/api/chat/agent" in r.url) as shown:
        page.evaluate(VISIBILITY, False)
        page.clock.run_for(1)

    assert while_hidden == 0
    assert shown.value.json()["open"] is True
    assert errors == []


CLOCK = datetime(2025, 3, 3, 10, tzinfo=UTC)
VISIBILITY = """hidden => {
  Object.defineProperty(document, "hidden", { value: hidden, configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}"""
