"""Acceptance: a closure an editor adds in the console, in Chromium, is given by the real
assistant (web app /api/chat → real Rasa 3.6 → real action server) within seconds, without
retraining, and no longer once removed. The web app and the action server share the stack's
database.

The actions' clock is frozen at Wednesday 25 November 2026, 10:00 (tests/stack.py), the web
app's at the same moment (tests.hub_support.START).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from bot.web.app import create_app
from notifications.hub import Hub
from notifications.staff import add_staff
from notifications.town_content import remove_closure, town_edits
from tests.browser import launched_chromium
from tests.hub_support import make_test_hub
from tests.servers import serving
from tests.stack import RasaStack
from tests.test_console_web import PASSWORD
from tests.test_web_alerts import app_settings

pytestmark = pytest.mark.rasa

EDITOR = "contenu@trilport.example"
QUESTION = "La mairie est ouverte le 9 décembre ?"  # a Wednesday: open 8h30-12h, 14h-17h
REASON = "Inventaire des archives"
REFRESH = 5.0  # AROBASE_CONTENT_REFRESH of the stack (its default)
DEADLINE = REFRESH + 25  # seconds: the refresh, and Rasa's answer time, with room


@pytest.fixture(scope="module")
def stack_hub(rasa_stack: RasaStack) -> Iterator[Hub]:
    """The hub on the stack's database, with an editor's account."""
    hub = make_test_hub(rasa_stack.env["AROBASE_DATABASE_URL"])
    add_staff(hub, EDITOR, "editor", PASSWORD, actor="cli")
    yield hub
    hub.close()


@pytest.fixture(scope="module")
def web_url(rasa_stack: RasaStack, stack_hub: Hub) -> Iterator[str]:
    """The real web app (chat and console) on the stack's database, in front of its Rasa."""
    settings = app_settings(
        rasa_stack.env["AROBASE_DATABASE_URL"],
        rasa_url=rasa_stack.rasa_url,
        rasa_timeout=30,
        chat_rate_ip="100000/minute",
        chat_rate_session="100000/minute",
    )
    with serving(create_app(settings)) as url:
        yield url


def ask(chat: httpx.Client, message: str) -> str:
    """The assistant's reply to MESSAGE on the web chat's API, its texts joined."""
    response = chat.post("/api/chat", json={"message": message})
    assert response.status_code == 200, response.text
    return "\n".join(reply["text"] for reply in response.json()["replies"])


def answer_until(chat: httpx.Client, wanted: bool) -> tuple[str, float]:
    """Ask QUESTION again until the answer names REASON (WANTED) or no longer does; the
    answer and the seconds it took. Fails at the deadline with the last answer."""
    start = time.monotonic()
    while True:
        text = ask(chat, QUESTION)
        elapsed = time.monotonic() - start
        if (REASON.lower() in text.lower()) is wanted:
            return text, elapsed
        assert elapsed < DEADLINE, f"after {elapsed:.1f} s the assistant still says:\n{text}"


def add_closure_in_chromium(tab: Page, base: str) -> None:
    """An editor logs in and closes the town hall on 9 December, with the console's form."""
    tab.goto(base + "/console/connexion")
    tab.get_by_label("Adresse e-mail").fill(EDITOR)
    tab.get_by_label("Mot de passe").fill(PASSWORD)
    tab.get_by_role("button", name="Se connecter").click()
    tab.get_by_role("link", name="Contenu de la commune").click()
    tab.get_by_role("link", name="Ajouter une fermeture").click()
    tab.get_by_label("Date (premier jour)").fill("2026-12-09")
    services = tab.get_by_role("group", name="Services concernés")
    services.get_by_label("Tous les services").uncheck()
    services.get_by_label("Mairie de Trilport").check()
    tab.get_by_label("Motif").fill(REASON)
    tab.get_by_role("button", name="Enregistrer la fermeture").click()
    expect(tab.get_by_role("status")).to_contain_text("La fermeture est enregistrée.")


def remove_closure_in_chromium(tab: Page) -> None:
    tab.get_by_role("link", name="Modifier la fermeture du 09/12/2026").click()
    tab.get_by_role("button", name="Supprimer la fermeture").click()
    expect(tab.get_by_role("status")).to_contain_text("La fermeture est supprimée.")


def test_a_closure_added_in_the_console_is_given_by_the_assistant(
    web_url: str, stack_hub: Hub, measures: dict[str, str]
):
    chat = httpx.Client(base_url=web_url, timeout=60, trust_env=False)
    try:
        before = ask(chat, QUESTION)
        assert "9 décembre" in before.lower() and "8h30" in before, before
        assert REASON.lower() not in before.lower()
        with launched_chromium() as chromium:
            tab = chromium.new_context(locale="fr-FR").new_page()
            add_closure_in_chromium(tab, web_url)

            closed, seconds = answer_until(chat, wanted=True)

            wanted = f"La mairie est fermée le mercredi 9 décembre ({REASON})."
            assert closed.startswith(wanted), closed
            measures["console closure → assistant"] = f"{seconds:.1f} s (refresh {REFRESH:g} s)"
            remove_closure_in_chromium(tab)
        reopened, _ = answer_until(chat, wanted=False)
        assert reopened == before, reopened
    finally:  # the stack serves other tests: leave its content as the file has it
        chat.close()
        for edit in town_edits(stack_hub).closures:
            remove_closure(stack_hub, edit.id, actor="cli")
