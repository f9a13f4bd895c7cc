"""The chat widget on the town's own website, in a real headless Chromium: a test page served
from another origin (another loopback port) loads `/widget.js`; the widget talks to the app
and a fake Rasa when that origin is listed in AROBASE_WIDGET_ORIGINS, and is refused from an
unlisted one. Keyboard, screen-reader roles and axe-core checked inside its shadow DOM."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from arobase.settings import Settings
from bot.web.app import create_app
from bot.web.widget import widget_origins
from tests.axe import assert_accessible
from tests.browser import console_errors, launched_chromium
from tests.fake_rasa import FakeRasa, make_settings, running_fake_rasa, write_town
from tests.servers import serving
from tests.test_alerts_page import ISOLATED_ARGS

LAUNCHER = "Une question ? Discuter avec l'assistant"


def town_site(app_url: list[str]) -> Starlette:
    """A town's page with the one line of the widget (APP_URL[0], known once the app runs)."""

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(
            '<!doctype html>\n<html lang="fr">\n<head><meta charset="utf-8">'
            "<title>Site de la mairie</title></head>\n<body>\n<main><h1>Site de la mairie</h1>"
            "<p>Bienvenue.</p></main>\n"
            f'<script src="{app_url[0]}/widget.js" async></script>\n</body>\n</html>'
        )

    return Starlette(routes=[Route("/", page)])


@dataclass
class Sites:
    app: str
    listed: str  # a town's site listed in AROBASE_WIDGET_ORIGINS
    unlisted: str
    rasa: FakeRasa


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    app_url: list[str] = [""]
    town_file = write_town(tmp_path_factory.mktemp("town"))
    with (
        running_fake_rasa() as fake,
        serving(town_site(app_url)) as listed,
        serving(town_site(app_url)) as unlisted,
    ):
        settings = make_settings(town_file, fake.url).model_copy(update={"widget_origins": listed})
        with serving(create_app(settings)) as app:
            app_url[0] = app
            yield Sites(app, listed, unlisted, fake)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium(ISOLATED_ARGS) as chromium:
        yield chromium


@pytest.fixture
def rasa(sites: Sites) -> FakeRasa:
    sites.rasa.reset()
    return sites.rasa


def open_site(browser: Browser, url: str) -> tuple[Page, list[str]]:
    tab = browser.new_context(locale="fr-FR").new_page()
    errors = console_errors(tab)
    tab.goto(url + "/")
    return tab, errors


def test_on_a_listed_site_the_widget_answers_and_keeps_its_conversation(
    browser: Browser, sites: Sites, rasa: FakeRasa
) -> None:
    tab, errors = open_site(browser, sites.listed)
    launcher = tab.get_by_role("button", name=LAUNCHER)
    launcher.click()
    panel = tab.get_by_role("dialog", name="Assistant de la mairie")
    expect(panel).to_be_visible()
    question = tab.get_by_label("Votre question")
    expect(question).to_be_focused()
    question.fill("Horaires de la mairie")
    question.press("Enter")
    log = tab.get_by_role("log", name="Conversation")
    expect(log).to_contain_text("Vous avez dit : Horaires de la mairie")

    question.fill("je veux un choix")
    tab.get_by_role("button", name="Envoyer").click()
    expect(log).to_contain_text("Que souhaitez-vous savoir ?")
    tab.get_by_role("button", name="Carte d'identité").click()
    expect(log).to_contain_text("Vous avez choisi /carte_identite")
    # One conversation: the same sender each time, through the widget's header.
    assert len(set(rasa.senders)) == 1 and rasa.senders[0].startswith("web:")

    assert_accessible(tab, "widget open on the town's site")
    tab.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert errors == []


def test_on_an_unlisted_site_the_widget_is_refused(
    browser: Browser, sites: Sites, rasa: FakeRasa
) -> None:
    tab, _ = open_site(browser, sites.unlisted)
    tab.get_by_role("button", name=LAUNCHER).click()
    question = tab.get_by_label("Votre question")
    question.fill("Horaires de la mairie")
    question.press("Enter")
    expect(tab.get_by_role("alert")).to_contain_text("Le message n'a pas pu être envoyé.")
    assert rasa.messages == []


def test_the_app_answers_the_listed_site_s_preflight_only(sites: Sites, rasa: FakeRasa) -> None:
    asked = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-arobase-session",
    }
    listed = httpx.options(
        sites.app + "/api/chat", headers={"origin": sites.listed, **asked}, trust_env=False
    )
    assert listed.status_code == 200
    assert listed.headers["access-control-allow-origin"] == sites.listed
    unlisted = httpx.options(
        sites.app + "/api/chat", headers={"origin": sites.unlisted, **asked}, trust_env=False
    )
    assert unlisted.status_code == 400
    assert "access-control-allow-origin" not in unlisted.headers


def test_a_post_from_an_unlisted_site_is_refused_with_its_reason(
    sites: Sites, rasa: FakeRasa
) -> None:
    response = httpx.post(
        sites.app + "/api/chat",
        json={"message": "bonjour"},
        headers={"origin": sites.unlisted},
        trust_env=False,
    )
    assert response.status_code == 403
    assert "n'est pas autorisé à utiliser l'assistant" in response.json()["error"]
    assert rasa.messages == []


def test_the_script_is_served_as_javascript(sites: Sites) -> None:
    response = httpx.get(sites.app + "/widget.js", trust_env=False)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in response.text


@pytest.mark.parametrize(
    "typed", ["www.mairie.fr", "https://www.mairie.fr/actualites", "ftp://x.fr"]
)
def test_a_widget_origin_that_is_no_origin_is_refused_at_start(typed: str) -> None:
    with pytest.raises(ValueError, match="AROBASE_WIDGET_ORIGINS"):
        widget_origins(Settings(_env_file=None, widget_origins=typed))  # type: ignore[call-arg]


def test_widget_origins_are_read_from_a_list() -> None:
    settings = Settings(_env_file=None, widget_origins="https://www.mairie.fr, https://mairie.fr/")  # type: ignore[call-arg]
    assert widget_origins(settings) == {"https://www.mairie.fr", "https://mairie.fr"}
