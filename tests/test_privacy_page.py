"""The privacy notice the bot's /start and the pages link to."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from arobase.settings import Settings
from bot.web.app import create_app
from tests.hub_support import hub_settings
from tests.servers import closed_port_url, serving


@pytest.fixture(scope="module")
def web_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("privacy") / "hub.db"
    settings: Settings = hub_settings(f"sqlite:///{database}", rasa_url=closed_port_url())
    with serving(create_app(settings)) as url:
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
