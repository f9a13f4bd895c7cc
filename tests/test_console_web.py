"""The staff console over real HTTP: uvicorn serving create_app on a migrated hub database
(SQLite and PostgreSQL), accounts added through the test's own hub on the same database."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from arobase.hours_text import duration_text
from bot.web.app import create_app
from bot.web.clients import RateLimit
from bot.web.console.auth import login_rate, looks_like_token, relative, same_secret
from notifications.hub import Hub
from notifications.staff import add_staff
from tests import test_web_alerts
from tests.servers import serving
from tests.test_web_alerts import app_settings, assert_french_page

ADMIN = "secretaire@trilport.example"
EDITOR = "com@trilport.example"
PASSWORD = "le lavoir de Trilport en hiver"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

# The alerts' fixtures: the site (create_app on the migrated database), an HTTP client of it.
site = test_web_alerts.site
client = test_web_alerts.client


@pytest.fixture
def accounts(hub: Hub) -> Hub:
    """An admin and an editor, each with PASSWORD."""
    add_staff(hub, ADMIN, "admin", PASSWORD, actor="cli")
    add_staff(hub, EDITOR, "editor", PASSWORD, actor="cli")
    return hub


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "no CSRF field in the page"
    return found.group(1)


def cookie_line(response: httpx.Response, name: str) -> str:
    """The Set-Cookie line of cookie NAME (exactly one)."""
    lines = [v for v in response.headers.get_list("set-cookie") if v.startswith(name + "=")]
    assert len(lines) == 1, response.headers.get_list("set-cookie")
    return lines[0]


async def log_in(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    """Open the form, then post it as a browser would."""
    form = await http.get("/console/connexion")
    data = {"csrf": csrf_of(form), "email": email, "password": password}
    return await http.post("/console/connexion", data=data)


async def logged_in(http: httpx.AsyncClient, email: str) -> httpx.Response:
    """Log in as EMAIL; the console's home page."""
    response = await log_in(http, email, PASSWORD)
    assert response.status_code == 303, response.text
    return await http.get("/console")


# --- Logging in -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/console", "/console/journal"])
async def test_a_logged_out_visitor_is_sent_to_the_login_form(client: httpx.AsyncClient, path: str):
    response = await client.get(path)

    assert response.status_code == 303
    assert client.base_url.join(path).join(response.headers["location"]).path == (
        "/console/connexion"
    )


async def test_the_login_form_is_labelled_and_sets_its_csrf_cookie(client: httpx.AsyncClient):
    response = await client.get("/console/connexion")

    assert_french_page(response, 200)
    text = response.text
    assert '<label for="email">Adresse e-mail</label>' in text
    assert '<label for="password">Mot de passe</label>' in text
    assert 'id="email" name="email" type="email" autocomplete="username"' in text
    assert 'id="password" name="password" type="password" autocomplete="current-password"' in text
    # Focus order: the e-mail, the password, then the button.
    assert text.index('id="email"') < text.index('id="password"') < text.index('type="submit"')
    line = cookie_line(response, "arobase_console_csrf")
    assert line == (
        f"arobase_console_csrf={csrf_of(response)}; HttpOnly; Path=/console; SameSite=strict"
    )
    again = await client.get("/console/connexion")
    assert csrf_of(again) == csrf_of(response)  # the browser's value is kept


@pytest.mark.parametrize(
    ("email", "role_name", "journal"),
    [(ADMIN, "administrateur", True), (EDITOR, "éditeur", False)],
)
async def test_logging_in_opens_the_console_with_the_account_and_its_role(
    client: httpx.AsyncClient, accounts: Hub, email: str, role_name: str, journal: bool
):
    response = await log_in(client, email.upper(), PASSWORD)

    assert response.status_code == 303
    assert response.headers["location"] == "../console"
    line = cookie_line(response, "arobase_console")
    assert line.endswith("; HttpOnly; Path=/console; SameSite=strict")
    assert "Secure" not in line  # plain http here
    home = await client.get("/console")
    assert_french_page(home, 200)
    assert "<h1>Console de la mairie</h1>" in home.text
    assert f"l'adresse <strong>{email}</strong>.</p>" in home.text
    assert f"<p>Votre rôle\u00a0: <strong>{role_name}</strong>.</p>" in home.text
    assert ">Se déconnecter</button>" in home.text
    assert ('href="console/journal">Journal des actions</a>' in home.text) is journal
    form = await client.get("/console/connexion")
    assert form.status_code == 303  # already logged in


@pytest.mark.parametrize("email", [ADMIN, "personne@trilport.example"])
async def test_a_wrong_password_or_address_gives_the_form_again_with_401(
    client: httpx.AsyncClient, accounts: Hub, email: str
):
    response = await log_in(client, email, "pas le bon mot de passe")

    assert_french_page(response, 401)
    assert (
        '<p class="error" id="form-error" role="alert">'
        "Adresse e-mail ou mot de passe incorrect.</p>" in response.text
    )
    assert f'value="{email}"' in response.text
    assert "pas le bon mot de passe" not in response.text
    assert "<title>Erreur\u00a0: Connexion à la console" in response.text
    assert "arobase_console=" not in response.headers.get("set-cookie", "")
    assert (await client.get("/console")).status_code == 303


async def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(
    client: httpx.AsyncClient, accounts: Hub
):
    statuses = [(await log_in(client, ADMIN, f"mauvais essai {n}")).status_code for n in range(5)]
    right = await log_in(client, ADMIN, PASSWORD)

    assert statuses == [401, 401, 401, 401, 429]
    assert_french_page(right, 429)
    assert right.headers["retry-after"] == "900"  # the app's clock stands still
    assert f"réessayez dans {duration_text(900)}." in right.text
    assert "arobase_console=" not in right.headers.get("set-cookie", "")
    assert (await client.get("/console")).status_code == 303


async def test_a_client_posting_too_many_forms_is_throttled(
    client: httpx.AsyncClient, accounts: Hub
):
    allowed = RateLimit(login_rate(app_settings("sqlite://"))).item.amount
    statuses = [
        (await log_in(client, f"inconnu{n}@trilport.example", PASSWORD)).status_code
        for n in range(allowed)
    ]
    throttled = await log_in(client, ADMIN, PASSWORD)

    assert statuses == [401] * allowed
    assert_french_page(throttled, 429)
    assert int(throttled.headers["retry-after"]) >= 1
    assert "Trop de tentatives depuis votre appareil" in throttled.text
    assert "arobase_console=" not in throttled.headers.get("set-cookie", "")


# --- CSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize("csrf", [None, "", "x" * 43], ids=["missing", "empty", "another value"])
async def test_a_login_without_the_matching_csrf_value_is_refused(
    client: httpx.AsyncClient, accounts: Hub, csrf: str | None
):
    await client.get("/console/connexion")  # the cookie is set
    data = {"email": ADMIN, "password": PASSWORD} | ({"csrf": csrf} if csrf is not None else {})

    response = await client.post("/console/connexion", data=data)

    assert_french_page(response, 403)
    assert "<h1>Accès refusé</h1>" in response.text
    assert "Rechargez la page et recommencez." in response.text
    assert (await client.get("/console")).status_code == 303


async def test_a_login_from_a_page_that_set_no_cookie_is_refused(
    site: str, client: httpx.AsyncClient, accounts: Hub
):
    form = await client.get("/console/connexion")
    async with httpx.AsyncClient(base_url=site, trust_env=False) as other:
        data = {"csrf": csrf_of(form), "email": ADMIN, "password": PASSWORD}
        response = await other.post("/console/connexion", data=data)

    assert_french_page(response, 403)


async def test_a_logout_without_the_session_csrf_token_is_refused(
    client: httpx.AsyncClient, accounts: Hub
):
    home = await logged_in(client, ADMIN)
    form_token = client.cookies["arobase_console_csrf"]

    refused = [
        await client.post("/console/deconnexion", data=data)
        for data in ({}, {"csrf": "faux"}, {"csrf": form_token})
    ]

    assert [r.status_code for r in refused] == [403, 403, 403]
    assert_french_page(refused[0], 403)
    assert (await client.get("/console")).status_code == 200  # still logged in
    assert csrf_of(home) != form_token


async def test_setting_a_password_without_csrf_is_refused(client: httpx.AsyncClient, hub: Hub):
    _, token = add_staff(hub, "accueil@trilport.example", "agent", actor="cli")
    await client.get("/console/mot-de-passe", params={"jeton": token})
    data = {"password": PASSWORD, "confirmation": PASSWORD}

    response = await client.post("/console/mot-de-passe", params={"jeton": token}, data=data)

    assert_french_page(response, 403)


# --- Logging out, headers -----------------------------------------------------------------------


async def test_logging_out_revokes_the_session(site: str, client: httpx.AsyncClient, accounts: Hub):
    home = await logged_in(client, ADMIN)
    stolen = client.cookies["arobase_console"]

    response = await client.post("/console/deconnexion", data={"csrf": csrf_of(home)})

    assert response.status_code == 303
    assert response.headers["location"] == "connexion"
    assert cookie_line(response, "arobase_console").startswith('arobase_console=""; ')
    async with httpx.AsyncClient(base_url=site, trust_env=False) as other:
        other.cookies.set("arobase_console", stolen)
        assert (await other.get("/console")).status_code == 303


async def test_every_console_answer_is_never_cached_and_keeps_the_security_headers(
    client: httpx.AsyncClient, accounts: Hub
):
    answers = [
        await client.get("/console"),
        await client.get("/console/connexion"),
        await client.post("/console/connexion", data={}),
        await client.get("/console/inconnue"),
        await client.put("/console/connexion"),
        await client.get("/console/mot-de-passe", params={"jeton": "court"}),
        await log_in(client, ADMIN, PASSWORD),
        await client.get("/console"),
        await client.get("/console/journal"),
    ]

    assert [a.status_code for a in answers] == [303, 200, 403, 404, 405, 404, 303, 200, 200]
    for answer in answers:
        assert answer.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["x-frame-options"] == "DENY"
    assert answers[4].headers["allow"] == "GET, HEAD, POST"
    for page in answers[2:6]:
        assert_french_page(page, page.status_code)


async def test_over_https_the_cookies_are_secure_and_the_csrf_one_host_only(database_url: str):
    settings = app_settings(database_url, trusted_proxies="127.0.0.1")  # we are the proxy
    proxied = {"x-forwarded-proto": "https"}
    with serving(create_app(settings), proxy_headers=False) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False, headers=proxied) as http:
            form = await http.get("/console/connexion")
            hsts = form.headers["strict-transport-security"]

    line = cookie_line(form, "__Host-arobase_console_csrf")
    assert line.endswith("; HttpOnly; Path=/; SameSite=strict; Secure")
    assert hsts.startswith("max-age=")


async def test_the_https_login_sets_a_secure_session_cookie(database_url: str, hub: Hub):
    add_staff(hub, ADMIN, "admin", PASSWORD, actor="cli")
    settings = app_settings(database_url, trusted_proxies="127.0.0.1")
    proxied = {"x-forwarded-proto": "https"}
    with serving(create_app(settings), proxy_headers=False) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False, headers=proxied) as http:
            form = await http.get("/console/connexion")
            csrf = csrf_of(form)
            data = {"csrf": csrf, "email": ADMIN, "password": PASSWORD}
            cookie = {"cookie": f"__Host-arobase_console_csrf={csrf}"}
            response = await http.post("/console/connexion", data=data, headers=cookie)

    assert response.status_code == 303
    line = cookie_line(response, "arobase_console")
    assert line.endswith("; HttpOnly; Path=/console; SameSite=strict; Secure")


# --- The audit log --------------------------------------------------------------------------


async def test_the_journal_is_refused_to_an_editor(client: httpx.AsyncClient, accounts: Hub):
    await logged_in(client, EDITOR)

    response = await client.get("/console/journal")

    assert_french_page(response, 403)
    assert "Votre compte ne donne pas accès à cette page." in response.text


async def test_the_journal_shows_an_admin_the_log_ins_newest_first(
    site: str, client: httpx.AsyncClient, accounts: Hub
):
    async with httpx.AsyncClient(base_url=site, trust_env=False) as editor:
        await log_in(editor, EDITOR, "pas le bon mot de passe")
        await logged_in(editor, EDITOR)
    await logged_in(client, ADMIN)

    response = await client.get("/console/journal")

    assert_french_page(response, 200)
    rows = re.findall(
        r"<tr><td><time[^>]*>([^<]*)</time></td><td>([^<]*)</td><td>([^<]*)</td>"
        r"<td>([^<]*)</td></tr>",
        response.text,
    )
    actions = [(actor, action) for _, actor, action, _ in rows]
    assert actions[:3] == [
        (ADMIN, "Connexion"),
        (EDITOR, "Connexion"),
        ("inconnu", "Échec de connexion"),
    ]
    assert rows[0][0] == "25/11/2026 10:00"  # Trilport's time of the app's clock
    assert rows[2][3].startswith(f"compte {EDITOR} ; client ")
    assert PASSWORD not in response.text and "pas le bon mot de passe" not in response.text
    assert 'aria-current="page">Journal des actions</a>' in response.text


# --- The one-time password link ---------------------------------------------------------------


async def test_the_password_link_sets_the_password_once(client: httpx.AsyncClient, hub: Hub):
    email = "accueil@trilport.example"
    _, token = add_staff(hub, email, "agent", actor="cli")
    assert token is not None
    link = {"jeton": token}

    form = await client.get("/console/mot-de-passe", params=link)
    assert_french_page(form, 200)
    assert form.text.count('autocomplete="new-password"') == 2
    csrf = csrf_of(form)
    mismatch = await client.post(
        "/console/mot-de-passe",
        params=link,
        data={"csrf": csrf, "password": PASSWORD, "confirmation": PASSWORD + "!"},
    )
    done = await client.post(
        "/console/mot-de-passe",
        params=link,
        data={"csrf": csrf, "password": PASSWORD, "confirmation": PASSWORD},
    )
    again = await client.post(
        "/console/mot-de-passe",
        params=link,
        data={"csrf": csrf, "password": PASSWORD + "?", "confirmation": PASSWORD + "?"},
    )

    assert_french_page(mismatch, 422)
    assert "Les deux mots de passe ne sont pas identiques." in mismatch.text
    assert done.status_code == 303
    assert done.headers["location"] == "connexion?motdepasse=enregistre"
    notice = await client.get("/console/connexion?motdepasse=enregistre")
    assert 'role="status">Votre mot de passe est enregistré.' in notice.text
    assert_french_page(again, 422)
    assert "Ce lien n'est plus valable (déjà utilisé ou expiré)" in again.text
    assert (await log_in(client, email, PASSWORD)).status_code == 303
    home = await client.get("/console")
    assert "Votre rôle\u00a0: <strong>agent d'accueil</strong>." in home.text


async def test_a_weak_password_is_refused_with_the_reason(client: httpx.AsyncClient, hub: Hub):
    _, token = add_staff(hub, "accueil@trilport.example", "agent", actor="cli")
    form = await client.get("/console/mot-de-passe", params={"jeton": token})
    data = {"csrf": csrf_of(form), "password": "court", "confirmation": "court"}

    response = await client.post("/console/mot-de-passe", params={"jeton": token}, data=data)

    assert_french_page(response, 422)
    assert "Le mot de passe doit compter au moins 12 caractères." in response.text
    assert 'aria-invalid="true" aria-describedby="password-hint form-error"' in response.text


# --- The hub's database not ready ---------------------------------------------------------------


async def test_the_console_says_so_when_its_database_is_not_ready(tmp_path: Path):
    settings = app_settings(f"sqlite:///{tmp_path / 'absente.db'}")
    with serving(create_app(settings)) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False) as http:
            form = await http.get("/console/connexion")
            data = {"csrf": csrf_of(form), "email": ADMIN, "password": PASSWORD}
            response = await http.post("/console/connexion", data=data)

    assert_french_page(response, 503)
    assert response.headers["retry-after"] == "300"
    assert "La console n'est pas disponible pour le moment" in response.text


# --- Pure helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("here", "there", "link"),
    [
        ("/console", "/console/connexion", "console/connexion"),
        ("/console/connexion", "/console", "../console"),
        ("/console/journal", "/console/deconnexion", "deconnexion"),
        ("/console/journal", "/static/chat.css", "../static/chat.css"),
        ("/console", "/static/", "static/"),
        (
            "/console/mot-de-passe",
            "/console/connexion?motdepasse=enregistre",
            "connexion?motdepasse=enregistre",
        ),
    ],
)
def test_relative_links(here: str, there: str, link: str):
    assert relative(here, there) == link


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 43, True),
        ("A-_9" * 8, True),
        ("a" * 31, False),
        ("a" * 129, False),
        ("a" * 42 + "=", False),
        ("a" * 42 + "é", False),
        ("", False),
    ],
)
def test_looks_like_token(text: str, expected: bool):
    assert looks_like_token(text) is expected


@pytest.mark.parametrize(
    ("expected", "given", "same"),
    [("abc", "abc", True), ("abc", "abd", False), ("", "", False), ("abc", "ébc", False)],
)
def test_same_secret(expected: str, given: str, same: bool):
    assert same_secret(expected, given) is same
