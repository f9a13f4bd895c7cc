"""The staff guide's screenshots (README, « Guide de la console »): the console of a seeded
Trilport (tests/test_accessibility.py's site: accounts, residents, announcements sent and
scheduled) in a real Chromium, each screen a full-page PNG 1280 pixels wide.

They go to the folder AROBASE_SCREENSHOTS names (by default var/test-logs/screenshots, out of
git); `scripts/screenshots.sh` writes them to docs/guide/, the README's images. The app's
clock and the hub's stand at the tests' START, so the dates shown do not change between runs.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, FloatRect, Page, expect

from arobase.settings import ROOT
from tests import test_accessibility
from tests.test_accessibility import (
    COMPOSE,
    CONTENT,
    COUNTER,
    DASHBOARD,
    IDENTITY_CARD,
    LOGIN,
    Site,
    Visit,
    compose_preview,
    find_subscriber,
    submit,
)

site = test_accessibility.site
browser = test_accessibility.browser
logged_in = test_accessibility.logged_in

VIEWPORT = {"width": 1280, "height": 800}
DEFAULT_FOLDER = ROOT / "var" / "test-logs" / "screenshots"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIDE, MAX_HEIGHT = 24, 1600  # pixels: the margin around the column; the tallest image
MAX_BYTES = 200_000  # each image is in git: keep it light

# The guide's screens: file name → the page (who sees it, what they did there), and where
# the image starts (a CSS selector; "" for the top of the page).
SCREENS = {
    "connexion": (Visit(LOGIN), ""),
    "accueil": (Visit("/console", role="editor"), ""),
    "annonce": (Visit(COMPOSE, role="editor"), ""),
    "annonce-apercu": (Visit(COMPOSE, role="editor", then=compose_preview), ".compose .actions"),
    "message": (Visit("/console/annonces/{message}", role="editor"), ""),
    "tableau-de-bord": (Visit(DASHBOARD, role="editor"), ""),
    "contenu": (Visit(CONTENT, role="editor"), ""),
    "demarche": (Visit(IDENTITY_CARD, role="editor", then=submit("Aperçu de la réponse")), ""),
    "guichet": (Visit(COUNTER, role="agent"), ""),
    "guichet-abonne": (Visit(COUNTER, role="agent", then=find_subscriber), ""),
}


def screenshots_folder() -> Path:
    """AROBASE_SCREENSHOTS (relative to the project), else the test logs' folder."""
    chosen = os.environ.get("AROBASE_SCREENSHOTS")
    folder = ROOT / chosen if chosen else DEFAULT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def png_size(image: Path) -> tuple[int, int]:
    """The width and height in the PNG's header (its IHDR chunk comes first)."""
    data = image.read_bytes()[:24]
    assert data[:8] == PNG_SIGNATURE, f"{image} is not a PNG"
    return struct.unpack(">II", data[16:24])


def column(tab: Page, start: str) -> FloatRect:
    """The page's column (header, main, footer) with a margin, from START's element (else
    the top), at most MAX_HEIGHT tall: the empty sides of a wide screen, or a long list,
    would only weigh the images down."""
    box = tab.locator("main").bounding_box()
    assert box is not None
    top = 0
    if start:
        first = tab.locator(start).bounding_box()
        assert first is not None, f"nothing at {start}"
        top = max(0, int(first["y"]) - SIDE)
    height = tab.evaluate("document.documentElement.scrollHeight") - top
    left = max(0, int(box["x"]) - SIDE)
    width = min(VIEWPORT["width"] - left, int(box["width"]) + 2 * SIDE)
    return {"x": left, "y": top, "width": width, "height": min(height, MAX_HEIGHT)}


@pytest.mark.parametrize("name", list(SCREENS))
def test_a_screen_of_the_staff_guide_is_taken(
    browser: Browser, site: Site, logged_in: Callable[[str], dict[str, Any]], name: str
):
    visit, start = SCREENS[name]
    state = logged_in(visit.role) if visit.role else None
    context = browser.new_context(locale="fr-FR", viewport=VIEWPORT, storage_state=state)
    try:
        tab: Page = context.new_page()
        response = tab.goto(site.base + visit.path.format(**site.values))
        assert response is not None and response.status == visit.status
        if visit.then is not None:
            visit.then(tab)
        expect(tab.get_by_role("heading", level=1)).to_be_visible()
        image = screenshots_folder() / f"{name}.png"
        area = column(tab, start)
        tab.screenshot(path=image, full_page=True, clip=area, animations="disabled", caret="hide")
    finally:
        context.close()
    assert png_size(image) == (area["width"], area["height"])
    assert image.stat().st_size <= MAX_BYTES
