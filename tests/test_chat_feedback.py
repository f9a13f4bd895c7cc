"""The vote on an answer (👍/👎) on the web: Rasa's question id read from its replies
(bot/rasa_client.py), given by the chat API with the answer, and voted on through
`POST /api/chat/avis` (bot/web/chat_feedback.py) — uvicorn serving create_app on a migrated
hub database (SQLite and PostgreSQL) with a fake Rasa; then the page itself in Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from bot.rasa_client import Button, Reply, parse_replies
from bot.web.app import create_app
from notifications import VOTE_WINDOW
from notifications.hub import Hub
from notifications.questions import AskedQuestion, kept_question, record_question
from tests.browser import console_errors, launched_chromium
from tests.fake_rasa import FakeRasa, running_fake_rasa
from tests.hub_support import FakeClock, make_test_hub, migrated_sqlite
from tests.servers import serving
from tests.test_web_alerts import app_settings

QUESTION = "aB3_-x9QzT0k"
VOTE = "/api/chat/avis"
THANKS = "Merci pour votre avis."
UNKNOWN = (
    "Votre avis sur cette réponse ne peut plus être enregistré : l'avis est possible dans les "
    "24\u00a0heures qui suivent la réponse."
)


def entry(**fields: Any) -> dict[str, Any]:
    return {"recipient_id": "web:x", **fields}


# --- Rasa's replies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "replies"),
    [
        pytest.param(
            [entry(text="Mairie :"), entry(text="lundi 8 h 30"),
             entry(custom={"arobase_question": QUESTION})],
            [Reply("Mairie :"), Reply("lundi 8 h 30", question=QUESTION)],
            id="the id goes to the reply before it",
        ),
        pytest.param(
            [entry(text="Quel service ?"), entry(buttons=[{"title": "Mairie", "payload": "/m"}]),
             entry(custom={"arobase_question": QUESTION})],
            [Reply("Quel service ?", (Button("Mairie", "/m"),), QUESTION)],
            id="with the buttons of that reply",
        ),
        pytest.param(
            [entry(custom={"arobase_question": QUESTION}), entry(text="Bonjour")],
            [Reply("Bonjour")],
            id="no reply before it: ignored",
        ),
        pytest.param(
            [entry(text="Bonjour"), entry(custom={"arobase_question": 12}),
             entry(custom={"arobase_question": "x" * 17}), entry(custom={"arobase_question": ""}),
             entry(custom={"arobase_question": "<script>"}), entry(custom=["arobase_question"]),
             entry(custom={"autre": QUESTION})],
            [Reply("Bonjour")],
            id="malformed ones ignored",
        ),
    ],
)  # fmt: skip
def test_the_question_id_of_rasas_replies_goes_with_its_answer(
    data: list[dict[str, Any]], replies: list[Reply]
):
    assert parse_replies(data) == replies


# --- The API ---------------------------------------------------------------------------------


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with running_fake_rasa() as fake:
        yield fake


@pytest.fixture
async def client(database_url: str, rasa: FakeRasa) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the test's database; its clock is the hub fixture's START."""
    settings = app_settings(database_url, rasa_url=rasa.url, chat_rate_ip="6/minute")
    with serving(create_app(settings)) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False) as http:
            yield http


def ask(hub: Hub, text: str = "la mairie est ouverte samedi ?") -> str:
    asked = AskedQuestion(text, "web", "ask_opening_hours", None, 0.97, "answered")
    return record_question(hub, asked)


async def test_an_answer_comes_with_its_question_id_and_takes_a_vote(
    client: httpx.AsyncClient, hub: Hub, rasa: FakeRasa
):
    rasa.question = ask(hub)

    chat = await client.post("/api/chat", json={"message": "la mairie est ouverte samedi ?"})
    (reply,) = chat.json()["replies"]
    assert reply == {
        "text": "Vous avez dit : la mairie est ouverte samedi ?",
        "buttons": [],
        "question": rasa.question,
    }
    down = await client.post(VOTE, json={"question": reply["question"], "utile": False})
    up = await client.post(VOTE, json={"question": reply["question"], "utile": True})

    assert (down.status_code, up.status_code, up.content) == (204, 204, b"")
    kept = kept_question(hub, rasa.question)
    assert kept is not None and kept.vote is True  # the resident changed their mind


async def test_a_vote_on_an_unknown_or_expired_question_is_a_404(
    client: httpx.AsyncClient, hub: Hub, clock: FakeClock
):
    assert timedelta(hours=24) == VOTE_WINDOW  # as the refusal says
    clock.advance(-86_400)  # asked a day before the app's clock: its vote is over
    old = ask(hub)

    for question in ("AAAAAAAAAAAA", old):
        refused = await client.post(VOTE, json={"question": question, "utile": False})
        assert (refused.status_code, refused.json()) == (404, {"error": UNKNOWN})
    kept = kept_question(hub, old)
    assert kept is not None and kept.vote is None


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"question": QUESTION}, 400, "Le champ «\u00a0utile\u00a0» doit valoir true ou false."),
        ({"question": QUESTION, "utile": "oui"}, 400,
         "Le champ «\u00a0utile\u00a0» doit valoir true ou false."),
        ({"utile": True}, 400, "Le champ «\u00a0question\u00a0» est absent ou n'est pas un texte."),
        ({"question": ["x"], "utile": True}, 400,
         "Le champ «\u00a0question\u00a0» est absent ou n'est pas un texte."),
        ({"question": "x" * 17, "utile": True}, 422,
         "Le champ «\u00a0question\u00a0» ne désigne aucune question."),
        ({"question": "../../", "utile": True}, 422,
         "Le champ «\u00a0question\u00a0» ne désigne aucune question."),
        ([QUESTION, True], 400,
         "La requête doit être un objet JSON avec les champs «\u00a0question\u00a0» et "
         "«\u00a0utile\u00a0»."),
    ],
)  # fmt: skip
async def test_a_malformed_vote_is_refused_with_its_reason(
    client: httpx.AsyncClient, body: Any, status: int, reason: str
):
    refused = await client.post(VOTE, json=body)

    assert (refused.status_code, refused.json()) == (status, {"error": reason})


async def test_a_vote_must_be_small_json_from_the_site_itself(client: httpx.AsyncClient, hub: Hub):
    question = ask(hub)
    vote = {"question": question, "utile": False}

    form = await client.post(VOTE, data=vote)
    huge = await client.post(VOTE, json=vote | {"pad": "x" * 20_000})
    foreign = await client.post(VOTE, json=vote, headers={"Origin": "https://ailleurs.example"})
    cross = await client.post(VOTE, json=vote, headers={"Sec-Fetch-Site": "cross-site"})

    assert [r.status_code for r in (form, huge, foreign, cross)] == [415, 413, 403, 403]
    assert foreign.json() == {
        "error": "Cette demande ne vient pas du site de la mairie : elle a été refusée."
    }
    kept = kept_question(hub, question)
    assert kept is not None and kept.vote is None


async def test_votes_are_rate_limited_apart_from_the_messages(client: httpx.AsyncClient, hub: Hub):
    question = ask(hub)

    answers = [
        (await client.post(VOTE, json={"question": question, "utile": n % 2 == 0})).status_code
        for n in range(6)
    ]
    slowed = await client.post(VOTE, json={"question": question, "utile": False})
    chat = await client.post("/api/chat", json={"message": "bonjour"})

    assert answers == [204] * 6
    assert slowed.status_code == 429 and int(slowed.headers["retry-after"]) >= 1
    assert slowed.json()["error"].startswith("Beaucoup de demandes sont venues de votre connexion")
    assert chat.status_code == 200  # the messages' allowance is its own
    kept = kept_question(hub, question)
    assert kept is not None and kept.vote is False  # the sixth vote, the last one taken


# --- The page, in Chromium -------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeRasa, Hub]]:
    database = migrated_sqlite(tmp_path_factory.mktemp("feedback") / "hub.db")
    hub = make_test_hub(database, FakeClock())
    try:
        with running_fake_rasa() as rasa:
            settings = app_settings(database, rasa_url=rasa.url)
            with serving(create_app(settings)) as url:
                yield url, rasa, hub
    finally:
        hub.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def tab(
    request: pytest.FixtureRequest, browser: Browser, page_site: tuple[str, FakeRasa, Hub]
) -> Iterator[Page]:
    """The chat page; its console must stay free of errors (but the statuses a test asks
    for: its indirect parameter)."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    errors = console_errors(page, getattr(request, "param", ()))
    page.goto(page_site[0] + "/")
    yield page
    context.close()
    assert errors == []


def ask_on_page(tab: Page, text: str) -> None:
    field = tab.get_by_label("Votre question")
    field.fill(text)
    field.press("Enter")


def test_a_resident_votes_on_the_answer_with_the_mouse_or_the_keyboard(
    tab: Page, page_site: tuple[str, FakeRasa, Hub]
):
    _, rasa, hub = page_site
    rasa.question = ask(hub)
    ask_on_page(tab, "Je voudrais des choix")
    answer = tab.locator("#log .msg-bot").last
    votes = answer.get_by_role("group", name="Votre avis sur cette réponse")
    helped = votes.get_by_role("button", name="Cette réponse m'a aidé", exact=True)
    not_helped = votes.get_by_role("button", name="Cette réponse ne m'a pas aidé")
    expect(not_helped).to_have_attribute("aria-pressed", "false")
    # Under the turn's last reply: after the assistant's choices.
    expect(answer.get_by_role("button", name="Carte d'identité")).to_be_visible()

    not_helped.click()

    expect(votes.get_by_role("status")).to_have_text(THANKS)
    expect(not_helped).to_have_attribute("aria-pressed", "true")
    expect(helped).to_have_attribute("aria-pressed", "false")
    kept = kept_question(hub, rasa.question)
    assert kept is not None and kept.vote is False
    helped.focus()
    tab.keyboard.press("Enter")
    expect(helped).to_have_attribute("aria-pressed", "true")
    expect(not_helped).to_have_attribute("aria-pressed", "false")
    kept = kept_question(hub, rasa.question)
    assert kept is not None and kept.vote is True


def test_an_answer_without_a_question_has_no_vote(tab: Page, page_site: tuple[str, FakeRasa, Hub]):
    page_site[1].question = None
    ask_on_page(tab, "bonjour")

    expect(tab.locator("#log .msg-bot .text").last).to_have_text("Vous avez dit : bonjour")
    expect(tab.get_by_role("button", name="Cette réponse m'a aidé")).to_have_count(0)


@pytest.mark.parametrize("tab", [(404,)], indirect=True)
def test_a_refused_vote_says_why_on_the_page(tab: Page, page_site: tuple[str, FakeRasa, Hub]):
    page_site[1].question = "AAAAAAAAAAAA"  # no such question in the hub
    ask_on_page(tab, "bonjour")

    tab.get_by_role("button", name="Cette réponse ne m'a pas aidé").click()

    expect(tab.get_by_role("status")).to_have_text(UNKNOWN)
    expect(tab.get_by_role("button", name="Cette réponse ne m'a pas aidé")).to_have_attribute(
        "aria-pressed", "false"
    )
