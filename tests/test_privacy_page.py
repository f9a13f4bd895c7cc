"""The privacy notice the bot's /start and the pages link to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from arobase.hours_text import duration_text
from arobase.settings import Settings
from bot.web.app import create_app
from tests.hub_support import hub_settings
from tests.servers import closed_port_url, serving


@pytest.fixture(scope="module")
def web_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    database = tmp_path_factory.mktemp("privacy") / "hub.db"  # absent: the alerts answer 503
    settings: Settings = hub_settings(f"sqlite:///{database}", rasa_url=closed_port_url())
    return settings


@pytest.fixture(scope="module")
def web_url(web_settings: Settings) -> Iterator[str]:
    with serving(create_app(web_settings)) as url:
        yield url


def test_the_notice_says_what_is_kept_and_how_to_erase_it(web_url: str) -> None:
    response = httpx.get(f"{web_url}/confidentialite", trust_env=False)
    assert response.status_code == 200
    assert '<html lang="fr"' in response.text
    page = response.text
    for fragment in ("Trilport", "mairie@trilport.example", "/supprimer", "Se désabonner"):
        assert fragment in page
    # Both per-client limits are stated: the chat's, and the alerts page's.
    assert "ce cookie servent aussi à compter vos messages sur une courte durée" in page
    assert "Sur la page Alertes, l'adresse IP de votre appareil sert aussi à compter" in page
    assert "<script" not in page


def notice_text(settings: Settings) -> str:
    """The privacy notice served with SETTINGS, as one line of text."""
    with serving(create_app(settings)) as url:
        page = httpx.get(f"{url}/confidentialite", trust_env=False).text
    return " ".join(page.split())


def test_the_notice_states_the_periods_that_are_enforced(web_settings: Settings) -> None:
    assert (web_settings.conversation_idle, web_settings.confirm_days) == (1800, 7)
    assert web_settings.deactivated_days == 30
    default = notice_text(web_settings)
    changed = notice_text(
        web_settings.model_copy(
            update={
                "conversation_idle": 5400,
                "conversation_max": 12000,
                "confirm_days": 3,
                "deactivated_days": 60,
            }
        )
    )

    for page, forgotten, link, kept, most in [
        (
            default,
            "30 minutes",
            "7 jours",
            "30 jours",
            "5 000",
        ),  # notice_text joins the no-break space too
        (changed, "1 heure 30 minutes", "3 jours", "60 jours", "12 000"),
    ]:
        assert f"Quand l'assistant garde déjà {most} conversations, il oublie" in page
        assert f"l'assistant les oublie {forgotten} après votre dernier message" in page
        assert f"le lien de confirmation que nous vous envoyons est valable {link} :" in page
        assert f"nous arrêtons les envois et effaçons vos données {kept} plus tard." in page


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1800, "30 minutes"),
        (60, "1 minute"),
        (20, "1 minute"),
        (89, "1 minute"),
        (3600, "1 heure"),
        (5400, "1 heure 30 minutes"),
        (7260, "2 heures 1 minute"),
        (86_400, "1 jour"),
        (90_000, "1 jour 1 heure"),
        (172_800, "2 jours"),
    ],
)
def test_durations_are_written_in_plain_french(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


@pytest.mark.parametrize("path", ["/", "/alertes"])
def test_the_pages_link_to_the_notice(web_url: str, path: str) -> None:
    assert 'href="confidentialite"' in httpx.get(f"{web_url}{path}", trust_env=False).text


PREFIX = "/mairie"


def behind_a_prefix(app: ASGIApp) -> ASGIApp:
    """APP as a reverse proxy serves it under PREFIX: the proxy strips PREFIX from the path."""

    async def proxy(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if not path.startswith(PREFIX + "/"):
                await PlainTextResponse("", status_code=404)(scope, receive, send)
                return
            raw_path = scope.get("raw_path") or path.encode()
            scope = {**scope, "path": path[len(PREFIX) :], "raw_path": raw_path[len(PREFIX) :]}
        await app(scope, receive, send)

    return proxy


@pytest.fixture(scope="module")
def prefixed_url(web_settings: Settings) -> Iterator[str]:
    with serving(behind_a_prefix(create_app(web_settings))) as url:
        yield url + PREFIX


@pytest.mark.parametrize("prefixed", [False, True], ids=["at the root", "under a prefix"])
@pytest.mark.parametrize("path", ["/confidentialite", "/alertes/confirmer?jeton=x"])
def test_the_notice_pages_load_their_stylesheets(
    web_url: str, prefixed_url: str, prefixed: bool, path: str
) -> None:
    page_url = f"{prefixed_url if prefixed else web_url}{path}"
    page = httpx.get(page_url, trust_env=False).text
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)">', page)

    assert len(stylesheets) == 2, page
    for href in stylesheets:
        response = httpx.get(urljoin(page_url, href), trust_env=False)
        assert response.status_code == 200, urljoin(page_url, href)
        assert response.headers["content-type"].startswith("text/css")
