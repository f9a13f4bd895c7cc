"""The headless Chromium of the browser tests (the chat page, the alerts page)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING_CHROMIUM = (
    f"Chromium is missing at {CHROMIUM}: run the project set-up, which installs it "
    "(apt-get install -y chromium). These browser tests must not be skipped."
)


@contextmanager
def launched_chromium(args: list[str] = CHROMIUM_ARGS) -> Iterator[Browser]:
    """Chromium started with ARGS until the block ends; fails (never skips) without it."""
    if not CHROMIUM.exists():
        pytest.fail(MISSING_CHROMIUM)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield chromium
        chromium.close()


@contextmanager
def persistent_chromium(profile: Path, args: list[str] = CHROMIUM_ARGS) -> Iterator[BrowserContext]:
    """Chromium with a profile on disk (PROFILE): unlike Playwright's usual contexts, it is no
    incognito window, where Chromium installs no web app."""
    if not CHROMIUM.exists():
        pytest.fail(MISSING_CHROMIUM)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=args, locale="fr-FR"
        )
        yield context
        context.close()


def console_errors(tab: Page, refused: tuple[int, ...] = ()) -> list[str]:
    """The errors TAB's console will show (a broken security policy shows there), filled as
    they come: not the favicon Chromium asks for (none is served), nor the REFUSED statuses a
    test asks for (Chromium notes any 4xx page)."""
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        expected = any(f"status of {status} " in message.text for status in refused)
        favicon = message.location["url"].endswith("/favicon.ico")
        if message.type == "error" and not (favicon or expected):
            errors.append(message.text)

    tab.on("console", record)
    return errors
