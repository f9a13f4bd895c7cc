"""The privacy notice the bot's /start and the pages link to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

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
    assert "<script" not in page


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
