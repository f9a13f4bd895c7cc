"""The chat page in a real headless Chromium, against uvicorn serving create_app and a fake Rasa."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.web.app import create_app
from tests.browser import CHROMIUM, MISSING_CHROMIUM, launched_chromium
from tests.fake_rasa import (
    TOWN_PHONE,
    FakeRasa,
    make_settings,
    running_fake_rasa,
    write_town,
)
from tests.servers import serving

XSS = "<img src=x onerror=alert(1)>"


def test_chromium_is_installed():
    """Fails (never skips) on a machine without the browser, saying how to get it."""
    assert CHROMIUM.exists(), MISSING_CHROMIUM


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeRasa]]:
    """The web app's URL and the fake Rasa behind it."""
    town_file = write_town(tmp_path_factory.mktemp("town"))
    with running_fake_rasa() as fake:
        settings = make_settings(town_file, fake.url, rasa_timeout=0.5).model_copy(
            update={"chat_rate_ip": "10000/minute", "chat_rate_session": "10000/minute"}
        )
        with serving(create_app(settings)) as url:
            yield url, fake


@pytest.fixture
def fake(site: tuple[str, FakeRasa]) -> FakeRasa:
    site[1].reset()
    return site[1]


@pytest.fixture
def page(browser: Browser, site: tuple[str, FakeRasa], fake: FakeRasa) -> Iterator[Page]:
    """A fresh browser session on the chat page; any alert() fails the test."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1024, "height": 768})
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.goto(site[0] + "/")
    yield tab
    context.close()
    assert dialogs == [], "the page ran a script from a message"


def ask(page: Page, text: str) -> None:
    """Type a question and press Enter."""
    field = page.get_by_label("Votre question")
    field.fill(text)
    field.press("Enter")


def bot_messages(page: Page):
    return page.locator("#log .msg-bot .text")


def test_page_is_french_and_accessible(page: Page):
    assert page.locator("html").get_attribute("lang") == "fr"
    field = page.get_by_role("textbox", name="Votre question")
    expect(field).to_have_attribute("maxlength", "1000")
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log).to_contain_text("Bonjour")
    expect(log).to_contain_text("mairie de Trilport")
    expect(page.locator("form").get_by_role("button", name="Envoyer")).to_be_visible()
    expect(page.get_by_role("link", name=TOWN_PHONE)).to_have_attribute("href", "tel:0199001234")


def test_enter_sends_the_question_and_shows_the_reply(page: Page, fake: FakeRasa):
    ask(page, "La mairie est ouverte samedi ?")

    expect(bot_messages(page).last).to_have_text("Vous avez dit : La mairie est ouverte samedi ?")
    expect(page.locator("#log .msg-user .text")).to_have_text(["La mairie est ouverte samedi ?"])
    expect(page.get_by_label("Votre question")).to_have_value("")
    expect(page.get_by_label("Votre question")).to_be_focused()
    assert fake.messages == ["La mairie est ouverte samedi ?"]


def test_bot_button_sends_payload_and_shows_title(page: Page, fake: FakeRasa):
    ask(page, "Je voudrais des choix")
    choice = page.get_by_role("button", name="Carte d'identité")
    expect(choice).to_be_visible()

    choice.click()

    expect(bot_messages(page).last).to_have_text("Vous avez choisi /carte_identite")
    expect(page.locator("#log .msg-user .text").last).to_have_text("Carte d'identité")
    assert fake.messages == ["Je voudrais des choix", "/carte_identite"]


def test_markup_in_replies_is_shown_as_text(page: Page):
    ask(page, XSS)

    expect(bot_messages(page).last).to_have_text(f"Vous avez dit : {XSS}")
    expect(page.locator("#log .msg-user .text").last).to_have_text(XSS)
    assert page.locator("#log img").count() == 0


def test_web_links_and_phones_are_clickable_safely(page: Page):
    ask(
        page,
        "Voir https://www.service-public.fr/particuliers. Pas javascript:alert(1) ni " + TOWN_PHONE,
    )

    reply = bot_messages(page).last
    link = reply.get_by_role("link", name="https://www.service-public.fr/particuliers")
    expect(link).to_have_attribute("href", "https://www.service-public.fr/particuliers")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("target", "_blank")
    expect(reply.get_by_role("link", name="01 99 00 12 34")).to_have_attribute(
        "href", "tel:0199001234"
    )
    assert reply.locator("a").count() == 2


def test_line_breaks_in_replies_are_kept(page: Page):
    ask(page, "Sur deux lignes ?")

    reply = bot_messages(page).last
    expect(reply).to_have_text("Mairie :\nlundi 8 h 30")
    assert reply.evaluate("e => e.innerText") == "Mairie :\nlundi 8 h 30"


def test_empty_question_shows_french_error_without_sending(page: Page, fake: FakeRasa):
    ask(page, "   ")

    expect(page.get_by_role("alert")).to_have_text("Écrivez votre question avant d'envoyer.")
    expect(page.get_by_label("Votre question")).to_have_attribute("aria-invalid", "true")
    assert fake.received == []


def test_rasa_failure_shows_the_apology_with_phone(page: Page, fake: FakeRasa):
    fake.mode = "error"

    ask(page, "Bonjour")

    expect(bot_messages(page).last).to_contain_text("l'assistant ne répond pas pour le moment")
    expect(bot_messages(page).last).to_contain_text(TOWN_PHONE)


def test_field_keeps_at_most_1000_characters(page: Page):
    field = page.get_by_label("Votre question")
    field.fill("a" * 1005)

    assert len(field.input_value()) == 1000


def test_keyboard_focus_is_visible(page: Page):
    page.get_by_label("Votre question").focus()
    page.keyboard.press("Tab")

    send = page.get_by_role("button", name="Envoyer")
    expect(send).to_be_focused()
    assert send.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"


@pytest.mark.parametrize(("width", "height"), [(320, 640), (640, 400)], ids=["mobile", "zoom-200"])
def test_page_reflows_without_horizontal_scrolling(page: Page, width: int, height: int):
    page.set_viewport_size({"width": width, "height": height})
    ask(page, "Une question assez longue pour occuper plusieurs lignes sur un petit écran " * 3)
    expect(bot_messages(page).last).to_contain_text("Vous avez dit")

    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_text_is_large(page: Page):
    ask(page, "Bonjour")
    expect(bot_messages(page).last).to_contain_text("Vous avez dit")

    for selector in ("#message", "#log .msg-bot .text", "#log .msg-user .text", ".send"):
        size = page.locator(selector).last.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 18, selector


@pytest.fixture
def strict_page(browser: Browser, tmp_path: Path) -> Iterator[tuple[Page, FakeRasa]]:
    """The chat page of a site where a conversation may send 2 messages a minute."""
    with running_fake_rasa() as fake:
        settings = make_settings(write_town(tmp_path), fake.url).model_copy(
            update={"chat_rate_session": "2/minute"}
        )
        with serving(create_app(settings)) as url:
            context = browser.new_context(locale="fr-FR")
            tab = context.new_page()
            tab.goto(url + "/")
            yield tab, fake
            context.close()


def test_too_many_messages_get_a_polite_reply_from_the_assistant(
    strict_page: tuple[Page, FakeRasa],
):
    page, fake = strict_page
    for n in range(3):  # the first has no conversation yet; the next two count
        ask(page, f"question {n}")
        expect(bot_messages(page)).to_have_count(n + 2)  # the greeting, then one per answer

    ask(page, "encore une")

    reply = bot_messages(page).last
    expect(reply).to_have_text(
        re.compile(
            r"Vous m'envoyez beaucoup de messages en peu de temps\. Merci de patienter "
            r"(1\u00a0minute|1\u00a0seconde|\d+\u00a0secondes), puis de reposer votre question\. "
            rf"Vous pouvez appeler la mairie au {TOWN_PHONE}\."
        )
    )
    expect(reply.get_by_role("link", name=TOWN_PHONE)).to_have_attribute("href", "tel:0199001234")
    expect(page.get_by_label("Votre question")).to_have_value("encore une")  # ready to resend
    expect(page.locator("#message-error")).to_have_text("")  # not an input error
    assert fake.messages == ["question 0", "question 1", "question 2"]
