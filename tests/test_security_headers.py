"""Security headers on every response of the web app: no framing by another site, and
Strict-Transport-Security only when the browser came over https (directly or through a
trusted proxy). Real requests to uvicorn on loopback, over TLS for https."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest

from arobase.settings import Settings
from bot.rasa_client import RasaClient, Reply
from bot.web.app import create_app
from tests.fake_rasa import FakeRasa, running_fake_rasa
from tests.fakes.tls import Certificate, self_signed_certificate
from tests.hub_support import hub_settings, migrated_sqlite
from tests.servers import serving

PROXY = "127.0.0.1"  # the tests' peer, declared as the town's reverse proxy when wanted
YEAR = "max-age=31536000"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeRasa]:
    with running_fake_rasa() as fake:
        yield fake


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return migrated_sqlite(tmp_path_factory.mktemp("headers") / "hub.db")


def settings_for(database: str, rasa_url: str, **overrides: object) -> Settings:
    values = {"rasa_url": rasa_url, "chat_rate_ip": "1000/minute", **overrides}
    return hub_settings(database, **values)


@pytest.fixture(scope="module")
def web_url(database: str, fake: FakeRasa) -> Iterator[str]:
    """The app with no trusted proxy; uvicorn believes no forwarded header either."""
    with serving(create_app(settings_for(database, fake.url)), proxy_headers=False) as url:
        yield url


@pytest.fixture(scope="module")
def proxied_url(database: str, fake: FakeRasa) -> Iterator[str]:
    """The app behind a trusted proxy (the tests' own address)."""
    settings = settings_for(database, fake.url, trusted_proxies=PROXY)
    with serving(create_app(settings), proxy_headers=False) as url:
        yield url


def assert_not_frameable(response: httpx.Response) -> None:
    policy = [part.strip() for part in response.headers["content-security-policy"].split(";")]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


CHAT = {"json": {"message": "bonjour"}}
RESPONSES = [
    ("chat page", "GET", "/", {}, 200),
    ("chat answer", "POST", "/api/chat", CHAT, 200),
    (
        "malformed JSON",
        "POST",
        "/api/chat",
        {"content": b"[" * 500, "headers": {"content-type": "application/json"}},
        400,
    ),
    ("unknown page", "GET", "/nulle-part", {}, 404),
    ("wrong method", "GET", "/api/chat", {}, 405),
    ("static file", "GET", "/static/chat.js", {}, 200),
    ("missing static file", "GET", "/static/absent.css", {}, 404),
    ("alerts page", "GET", "/alertes", {}, 200),
    ("alerts API", "GET", "/api/alertes/themes", {}, 200),
    ("privacy page", "GET", "/confidentialite", {}, 200),
    ("health check", "GET", "/healthz", {}, 200),
    ("HEAD of the page", "HEAD", "/", {}, 200),
]


@pytest.mark.parametrize(
    ("method", "path", "options", "status"),
    [case[1:] for case in RESPONSES],
    ids=[case[0] for case in RESPONSES],
)
def test_every_response_forbids_framing(
    web_url: str, method: str, path: str, options: dict, status: int
):
    response = httpx.request(method, web_url + path, trust_env=False, **options)

    assert response.status_code == status
    assert_not_frameable(response)
    assert "strict-transport-security" not in response.headers  # plain http


def test_rate_limited_answer_forbids_framing(database: str, fake: FakeRasa):
    app = create_app(settings_for(database, fake.url, chat_rate_ip="1/minute"))
    with (
        serving(app, proxy_headers=False) as url,
        httpx.Client(base_url=url, trust_env=False) as http,
    ):
        heard = http.post("/api/chat", **CHAT)
        refused = http.post("/api/chat", **CHAT)

    assert (heard.status_code, refused.status_code) == (200, 429)
    assert_not_frameable(refused)


class BrokenRasa(RasaClient):
    """A Rasa client with a bug: the app answers 500."""

    async def send(self, sender: str, text: str) -> list[Reply]:
        raise RuntimeError("bug in the client")


async def test_server_error_forbids_framing_too(database: str):
    rasa = BrokenRasa(httpx.AsyncClient(trust_env=False))
    app = create_app(settings_for(database, "http://unused.invalid"), rasa=rasa)
    with serving(app, proxy_headers=False) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False) as http:
            response = await http.post("/api/chat", **CHAT)
    await rasa.aclose()

    assert response.status_code == 500
    assert_not_frameable(response)


# Who says https: (fixture, X-Forwarded-Proto sent, Strict-Transport-Security expected).
HSTS = [
    ("trusted proxy says https", "proxied_url", "https", YEAR),
    ("trusted proxy says HTTPS, twice", "proxied_url", "HTTPS, http", YEAR),
    ("trusted proxy says http", "proxied_url", "http", None),
    ("trusted proxy says nothing", "proxied_url", None, None),
    ("untrusted client says https", "web_url", "https", None),
]


@pytest.mark.parametrize(
    ("server", "proto", "expected"), [c[1:] for c in HSTS], ids=[c[0] for c in HSTS]
)
@pytest.mark.parametrize("path", ["/", "/static/chat.css", "/nulle-part"])
def test_hsts_only_when_the_browser_came_over_https(
    request: pytest.FixtureRequest, server: str, proto: str | None, expected: str | None, path: str
):
    headers = {"x-forwarded-proto": proto} if proto else {}
    url = request.getfixturevalue(server)

    response = httpx.get(url + path, headers=headers, trust_env=False)

    assert response.headers.get("strict-transport-security") == expected
    assert_not_frameable(response)


def test_session_cookie_is_secure_behind_an_https_proxy(proxied_url: str):
    with httpx.Client(base_url=proxied_url, trust_env=False) as http:
        secure = http.post("/api/chat", headers={"x-forwarded-proto": "https"}, **CHAT)
        http.cookies.clear()
        plain = http.post("/api/chat", **CHAT)

    assert "; secure" in secure.headers["set-cookie"].lower()
    assert "; secure" not in plain.headers["set-cookie"].lower()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


def trusting(certificate: Certificate) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certificate.certificate)


@pytest.mark.parametrize(("seconds", "expected"), [(600, "max-age=600"), (0, None)])
def test_direct_https_gets_hsts_of_the_setting(
    database: str, fake: FakeRasa, certificate: Certificate, seconds: int, expected: str | None
):
    app = create_app(settings_for(database, fake.url, hsts_seconds=seconds))
    tls = {"ssl_certfile": str(certificate.certificate), "ssl_keyfile": str(certificate.key)}
    with (
        serving(app, proxy_headers=False, **tls) as url,
        httpx.Client(base_url=url, verify=trusting(certificate), trust_env=False) as https,
    ):
        page = https.get("/")
        missing = https.get("/nulle-part")

    assert url.startswith("https://")
    for response in (page, missing):
        assert response.headers.get("strict-transport-security") == expected
        assert_not_frameable(response)


def test_hsts_seconds_zero_never_sends_it_behind_a_proxy(database: str, fake: FakeRasa):
    settings = settings_for(database, fake.url, trusted_proxies=PROXY, hsts_seconds=0)
    with serving(create_app(settings), proxy_headers=False) as url:
        response = httpx.get(url + "/", headers={"x-forwarded-proto": "https"}, trust_env=False)

    assert "strict-transport-security" not in response.headers
