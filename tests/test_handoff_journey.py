"""The handoff journey with the real assistant (issue 11's acceptance), in Chromium: the chat
page of the web app → the real Rasa 3.6 server → the real action server, which opens the
handoff in the hub; the agent in the console's « Conversations » of the same app. The actions'
clock is Wednesday 25 November 2026, 10:00: the town hall is open.

resident asks for a person → the agent's inbox shows it → the agent answers → the resident's
page shows it → the agent closes → the assistant answers again (the real one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from bot.web.app import create_app
from notifications.handoffs import waiting_handoffs
from notifications.hub import Hub, system_clock
from notifications.staff import add_staff
from tests.browser import launched_chromium
from tests.hub_support import make_test_hub
from tests.servers import serving
from tests.stack import RasaStack
from tests.test_alerts_page import ISOLATED_ARGS
from tests.test_console_conversations_browser import (
    AGENT,
    CLOSING,
    LIVE,
    OPENED,
    PASSWORD,
    ask,
    tab,
    to_the_inbox,
)
from tests.test_web_alerts import app_settings

pytestmark = pytest.mark.rasa


@pytest.fixture(scope="module")
def hub(rasa_stack: RasaStack) -> Iterator[Hub]:
    """The hub database the action server uses, with an agent's account."""
    hub = make_test_hub(rasa_stack.env["AROBASE_DATABASE_URL"], system_clock)
    add_staff(hub, AGENT, "agent", PASSWORD, actor="cli")
    yield hub
    hub.close()


@pytest.fixture(scope="module")
def site(rasa_stack: RasaStack, hub: Hub) -> Iterator[str]:
    settings = app_settings(hub.settings.database_url, rasa_url=rasa_stack.rasa_url)
    with serving(create_app(settings)) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Browser]:
    with launched_chromium(ISOLATED_ARGS) as chromium:
        yield chromium


def test_the_handoff_journey_with_the_real_assistant(site: str, hub: Hub, browser: Browser) -> None:
    errors: list[list[str]] = []
    resident, agent = tab(browser, errors), tab(browser, errors)
    to_the_inbox(agent, site)

    resident.goto(site + "/")
    ask(resident, "ma facture de cantine est fausse")
    expect(resident.locator("#log .msg-bot")).to_have_count(2)  # the greeting, then the reply
    ask(resident, "je veux parler à quelqu'un de la mairie")
    expect(resident.locator("#log .msg-bot .text").last).to_have_text(OPENED)

    # This resident's request (other tests on this stack ask for a person too).
    session = next(c["value"] for c in resident.context.cookies() if c["name"] == "arobase_session")
    [handoff] = [h for h in waiting_handoffs(hub) if h.conversation == f"web:{session}"]
    link = agent.get_by_role("link", name=f"n°\u00a0{handoff.id}", exact=True)
    expect(link).to_be_visible(timeout=LIVE)  # the inbox refreshes itself
    link.click()
    # The turns before the request reach the agent with it.
    expect(agent.get_by_role("main")).to_contain_text("ma facture de cantine est fausse")
    agent.get_by_label("Votre réponse").fill("Bonjour, je regarde votre facture.")
    agent.get_by_role("button", name="Envoyer la réponse").click()
    said = resident.locator("#log .msg-agent .text")
    expect(said).to_have_text(["Bonjour, je regarde votre facture."], timeout=LIVE)

    # The assistant stays silent: this question goes to the agent, not to Rasa.
    ask(resident, "la mairie est ouverte samedi ?")
    expect(agent.get_by_role("main")).to_contain_text(
        "la mairie est ouverte samedi ?", timeout=LIVE
    )
    expect(resident.locator("#log .msg-bot .text").last).to_have_text(OPENED)

    agent.get_by_role("button", name="Terminer la conversation").click()
    expect(resident.locator("#log .msg-notice .text")).to_have_text(CLOSING, timeout=LIVE)
    ask(resident, "la mairie est ouverte samedi ?")
    expect(resident.locator("#log .msg-bot .text").last).to_contain_text(
        "Samedi 28 novembre, la mairie est ouverte"
    )
    assert errors == [[], []]
