"""The town app (/app): its home over real HTTP (news urgent first, today's hours, the hours
even without the hub), and in a real headless Chromium: installable (Chromium's own
installability check, through the DevTools protocol), and its last news readable offline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from bot.web.app import create_app
from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import release_due
from tests.browser import console_errors, persistent_chromium
from tests.hub_support import FakeClock, make_test_hub, migrated_sqlite
from tests.servers import serving
from tests.test_alerts_page import ISOLATED_ARGS
from tests.test_web_alerts import app_settings, assert_french_page


def publish(
    hub: Hub, title: str, *, urgent: bool = False, topics: tuple[str, ...] = ("travaux",)
) -> None:
    announce(hub, title, body=f"Détails : {title}.", topics=list(topics), urgent=urgent)
    release_due(hub)


@pytest.fixture
def app_site(hub: Hub, clock: FakeClock) -> Iterator[str]:
    publish(hub, "Marché de Noël samedi", topics=("evenements",))
    clock.advance(600)
    publish(hub, "Coupure d'eau rue de Meaux", urgent=True)
    clock.advance(600)
    publish(hub, "Rue de Paris fermée lundi")
    settings = app_settings(hub.settings.database_url, now=clock())
    with serving(create_app(settings)) as url:
        yield url


def test_the_home_shows_the_news_urgent_first_and_today_s_hours(app_site: str) -> None:
    page = httpx.get(app_site + "/app", trust_env=False)

    assert_french_page(page, 200)
    text = page.text
    urgent = text.index("Urgent : Coupure d'eau rue de Meaux")
    assert urgent < text.index("Rue de Paris fermée lundi") < text.index("Marché de Noël samedi")
    assert '<li class="urgent">' in text
    assert "Sujets : « Travaux »" in text
    # Wednesday 25 November 2026 at 10:20 in Trilport.
    assert "Publié le mercredi 25 novembre à 10h10" in text
    assert (
        "<strong>Mairie de Trilport</strong> : Aujourd'hui, la mairie est ouverte de 8h30" in text
    )
    assert '<a class="action" href="./">Poser une question</a>' in text
    assert '<a class="action secondary" href="alertes">Choisir mes alertes</a>' in text
    assert '<link rel="manifest" href="manifest.webmanifest">' in text


def test_the_news_of_one_topic(app_site: str) -> None:
    home = httpx.get(app_site + "/app", trust_env=False)
    works = httpx.get(app_site + "/app?sujet=travaux", trust_env=False)
    schools = httpx.get(app_site + "/app?sujet=ecoles", trust_env=False)

    assert '<nav class="topic-filter" aria-label="Nouvelles par sujet">' in home.text
    assert '<li><a href="app" aria-current="page">Tous les sujets</a></li>' in home.text
    assert '<li><a href="app?sujet=travaux">Travaux</a></li>' in home.text
    assert_french_page(works, 200)
    text = works.text
    assert '<h2 id="news-title">Les dernières nouvelles : Travaux</h2>' in text
    assert '<li><a href="app?sujet=travaux" aria-current="page">Travaux</a></li>' in text
    assert text.index("Urgent : Coupure d'eau") < text.index("Rue de Paris fermée lundi")
    assert "Marché de Noël" not in text
    assert "Aucune nouvelle sur ce sujet ces trente derniers jours." in schools.text


@pytest.mark.parametrize("query", ["sujet=nulle-part", "sujet=" + "x" * 2000, "sujet=%00"])
def test_an_unknown_topic_is_a_french_404(app_site: str, query: str) -> None:
    page = httpx.get(f"{app_site}/app?{query}", trust_env=False)

    assert_french_page(page, 404)
    assert "Ce sujet n'existe pas dans l'application de la mairie." in page.text
    assert '<a href="app">Voir toutes les nouvelles</a>' in page.text


def test_the_manifest_makes_a_french_standalone_app_with_its_icons(app_site: str) -> None:
    response = httpx.get(app_site + "/manifest.webmanifest", trust_env=False)

    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] == "Mairie de Trilport" and manifest["lang"] == "fr"
    assert (manifest["display"], manifest["start_url"]) == ("standalone", "app")
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        image = httpx.get(f"{app_site}/{icon['src']}", trust_env=False)
        assert image.headers["content-type"] == "image/png"
        width, height = int.from_bytes(image.content[16:20]), int.from_bytes(image.content[20:24])
        assert f"{width}x{height}" == icon["sizes"]


def test_without_the_hub_the_home_still_gives_the_hours(tmp_path: Path) -> None:
    settings = app_settings(f"sqlite:///{tmp_path / 'absent' / 'hub.db'}")
    with serving(create_app(settings)) as url:
        page = httpx.get(url + "/app", trust_env=False)
    assert_french_page(page, 200)
    assert "Les nouvelles ne sont pas disponibles pour le moment." in page.text
    assert "<strong>Mairie de Trilport</strong> :" in page.text


CONTROLLED = """navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller
  ? true
  : new Promise((done) =>
      navigator.serviceWorker.addEventListener("controllerchange", () => done(true))))"""


def test_the_app_is_installable_and_its_news_readable_offline(tmp_path: Path) -> None:
    database = migrated_sqlite(tmp_path / "hub.db")
    hub = make_test_hub(database)
    publish(hub, "Coupure d'eau rue de Meaux", urgent=True)
    try:
        with (
            serving(create_app(app_settings(database))) as base,
            persistent_chromium(tmp_path / "profile", ISOLATED_ARGS) as context,
        ):
            tab = context.new_page()
            errors = console_errors(tab)
            tab.goto(base + "/app")
            # The service worker controls the page once active (it claims its clients).
            # Waited for in the page's own events: the page's security policy forbids the eval
            # that Playwright's polling `wait_for_function` needs.
            tab.evaluate(CONTROLLED)
            devtools = context.new_cdp_session(tab)
            found = devtools.send("Page.getInstallabilityErrors")
            assert found["installabilityErrors"] == []
            manifest = devtools.send("Page.getAppManifest")
            assert manifest["url"] == base + "/manifest.webmanifest"
            assert not manifest.get("errors"), json.dumps(manifest.get("errors"))

            tab.reload()  # through the service worker now: the page is kept
            expect(tab.get_by_text("Urgent : Coupure d'eau rue de Meaux")).to_be_visible()
            context.set_offline(True)
            tab.reload()
            expect(tab.get_by_role("heading", level=1)).to_have_text(
                "La mairie de Trilport dans votre poche"
            )
            expect(tab.get_by_text("Urgent : Coupure d'eau rue de Meaux")).to_be_visible()
            # A topic's news never opened: offline, the home's kept copy rather than an error.
            tab.get_by_role("link", name="Écoles").click()
            expect(tab.get_by_text("Urgent : Coupure d'eau rue de Meaux")).to_be_visible()
            assert tab.url == base + "/app?sujet=ecoles"
            context.set_offline(False)
            assert errors == []
    finally:
        hub.close()
