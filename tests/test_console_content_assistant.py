"""Acceptance: a closure added in the console is given by the real assistant (web app
/api/chat → real Rasa 3.6 → real action server) within seconds, without retraining, and
no longer once removed. The web app and the action server share the stack's database.

The actions' clock is frozen at Wednesday 25 November 2026, 10:00 (tests/stack.py), the web
app's at the same moment (tests.hub_support.START).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from bot.web.app import create_app
from notifications.hub import Hub
from notifications.staff import add_staff
from notifications.town_content import remove_closure, town_edits
from tests import test_assistant
from tests.hub_support import make_test_hub
from tests.servers import serving
from tests.stack import RasaStack
from tests.test_assistant import ask
from tests.test_console_web import PASSWORD, csrf_of, logged_in
from tests.test_web_alerts import app_settings

pytestmark = pytest.mark.rasa

EDITOR = "contenu@trilport.example"
QUESTION = "La mairie est ouverte le 9 décembre ?"  # a Wednesday: open 8h30-12h, 14h-17h
REASON = "Inventaire des archives"
# The chat client of tests/test_assistant.py, on this module's web app.
web = test_assistant.web
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


async def answer_until(web: httpx.AsyncClient, wanted: bool) -> tuple[str, float]:
    """Ask QUESTION again until the answer names REASON (WANTED) or no longer does; the
    answer and the seconds it took. Fails at the deadline with the last answer."""
    start = time.monotonic()
    while True:
        text, _ = await ask(web, QUESTION)
        elapsed = time.monotonic() - start
        if (REASON.lower() in text.lower()) is wanted:
            return text, elapsed
        assert elapsed < DEADLINE, f"after {elapsed:.1f} s the assistant still says:\n{text}"


async def test_a_closure_added_in_the_console_is_given_by_the_assistant(
    web: httpx.AsyncClient, stack_hub: Hub, measures: dict[str, str]
):
    before, _ = await ask(web, QUESTION)
    assert "9 décembre" in before.lower() and "8h30" in before, before
    assert REASON.lower() not in before.lower()
    await logged_in(web, EDITOR)
    form = await web.get("/console/contenu/fermetures/nouvelle")
    data = {"csrf": csrf_of(form), "date": "2026-12-09", "services": ["mairie"], "reason": REASON}
    try:
        added = await web.post("/console/contenu/fermetures/nouvelle", data=data)
        assert added.status_code == 303, added.text

        closed, seconds = await answer_until(web, wanted=True)

        assert closed.startswith(f"Fermée le mercredi 9 décembre ({REASON})."), closed
        measures["console closure → assistant"] = f"{seconds:.1f} s (refresh {REFRESH:g} s)"
        (edit,) = town_edits(stack_hub).closures
        removed = await web.post(
            f"/console/contenu/fermetures/{edit.id}/supprimer", data={"csrf": data["csrf"]}
        )
        assert removed.status_code == 303, removed.text
        reopened, _ = await answer_until(web, wanted=False)
        assert reopened == before, reopened
    finally:  # the stack serves other tests: leave its content as the file has it
        for edit in town_edits(stack_hub).closures:
            remove_closure(stack_hub, edit.id, actor="cli")
