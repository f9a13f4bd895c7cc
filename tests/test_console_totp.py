"""The console's optional second factor (TOTP) over real HTTP, on SQLite and PostgreSQL:
uvicorn serving create_app, whose hub reads the test's clock (FakeClock), so that the codes an
authenticator app would show are computed with pyotp at that moment. Set-up with a first
code, the log-in's code step (replays, the account's lock, the wait's end), removal, and
AROBASE_STAFF_ADMIN_TOTP; then the set-up and the code form in Chromium, checked with axe."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from playwright.sync_api import expect

from bot.web.alerts import state as alerts_state
from bot.web.app import create_app
from notifications.hub import Hub
from notifications.staff import StaffAction, add_staff, audit_entries, list_staff
from tests.axe import assert_accessible
from tests.browser import launched_chromium
from tests.hub_support import FakeClock, make_test_hub, migrated_sqlite
from tests.servers import serving
from tests.test_alerts_page import ISOLATED_ARGS
from tests.test_console_web import ADMIN, EDITOR, PASSWORD, cookie_line, csrf_of, log_in
from tests.test_web_alerts import app_settings, assert_french_page

SETUP, LOGIN = "/console/double-authentification", "/console/connexion"
CODE, DISABLE = "/console/connexion/code", "/console/double-authentification/desactiver"
SECRET = re.compile(r'<p class="totp-secret"><code>([A-Z2-7 ]+)</code></p>')
ALERT = '<p class="error" id="form-error" role="alert">'
CODE_INPUT = (
    'id="code" name="code" type="text" autocomplete="one-time-code" required '
    'inputmode="numeric" spellcheck="false" aria-describedby="code-hint'
)


@pytest.fixture
def app_clock(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> FakeClock:
    """The served app's hub reads the test's clock (the one the test's own hub reads)."""
    monkeypatch.setattr(alerts_state, "assistant_clock", lambda settings, town: clock)
    return clock


@contextmanager
def console_site(database_url: str, **overrides: Any) -> Iterator[str]:
    # The per-client throttle is tests/test_console_web.py's subject, not this module's.
    settings = app_settings(database_url, console_login_rate="1000/minute", **overrides)
    with serving(create_app(settings)) as url:
        yield url


@pytest.fixture
async def client(database_url: str, app_clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    with console_site(database_url) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False) as http:
            yield http


@pytest.fixture
async def strict(database_url: str, app_clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    """A console where admins must have a second factor (AROBASE_STAFF_ADMIN_TOTP)."""
    with console_site(database_url, staff_admin_totp=True) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False) as http:
            yield http


@pytest.fixture
def accounts(hub: Hub) -> Hub:
    add_staff(hub, ADMIN, "admin", PASSWORD, actor="cli")
    add_staff(hub, EDITOR, "editor", PASSWORD, actor="cli")
    return hub


def target(http: httpx.AsyncClient, response: httpx.Response) -> httpx.URL:
    """Where a 303 sends the browser (its Location is relative to the request's page)."""
    assert response.status_code == 303, response.text
    return http.base_url.join(response.request.url.path).join(response.headers["location"])


def landing(http: httpx.AsyncClient, response: httpx.Response) -> str:
    return target(http, response).path


async def follow(http: httpx.AsyncClient, response: httpx.Response) -> httpx.Response:
    return await http.get(target(http, response))


def has_totp(hub: Hub, email: str) -> bool:
    return next(account for account in list_staff(hub) if account.email == email).has_totp


def code_at(secret: str, clock: FakeClock, seconds: int = 0) -> str:
    """The code the person's app shows SECONDS from now."""
    return pyotp.TOTP(secret).at(clock.moment.timestamp() + seconds)


def not_the_code(secret: str, clock: FakeClock) -> str:
    """Six digits that are no code of the steps accepted now."""
    valid = {code_at(secret, clock, seconds) for seconds in (-30, 0, 30)}
    return next(code for code in (f"{n:06d}" for n in range(1000)) if code not in valid)


def secret_of(page: httpx.Response) -> str:
    found = SECRET.search(page.text)
    assert found, "no secret in the page"
    return found.group(1).replace(" ", "")


async def enrol(http: httpx.AsyncClient, clock: FakeClock) -> str:
    """Set up the logged-in account's second factor; its secret. The clock then moves on a
    step, so that the next code is a new one."""
    page = await http.get(SETUP)
    secret = secret_of(page)
    done = await http.post(SETUP, data={"csrf": csrf_of(page), "code": code_at(secret, clock)})
    assert landing(http, done) == SETUP
    clock.advance(30)
    return secret


async def password_step(http: httpx.AsyncClient, email: str) -> httpx.Response:
    """The password accepted; the code's form (GET /console/connexion)."""
    response = await log_in(http, email, PASSWORD)
    assert landing(http, response) == LOGIN
    return await http.get(LOGIN)


async def send_code(http: httpx.AsyncClient, form: httpx.Response, code: str) -> httpx.Response:
    return await http.post(CODE, data={"csrf": csrf_of(form), "code": code})


async def enrolled_account(http: httpx.AsyncClient, clock: FakeClock, email: str) -> str:
    """EMAIL's second factor set up through the console, then logged out; its secret."""
    assert (await log_in(http, email, PASSWORD)).status_code == 303
    secret = await enrol(http, clock)
    home = await http.get("/console")
    await http.post("/console/deconnexion", data={"csrf": csrf_of(home)})
    http.cookies.clear()
    return secret


# --- Setting it up ------------------------------------------------------------------------


async def test_the_set_up_shows_the_key_as_a_qr_code_and_as_text_until_confirmed(
    client: httpx.AsyncClient, accounts: Hub, app_clock: FakeClock
):
    await log_in(client, EDITOR, PASSWORD)
    page = await client.get(SETUP)

    assert_french_page(page, 200)
    assert "<h1>Double authentification</h1>" in page.text
    assert 'aria-current="page">Double authentification</a>' in page.text
    assert '<svg role="img" viewBox="' in page.text
    assert "<title>Code QR à scanner avec votre application d'authentification</title>" in (
        page.text
    )
    secret = secret_of(page)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert f"<code>{' '.join(re.findall('....', secret))}</code>" in page.text  # by fours
    assert f"Compte\u00a0: {EDITOR}. Émetteur\u00a0: Trilport." in page.text
    assert CODE_INPUT in page.text
    assert secret_of(await client.get(SETUP)) == secret  # a reload keeps the scanned key

    wrong = await client.post(SETUP, data={"csrf": csrf_of(page), "code": "12345"})
    assert_french_page(wrong, 422)
    assert ALERT + "Ce code n'est pas le bon, ou il a déjà servi" in wrong.text
    assert 'aria-invalid="true" aria-describedby="code-hint form-error"' in wrong.text
    assert secret_of(wrong) == secret

    done = await client.post(
        SETUP, data={"csrf": csrf_of(page), "code": code_at(secret, app_clock)}
    )
    assert landing(client, done) == SETUP
    active = await follow(client, done)
    assert_french_page(active, 200)
    assert "La double authentification est activée." in active.text
    assert "active sur votre compte depuis le <time" in active.text
    assert (
        secret not in active.text and "totp-secret" not in active.text and "<svg" not in active.text
    )
    assert has_totp(accounts, EDITOR)
    assert audit_entries(accounts)[0].action == "double authentification activée"


async def test_the_set_up_s_forms_carry_the_session_s_csrf_token(
    client: httpx.AsyncClient, accounts: Hub, app_clock: FakeClock
):
    await log_in(client, EDITOR, PASSWORD)
    secret = secret_of(await client.get(SETUP))
    refused = await client.post(SETUP, data={"code": code_at(secret, app_clock)})
    assert_french_page(refused, 403)
    assert not has_totp(accounts, EDITOR)
    assert (await client.get(SETUP, follow_redirects=False)).status_code == 200
    client.cookies.clear()
    assert landing(client, await client.get(SETUP)) == LOGIN  # logged out


# --- Logging in with it -----------------------------------------------------------------------


async def test_the_session_opens_after_the_password_and_then_the_code(
    client: httpx.AsyncClient, accounts: Hub, app_clock: FakeClock
):
    secret = await enrolled_account(client, app_clock, EDITOR)
    response = await log_in(client, EDITOR, PASSWORD)

    assert landing(client, response) == LOGIN
    assert cookie_line(response, "arobase_console_code").endswith(
        "; HttpOnly; Path=/console; SameSite=strict"
    )
    assert "arobase_console=" not in response.headers.get("set-cookie", "")
    assert landing(client, await client.get("/console")) == LOGIN  # no session yet
    form = await client.get(LOGIN)
    assert_french_page(form, 200)
    assert "<h1>Code de connexion</h1>" in form.text
    assert f"Mot de passe accepté pour {EDITOR}." in form.text
    assert CODE_INPUT in form.text
    assert 'name="password"' not in form.text  # the password is never sent again

    opened = await send_code(client, form, code_at(secret, app_clock))
    assert landing(client, opened) == "/console"
    cookie_line(opened, "arobase_console")
    assert cookie_line(opened, "arobase_console_code").startswith('arobase_console_code=""')
    home = await client.get("/console")
    assert f"l'adresse <strong>{EDITOR}</strong>." in home.text
    logged = [e for e in audit_entries(accounts) if e.action == StaffAction.LOGGED_IN]
    assert logged[0].actor == EDITOR


async def test_a_code_is_accepted_once_and_a_wrong_one_gives_the_form_again(
    client: httpx.AsyncClient, accounts: Hub, app_clock: FakeClock
):
    secret = await enrolled_account(client, app_clock, EDITOR)
    form = await password_step(client, EDITOR)
    code = code_at(secret, app_clock)
    assert (await send_code(client, form, code)).status_code == 303

    async with httpx.AsyncClient(base_url=client.base_url, trust_env=False) as other:
        replay = await send_code(other, await password_step(other, EDITOR), code)
        assert_french_page(replay, 401)
        assert ALERT + "Ce code n'est pas le bon, ou il a déjà servi" in replay.text
        assert "<title>Erreur\u00a0: Code de connexion" in replay.text
        assert 'aria-invalid="true"' in replay.text
        assert "arobase_console=" not in replay.headers.get("set-cookie", "")
        app_clock.advance(30)
        code = code_at(secret, app_clock)
        later = await send_code(other, replay, f"{code[:3]} {code[3:]}")  # typed with a space
        assert landing(other, later) == "/console"


async def test_wrong_codes_lock_the_account_as_wrong_passwords_do(
    client: httpx.AsyncClient, accounts: Hub, app_clock: FakeClock
):
    secret = await enrolled_account(client, app_clock, EDITOR)
    form = await password_step(client, EDITOR)
    statuses = []
    for _ in range(5):
        form = await send_code(client, form, not_the_code(secret, app_clock))
        statuses.append(form.status_code)

    assert statuses == [401, 401, 401, 401, 429]
    assert_french_page(form, 429)
    assert form.headers["retry-after"] == "900"
    assert "Trop d'essais manqués : ce compte est bloqué, réessayez dans" in form.text
    assert '<label for="password">Mot de passe</label>' in form.text  # the log-in again
    assert cookie_line(form, "arobase_console_code").startswith('arobase_console_code=""')
    failed = [e for e in audit_entries(accounts) if e.action == StaffAction.CODE_FAILED]
    assert [e.detail for e in failed] == [f"compte {EDITOR} ; client 127.0.0.1"] * 5
    assert all(secret not in f"{e.detail}" for e in audit_entries(accounts))


async def test_the_code_s_form_lapses_after_five_minutes_and_may_be_left(
    client: httpx.AsyncClient, accounts: Hub, app_clock: FakeClock
):
    secret = await enrolled_account(client, app_clock, EDITOR)
    form = await password_step(client, EDITOR)
    app_clock.advance(300)
    late = await send_code(client, form, code_at(secret, app_clock))
    assert_french_page(late, 401)
    assert ALERT + "Cette connexion a expiré : saisissez de nouveau" in late.text
    assert '<label for="password">Mot de passe</label>' in late.text
    action = re.search(r'<form method="post" action="([^"]+)"', late.text)
    assert action and late.url.join(action.group(1)).path == LOGIN  # posted where it belongs
    assert landing(client, await client.get("/console")) == LOGIN

    form = await password_step(client, EDITOR)
    left = await client.post(CODE, data={"csrf": csrf_of(form), "annuler": "1"})
    assert landing(client, left) == LOGIN
    assert cookie_line(left, "arobase_console_code").startswith('arobase_console_code=""')
    assert '<label for="email">Adresse e-mail</label>' in (await client.get(LOGIN)).text


async def test_the_code_s_form_checks_its_csrf_value_and_its_wait(
    client: httpx.AsyncClient, accounts: Hub, app_clock: FakeClock
):
    secret = await enrolled_account(client, app_clock, EDITOR)
    form = await password_step(client, EDITOR)
    forged = await client.post(CODE, data={"code": code_at(secret, app_clock)})
    assert_french_page(forged, 403)
    client.cookies.delete("arobase_console_code")
    without = await send_code(client, form, code_at(secret, app_clock))
    assert_french_page(without, 401)
    assert "Cette connexion a expiré" in without.text
    assert (await client.get(CODE)).status_code == 405


# --- Removing it, and admins obliged to have one ------------------------------------------------


async def test_removing_the_second_factor_asks_a_current_code(
    client: httpx.AsyncClient, accounts: Hub, app_clock: FakeClock
):
    await log_in(client, EDITOR, PASSWORD)
    secret = await enrol(client, app_clock)
    page = await client.get(SETUP)
    assert "Désactiver la double authentification</button>" in page.text

    wrong = await client.post(DISABLE, data={"csrf": csrf_of(page), "code": "abcdef"})
    assert_french_page(wrong, 422)
    assert ALERT in wrong.text and has_totp(accounts, EDITOR)
    done = await client.post(
        DISABLE, data={"csrf": csrf_of(page), "code": code_at(secret, app_clock)}
    )
    assert landing(client, done) == SETUP
    again = await follow(client, done)
    assert "La double authentification est désactivée." in again.text
    assert secret_of(again) != secret  # a new phone, a new key
    assert not has_totp(accounts, EDITOR)
    actions = [e.action for e in audit_entries(accounts)]
    assert actions[:2] == ["double authentification désactivée", StaffAction.CODE_FAILED]


async def test_an_admin_without_a_second_factor_sets_it_up_before_anything_else(
    strict: httpx.AsyncClient, accounts: Hub, app_clock: FakeClock
):
    response = await log_in(strict, ADMIN, PASSWORD)
    assert landing(strict, response) == SETUP
    for path in ("/console", "/console/journal", "/console/annonces"):
        assert landing(strict, await strict.get(path)) == SETUP
    page = await strict.get(SETUP)
    assert (
        '<p class="status is-ok" role="status">Les administrateurs de la console doivent '
        "activer la double authentification avant toute autre action.</p>" in page.text
    )
    await enrol(strict, app_clock)
    assert (await strict.get("/console/journal")).status_code == 200

    async with httpx.AsyncClient(base_url=strict.base_url, trust_env=False) as editor:
        assert landing(editor, await log_in(editor, EDITOR, PASSWORD)) == "/console"


# --- In a browser ------------------------------------------------------------------------------


def test_the_set_up_and_the_code_form_in_chromium_meet_wcag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    clock = FakeClock()
    monkeypatch.setattr(alerts_state, "assistant_clock", lambda settings, town: clock)
    database = migrated_sqlite(tmp_path / "hub.db")
    hub = make_test_hub(database, clock)
    add_staff(hub, EDITOR, "editor", PASSWORD, actor="cli")
    try:
        with (
            console_site(database) as base,
            launched_chromium(ISOLATED_ARGS) as chromium,
        ):
            context = chromium.new_context(locale="fr-FR")
            tab = context.new_page()

            def password() -> None:
                tab.goto(base + LOGIN)
                tab.get_by_label("Adresse e-mail").fill(EDITOR)
                tab.get_by_label("Mot de passe").fill(PASSWORD)
                tab.get_by_role("button", name="Se connecter").click()

            password()
            expect(tab).to_have_url(base + "/console")
            tab.get_by_role("link", name="Double authentification").click()
            expect(tab.get_by_role("img", name=re.compile("^Code QR"))).to_be_visible()
            assert_accessible(tab, "totp-setup")
            secret = tab.locator(".totp-secret code").inner_text().replace(" ", "")
            tab.get_by_label("Code à six chiffres").fill(code_at(secret, clock))
            tab.get_by_role("button", name="Activer").click()
            expect(tab.get_by_role("status")).to_have_text(re.compile("est activée"))
            assert_accessible(tab, "totp-active")
            tab.get_by_role("button", name="Se déconnecter").click()

            clock.advance(30)
            password()
            expect(tab.get_by_role("heading", level=1)).to_have_text("Code de connexion")
            assert_accessible(tab, "totp-code")
            tab.get_by_label("Code à six chiffres").fill(not_the_code(secret, clock))
            tab.get_by_role("button", name="Valider").click()
            expect(tab.get_by_role("alert")).to_be_visible()
            assert_accessible(tab, "totp-code-refused")
            tab.get_by_label("Code à six chiffres").fill(code_at(secret, clock))
            tab.get_by_role("button", name="Valider").click()
            expect(tab).to_have_url(base + "/console")
            context.close()
    finally:
        hub.close()
