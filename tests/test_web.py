"""The web chat over real HTTP: a uvicorn server of create_app in front of a fake Rasa."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp

from arobase.errors import TownContentError
from arobase.settings import Settings
from bot.rasa_client import (
    Button,
    RasaClient,
    RasaUnavailable,
    Reply,
    parse_replies,
    rasa_client_from_settings,
)
from bot.web import app as web
from bot.web import common
from bot.web.app import clean_message, create_app
from bot.web.clients import limit_key
from bot.web.common import commune_with_de
from tests.fake_rasa import (
    TOWN_PHONE,
    FakeRasa,
    make_settings,
    running_fake_rasa,
    write_town,
)
from tests.servers import closed_port_url, serving

APOLOGY = (
    "Désolé, l'assistant ne répond pas pour le moment. "
    f"Vous pouvez appeler la mairie au {TOWN_PHONE}."
)
EMPTY = "Le message est vide."
TOO_LONG = "Le message dépasse 1\u00a0000 caractères."
JSON_TYPE = {"content-type": "application/json"}
WAY_OUT = f"Vous pouvez appeler la mairie au {TOWN_PHONE}."


def generous(settings: Settings, **limits: str) -> Settings:
    """SETTINGS with chat limits no test of this module reaches, unless LIMITS say others
    (all of this module's requests come from 127.0.0.1)."""
    wanted = {"chat_rate_ip": "10000/minute", "chat_rate_session": "10000/minute", **limits}
    return settings.model_copy(update=wanted)


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeRasa]:
    with running_fake_rasa() as fake:
        yield fake


@pytest.fixture
def fake(fake_server: FakeRasa) -> FakeRasa:
    fake_server.reset()
    return fake_server


@pytest.fixture(scope="module")
def town_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_town(tmp_path_factory.mktemp("town"))


@pytest.fixture(scope="module")
def web_url(fake_server: FakeRasa, town_file: Path) -> Iterator[str]:
    """The web app, talking to the fake Rasa."""
    with serving(create_app(generous(make_settings(town_file, fake_server.url)))) as url:
        yield url


@pytest.fixture(scope="module")
def impatient_url(fake_server: FakeRasa, town_file: Path) -> Iterator[str]:
    """The web app, waiting at most 0.5 s for the fake Rasa."""
    settings = generous(make_settings(town_file, fake_server.url, rasa_timeout=0.5))
    with serving(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def orphan_url(town_file: Path) -> Iterator[str]:
    """The web app, pointed at a port where no Rasa listens."""
    with serving(create_app(make_settings(town_file, closed_port_url()))) as url:
        yield url


@pytest.fixture
async def client(web_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=web_url, trust_env=False) as http:
        yield http


async def chat(http: httpx.AsyncClient, message: str) -> httpx.Response:
    return await http.post("/api/chat", json={"message": message})


# --- Happy path and sessions -------------------------------------------------------------


async def test_message_gets_rasa_replies_with_buttons(client: httpx.AsyncClient, fake: FakeRasa):
    response = await chat(client, "je voudrais des choix")

    assert response.status_code == 200
    assert response.json() == {
        "replies": [
            {
                "text": "Que souhaitez-vous savoir ?",
                "buttons": [
                    {"title": "Horaires de la mairie", "payload": "/horaires"},
                    {"title": "Carte d'identité", "payload": "/carte_identite"},
                ],
            }
        ]
    }
    assert fake.messages == ["je voudrais des choix"]


async def test_session_cookie_keeps_one_sender_per_browser(web_url: str, fake: FakeRasa):
    async with (
        httpx.AsyncClient(base_url=web_url, trust_env=False) as first,
        httpx.AsyncClient(base_url=web_url, trust_env=False) as second,
    ):
        opening = await chat(first, "bonjour")
        again = await chat(first, "et encore")
        other = await chat(second, "bonjour")

    cookie = opening.headers["set-cookie"]
    assert cookie.startswith("arobase_session=")
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "set-cookie" not in again.headers
    assert other.status_code == 200
    one, same, different = fake.senders
    assert one.startswith("web:") and len(one) > len("web:") + 20
    assert one == same
    assert different != one


async def test_malformed_session_cookie_is_replaced(web_url: str, fake: FakeRasa):
    cookies = {"arobase_session": "../../etc/passwd"}
    async with httpx.AsyncClient(base_url=web_url, cookies=cookies, trust_env=False) as http:
        response = await chat(http, "bonjour")

    assert response.status_code == 200
    assert "arobase_session=" in response.headers["set-cookie"]
    assert "passwd" not in fake.senders[0]


# --- Input the app accepts ------------------------------------------------------------------


def nested(levels: int) -> object:
    """Arrays nested LEVELS deep: [[[...]]]."""
    value: object = []
    for _ in range(levels - 1):
        value = [value]
    return value


ACCEPTED = [
    ("emoji only", json.dumps({"message": "👍🏽🎉"}).encode(), "👍🏽🎉"),
    (
        "html and script as text",
        json.dumps({"message": "<script>alert(1)</script><b>gras</b>"}).encode(),
        "<script>alert(1)</script><b>gras</b>",
    ),
    (
        "control characters stripped",
        b'{"message": "Bon\\u0000jour\\u0007 \\u001b[31m!"}',
        "Bonjour [31m!",
    ),
    ("lone surrogate dropped", b'{"message": "a\\ud800b"}', "ab"),
    ("line breaks kept", b'{"message": "ligne 1\\r\\nligne 2"}', "ligne 1\nligne 2"),
    ("surrounding spaces trimmed", b'{"message": "  samedi ?  "}', "samedi ?"),
    ("exactly 1000 characters", json.dumps({"message": "é" * 1000}).encode(), "é" * 1000),
    ("not ASCII", '{"message": "Où est l\'école ?"}'.encode(), "Où est l'école ?"),
    ("brackets in the text", json.dumps({"message": "[" * 900 + "{"}).encode(), "[" * 900 + "{"),
    (
        "escaped quote before brackets",
        json.dumps({"message": 'il a dit "[[[" ' + "{" * 50}).encode(),
        'il a dit "[[[" ' + "{" * 50,
    ),
    (
        "nested 20 levels deep",
        json.dumps({"message": "oui", "extra": nested(19)}).encode(),
        "oui",
    ),
]


@pytest.mark.parametrize(
    ("body", "forwarded"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED]
)
async def test_accepted_messages_are_forwarded_as_text(
    client: httpx.AsyncClient, fake: FakeRasa, body: bytes, forwarded: str
):
    response = await client.post("/api/chat", content=body, headers=JSON_TYPE)

    assert response.status_code == 200
    assert fake.messages == [forwarded]
    assert response.json()["replies"][0]["text"] == f"Vous avez dit : {forwarded}"


async def test_json_with_charset_parameter_is_accepted(client: httpx.AsyncClient, fake: FakeRasa):
    headers = {"content-type": "application/json; charset=utf-8"}
    response = await client.post("/api/chat", content=b'{"message": "oui"}', headers=headers)

    assert response.status_code == 200
    assert fake.messages == ["oui"]


# --- Input the app refuses ------------------------------------------------------------------

OVERSIZE = json.dumps({"message": "a" * (17 * 1024)}).encode()
REFUSED = [
    ("empty", b'{"message": ""}', JSON_TYPE, 422, EMPTY),
    ("whitespace only", b'{"message": "  \\n\\t  "}', JSON_TYPE, 422, EMPTY),
    ("control characters only", b'{"message": "\\u0000\\u0007"}', JSON_TYPE, 422, EMPTY),
    ("10,000 characters", json.dumps({"message": "a" * 10_000}).encode(), JSON_TYPE, 422, TOO_LONG),
    ("1,001 characters", json.dumps({"message": "a" * 1001}).encode(), JSON_TYPE, 422, TOO_LONG),
    ("invalid UTF-8", b'{"message": "\xff\xfe bonjour"}', JSON_TYPE, 400, common.NOT_UTF8),
    ("wrong JSON", b'{"message": "bonjour"', JSON_TYPE, 400, common.NOT_JSON),
    ("empty body", b"", JSON_TYPE, 400, common.NOT_JSON),
    ("JSON array", b'["bonjour"]', JSON_TYPE, 400, web.NOT_OBJECT),
    ("JSON string", b'"bonjour"', JSON_TYPE, 400, web.NOT_OBJECT),
    ("missing field", b'{"text": "bonjour"}', JSON_TYPE, 400, web.MISSING_MESSAGE),
    ("number message", b'{"message": 42}', JSON_TYPE, 400, web.MESSAGE_NOT_TEXT),
    ("null message", b'{"message": null}', JSON_TYPE, 400, web.MESSAGE_NOT_TEXT),
    ("list message", b'{"message": ["a"]}', JSON_TYPE, 400, web.MESSAGE_NOT_TEXT),
    (
        "text/plain",
        b'{"message": "bonjour"}',
        {"content-type": "text/plain"},
        415,
        common.NOT_JSON_TYPE,
    ),
    (
        "form encoded",
        b"message=bonjour",
        {"content-type": "application/x-www-form-urlencoded"},
        415,
        common.NOT_JSON_TYPE,
    ),
    ("no content type", b'{"message": "bonjour"}', {"content-type": ""}, 415, common.NOT_JSON_TYPE),
    ("oversize body", OVERSIZE, JSON_TYPE, 413, common.TOO_LARGE),
    ("16,000 [", b"[" * 16_000, JSON_TYPE, 400, common.TOO_DEEP),
    ('{"a": × 3,000', b'{"a":' * 3_000, JSON_TYPE, 400, common.TOO_DEEP),
    (
        "nested 21 levels deep",
        json.dumps({"message": "oui", "extra": nested(20)}).encode(),
        JSON_TYPE,
        400,
        common.TOO_DEEP,
    ),
    ("deep after an object", b'{"message": "oui"}' + b"[" * 30, JSON_TYPE, 400, common.TOO_DEEP),
    ("brackets in an unclosed text", b'{"message": "' + b"[" * 30, JSON_TYPE, 400, common.NOT_JSON),
]


async def post_refused(
    http: httpx.AsyncClient, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    return await http.post("/api/chat", content=body, headers=headers)


@pytest.mark.parametrize(
    ("body", "headers", "status", "reason"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
async def test_bad_input_is_refused_with_french_reason(
    client: httpx.AsyncClient,
    fake: FakeRasa,
    body: bytes,
    headers: dict[str, str],
    status: int,
    reason: str,
):
    response = await post_refused(client, body, headers)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": reason}
    assert fake.received == []


async def test_oversize_streamed_body_without_length_is_refused(
    client: httpx.AsyncClient, fake: FakeRasa
):
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"message": "'
        for _ in range(20):
            yield b"a" * 1024
        yield b'"}'

    response = await client.post("/api/chat", content=chunks(), headers=JSON_TYPE)

    assert response.status_code == 413
    assert response.json() == {"error": common.TOO_LARGE}
    assert fake.received == []


async def test_app_still_answers_after_all_bad_input(client: httpx.AsyncClient, fake: FakeRasa):
    for _, body, headers, status, _ in REFUSED:
        assert (await post_refused(client, body, headers)).status_code == status

    response = await chat(client, "Toujours là ?")

    assert response.status_code == 200
    assert response.json()["replies"][0]["text"] == "Vous avez dit : Toujours là ?"


async def test_deep_json_is_refused_without_a_traceback(
    client: httpx.AsyncClient, fake: FakeRasa, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)

    response = await client.post("/api/chat", content=b"[" * 16_000, headers=JSON_TYPE)

    assert response.status_code == 400
    assert response.json() == {"error": common.TOO_DEEP}
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert fake.received == []


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_alerts_api_refuses_deep_json_too(
    client: httpx.AsyncClient, web_url: str, method: str
):
    headers = {**JSON_TYPE, "origin": web_url}
    body = b'{"endpoint":' * 1_300  # 15.6 KB: under the size limit

    response = await client.request(method, "/api/alertes/webpush", content=body, headers=headers)

    assert response.status_code == 400
    assert response.json() == {"error": common.TOO_DEEP}


async def test_other_errors_are_json_in_french(client: httpx.AsyncClient):
    missing = await client.get("/nulle-part")
    wrong_method = await client.get("/api/chat")

    assert missing.status_code == 404
    assert missing.json() == {"error": "Cette page n'existe pas."}
    assert wrong_method.status_code == 405
    assert "error" in wrong_method.json()


async def test_a_wrong_link_followed_in_a_browser_gives_a_page_in_french(
    client: httpx.AsyncClient,
):
    missing = await client.get("/actualites/nulle-part", headers={"Accept": "text/html"})
    api = await client.get("/api/nulle-part", headers={"Accept": "text/html"})

    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "<title>Page introuvable" in missing.text
    assert "<p>Cette page n'existe pas.</p>" in missing.text
    assert 'href="../"' in missing.text  # the way back, relative to the page's folder
    assert 'href="../static/' in missing.text
    assert api.json() == {"error": "Cette page n'existe pas."}


# --- Rate limits ------------------------------------------------------------------------------


def slow_down(seconds: int) -> str:
    """The exact 429 reason a person reads."""
    return (
        "Vous m'envoyez beaucoup de messages en peu de temps. Merci de patienter "
        f"{web.wait_words(seconds)}, puis de reposer votre question. {WAY_OUT}"
    )


def assert_slowed_down(response: httpx.Response, longest: int) -> None:
    """A polite 429 whose reason states the Retry-After it carries (1..LONGEST seconds)."""
    assert response.status_code == 429
    seconds = int(response.headers["retry-after"])
    assert 1 <= seconds <= longest
    assert response.json() == {"error": slow_down(seconds)}


@pytest.fixture
def limited_app(fake: FakeRasa, town_file: Path):
    """Serve the app with the given chat limits, behind a proxy at 127.0.0.1."""

    def serve(per_ip: str, per_session: str, proxies: str = "127.0.0.1"):
        settings = make_settings(town_file, fake.url).model_copy(
            update={
                "chat_rate_ip": per_ip,
                "chat_rate_session": per_session,
                "trusted_proxies": proxies,
            }
        )
        return serving(create_app(settings), proxy_headers=False)

    return serve


def from_address(url: str, address: str, **options) -> httpx.AsyncClient:
    """A browser behind the town's proxy, which says it is ADDRESS."""
    forwarded = {"x-forwarded-for": address}
    return httpx.AsyncClient(base_url=url, headers=forwarded, trust_env=False, **options)


async def test_one_conversation_over_its_limit_is_asked_to_wait(limited_app, fake: FakeRasa):
    with limited_app(per_ip="100/minute", per_session="2/minute") as url:
        async with (
            from_address(url, "203.0.113.5") as person,
            from_address(url, "203.0.113.5") as other,
        ):
            # The first message has no conversation yet: counted per address only.
            heard = [(await chat(person, f"question {n}")).status_code for n in range(3)]
            refused = await chat(person, "question 3")
            neighbour = await chat(other, "bonjour")

    assert heard == [200, 200, 200]
    assert_slowed_down(refused, longest=60)
    assert neighbour.status_code == 200  # same address, another conversation
    assert fake.messages == ["question 0", "question 1", "question 2", "bonjour"]


async def test_one_address_over_its_limit_is_asked_to_wait(limited_app, fake: FakeRasa):
    """Each request without a cookie starts a new conversation: the address still counts."""
    with limited_app(per_ip="3/hour", per_session="100/minute") as url:
        responses = []
        for n in range(4):
            async with from_address(url, "203.0.113.5") as newcomer:
                responses.append(await chat(newcomer, f"question {n}"))
        async with from_address(url, "2001:db8::7") as elsewhere:
            other = await chat(elsewhere, "bonjour")

    assert [r.status_code for r in responses[:3]] == [200, 200, 200]
    assert_slowed_down(responses[3], longest=3600)
    assert other.status_code == 200
    assert fake.messages == ["question 0", "question 1", "question 2", "bonjour"]


async def test_an_ipv6_address_is_counted_by_its_64_network(limited_app, fake: FakeRasa):
    """Any address of one /64 is the same client: a new one buys no new allowance."""
    with limited_app(per_ip="2/minute", per_session="100/minute") as url:
        statuses = []
        for address in ("2001:db8:5:6::1", "2001:db8:5:6:a::2", "2001:db8:5:6:ffff::3"):
            async with from_address(url, address) as newcomer:
                statuses.append((await chat(newcomer, "bonjour")).status_code)
        async with from_address(url, "2001:db8:5:7::1") as neighbour:
            statuses.append((await chat(neighbour, "bonjour")).status_code)

    assert statuses == [200, 200, 429, 200]


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("2001:db8:5:6:a:b:c:d", "2001:db8:5:6::/64"),
        ("2001:DB8:5:6::1", "2001:db8:5:6::/64"),
        ("::ffff:203.0.113.5", "203.0.113.5"),  # IPv4-mapped: the IPv4 client itself
        ("fe80::1%eth0", "fe80::/64"),
        ("inconnu", "inconnu"),  # no peer address (a Unix socket)
    ],
)
def test_limit_key(address: str, key: str):
    assert limit_key(address) == key


@contextmanager
def serving_on_both_stacks(app: ASGIApp) -> Iterator[int]:
    """APP served as `uvicorn --host ::` serves it: one socket for IPv6 and IPv4, where an
    IPv4 peer is seen as ::ffff:a.b.c.d; yields the port."""
    try:
        sock = socket.socket(socket.AF_INET6)
    except OSError:
        pytest.skip("no IPv6 on this machine")
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind(("::", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


async def test_a_proxy_on_this_machine_is_trusted_on_a_server_listening_on_both_stacks(
    fake: FakeRasa, town_file: Path
):
    """AROBASE_TRUSTED_PROXIES=127.0.0.1 is the proxy, also when the server sees it as
    ::ffff:127.0.0.1: the people behind it are counted apart, not as one."""
    settings = make_settings(town_file, fake.url).model_copy(
        update={"chat_rate_ip": "1/minute", "trusted_proxies": "127.0.0.1"}
    )
    with serving_on_both_stacks(create_app(settings)) as port:
        url = f"http://127.0.0.1:{port}"
        async with (
            from_address(url, "203.0.113.5") as one,
            from_address(url, "198.51.100.9") as two,
        ):
            statuses = [(await chat(person, "bonjour")).status_code for person in (one, two)]
            again = await chat(one, "encore")

    assert statuses == [200, 200]
    assert again.status_code == 429


async def test_forwarded_address_is_ignored_from_an_untrusted_peer(limited_app, fake: FakeRasa):
    """Without a trusted proxy, X-Forwarded-For cannot buy a client a new allowance."""
    with limited_app(per_ip="2/minute", per_session="100/minute", proxies="") as url:
        statuses = []
        for n in range(3):
            async with from_address(url, f"198.51.100.{n}") as liar:
                statuses.append((await chat(liar, "bonjour")).status_code)

    assert statuses == [200, 200, 429]


async def test_malformed_requests_count_too(limited_app, fake: FakeRasa):
    with limited_app(per_ip="2/minute", per_session="100/minute") as url:
        async with from_address(url, "203.0.113.9") as client:
            broken = [
                (await post_refused(client, b"[" * 100, JSON_TYPE)).status_code for _ in range(2)
            ]
            refused = await chat(client, "bonjour")

    assert broken == [400, 400]
    assert refused.status_code == 429
    assert fake.received == []


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "1\u00a0seconde"),
        (1, "1\u00a0seconde"),
        (45, "45\u00a0secondes"),
        (60, "1\u00a0minute"),
        (61, "2\u00a0minutes"),
        (3599, "60\u00a0minutes"),
        (3600, "1\u00a0heure"),
        (3601, "2\u00a0heures"),
    ],
)
def test_wait_words(seconds: int, words: str):
    assert web.wait_words(seconds) == words


async def test_unreadable_limit_stops_the_app_clearly(town_file: Path, fake: FakeRasa):
    settings = make_settings(town_file, fake.url).model_copy(update={"chat_rate_ip": "vite"})
    app = create_app(settings)

    with pytest.raises(ValueError, match="limite illisible « vite »"):
        async with app.router.lifespan_context(app):
            pass


# --- Rasa failing ----------------------------------------------------------------------------


def assert_apology(response: httpx.Response) -> None:
    assert response.status_code == 200
    assert response.json() == {"replies": [{"text": APOLOGY, "buttons": []}]}
    for leak in ("Traceback", "httpx", "Error", "Exception", "127.0.0.1"):
        assert leak not in response.text


@pytest.mark.parametrize("mode", ["error", "garbage", "wrong_shape", "hang"])
async def test_rasa_failing_gives_apology_with_phone(
    impatient_url: str, fake: FakeRasa, mode: str, caplog: pytest.LogCaptureFixture
):
    fake.mode = mode
    caplog.set_level(logging.ERROR, logger="bot.web.app")
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=impatient_url, trust_env=False) as http:
        response = await chat(http, "La mairie est ouverte ?")

    assert_apology(response)
    assert time.monotonic() - started < 5
    assert any("Rasa" in record.getMessage() for record in caplog.records)


async def test_rasa_down_gives_apology_with_phone(
    orphan_url: str, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.ERROR, logger="bot.web.app")
    async with httpx.AsyncClient(base_url=orphan_url, trust_env=False) as http:
        response = await chat(http, "Bonjour")

    assert_apology(response)
    assert any("injoignable" in record.getMessage() for record in caplog.records)


async def test_rasa_answering_nothing_gives_a_way_out(client: httpx.AsyncClient, fake: FakeRasa):
    """An empty list from Rasa still gives the person something to do."""
    fake.mode = "silent"

    response = await chat(client, "Bonjour")

    assert response.status_code == 200
    (reply,) = response.json()["replies"]
    assert reply["text"].startswith("Je n'ai pas de réponse")
    assert TOWN_PHONE in reply["text"]


# --- Page, health, assets ---------------------------------------------------------------------


async def test_health_reports_rasa(web_url: str, orphan_url: str):
    async with httpx.AsyncClient(trust_env=False) as http:
        up = await http.get(f"{web_url}/healthz")
        down = await http.get(f"{orphan_url}/healthz")

    assert up.json() == {"web": "ok", "rasa": True}
    assert down.status_code == 200
    assert down.json() == {"web": "ok", "rasa": False}


async def test_page_is_french_and_names_the_town(client: httpx.AsyncClient):
    response = await client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page = response.text
    assert '<html lang="fr">' in page
    assert "Assistant de la mairie de Trilport" in page
    assert 'href="tel:0199001234"' in page
    assert "{{" not in page


@pytest.mark.parametrize(
    ("path", "media_type"),
    [("/static/chat.css", "text/css"), ("/static/chat.js", "javascript")],
)
async def test_assets_are_served_locally(client: httpx.AsyncClient, path: str, media_type: str):
    response = await client.get(path)

    assert response.status_code == 200
    assert media_type in response.headers["content-type"]


def test_page_loads_nothing_from_elsewhere():
    static = Path(web.STATIC_DIR)
    html = (static / "index.html").read_text(encoding="utf-8")
    css = (static / "chat.css").read_text(encoding="utf-8")

    for attribute in ('src="http', 'src="//', 'href="http', 'href="//'):
        assert attribute not in html
    assert "@import" not in css and "url(" not in css
    assert "innerHTML" not in (static / "chat.js").read_text(encoding="utf-8")


async def test_injected_rasa_client_is_left_open(fake: FakeRasa, town_file: Path):
    http = httpx.AsyncClient(base_url=fake.url, trust_env=False)
    rasa = RasaClient(http)
    with serving(create_app(make_settings(town_file, "http://unused.invalid"), rasa=rasa)) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False) as browser:
            response = await chat(browser, "bonjour")

    assert response.json()["replies"][0]["text"] == "Vous avez dit : bonjour"
    assert not http.is_closed
    await rasa.aclose()


class BrokenRasa(RasaClient):
    """A Rasa client with a bug: it raises something unexpected."""

    async def send(self, sender: str, text: str) -> list[Reply]:
        raise RuntimeError("bug in the client")


async def test_unexpected_error_gives_json_apology_without_traceback(
    town_file: Path, caplog: pytest.LogCaptureFixture
):
    rasa = BrokenRasa(httpx.AsyncClient(trust_env=False))
    with serving(create_app(make_settings(town_file, "http://unused.invalid"), rasa=rasa)) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False) as http:
            response = await chat(http, "bonjour")
    await rasa.aclose()

    assert response.status_code == 500
    assert response.json() == {"error": APOLOGY}
    assert "bug in the client" not in response.text
    assert any(record.exc_info for record in caplog.records if record.name == "bot.web.app")


def test_uvicorn_factory_entry_point_reads_the_environment(
    town_file: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("AROBASE_TOWN_FILE", str(town_file))
    monkeypatch.setenv("AROBASE_RASA_URL", closed_port_url())
    config = uvicorn.Config("bot.web.app:create_app", factory=True)

    config.load()

    assert config.loaded_app is not None


async def test_startup_fails_clearly_without_town_file(tmp_path: Path, fake: FakeRasa):
    app = create_app(make_settings(tmp_path / "absent.yml", fake.url))

    with pytest.raises(TownContentError, match=r"absent\.yml"):
        async with app.router.lifespan_context(app):
            pass


# --- Rasa client ---------------------------------------------------------------------------------


async def test_client_sends_and_reads_status(fake: FakeRasa, town_file: Path):
    async with rasa_client_from_settings(make_settings(town_file, fake.url)) as rasa:
        replies = await rasa.send("test:1", "bonjour")
        alive = await rasa.status()

    assert replies == [Reply("Vous avez dit : bonjour")]
    assert fake.received == [{"sender": "test:1", "message": "bonjour"}]
    assert alive is True


@pytest.mark.parametrize(
    ("mode", "cause"),
    [
        ("error", httpx.HTTPStatusError),
        ("garbage", ValueError),
        ("hang", httpx.TimeoutException),
        ("wrong_shape", type(None)),
    ],
)
async def test_client_failures_raise_rasa_unavailable_with_cause(
    fake: FakeRasa, town_file: Path, mode: str, cause: type[BaseException]
):
    fake.mode = mode
    async with rasa_client_from_settings(make_settings(town_file, fake.url, 0.5)) as rasa:
        with pytest.raises(RasaUnavailable) as raised:
            await rasa.send("test:1", "bonjour")

    assert isinstance(raised.value.__cause__, cause)


async def test_client_down_raises_with_connect_error(town_file: Path):
    async with rasa_client_from_settings(make_settings(town_file, closed_port_url())) as rasa:
        with pytest.raises(RasaUnavailable, match="injoignable") as raised:
            await rasa.send("test:1", "bonjour")
        alive = await rasa.status()

    assert isinstance(raised.value.__cause__, httpx.ConnectError)
    assert alive is False


CHOICES = [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]
YES_NO = (Button("Oui", "/affirm"), Button("Non", "/deny"))
PARSED = [
    ("nothing", [], []),
    ("text", [{"recipient_id": "a", "text": "Bonjour"}], [Reply("Bonjour")]),
    ("text and buttons", [{"text": "Sûr ?", "buttons": CHOICES}], [Reply("Sûr ?", YES_NO)]),
    (
        "buttons without text join the reply before",
        [{"text": "Un"}, {"text": "Deux"}, {"buttons": CHOICES}],
        [Reply("Un"), Reply("Deux", YES_NO)],
    ),
    ("buttons alone", [{"buttons": CHOICES}], [Reply("", YES_NO)]),
    (
        "image becomes its link",
        [{"image": "https://example.org/plan.png"}],
        [Reply("https://example.org/plan.png")],
    ),
    (
        "nothing to show is skipped",
        [{"custom": {"x": 1}}, {"image": "javascript:alert(1)"}, {"text": "  "}, {"text": "Fin"}],
        [Reply("Fin")],
    ),
    (
        "unusable buttons are skipped",
        [
            {
                "text": "Choix",
                "buttons": [{"title": "Oui"}, "x", {"title": 3, "payload": "/a"}, *CHOICES],
            }
        ],
        [Reply("Choix", YES_NO)],
    ),
    ("buttons not a list", [{"text": "Choix", "buttons": "Oui"}], [Reply("Choix")]),
]


@pytest.mark.parametrize(("data", "expected"), [c[1:] for c in PARSED], ids=[c[0] for c in PARSED])
def test_parse_replies(data: list, expected: list[Reply]):
    assert parse_replies(data) == expected


@pytest.mark.parametrize("data", [{"text": "x"}, "texte", None, [{"text": "a"}, "b"]])
def test_parse_replies_refuses_other_shapes(data: object):
    with pytest.raises(RasaUnavailable):
        parse_replies(data)


# --- Pure helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Trilport", "de Trilport"),
        ("Esbly", "d'Esbly"),
        ("Écouen", "d'Écouen"),
        ("Le Pin", "du Pin"),
        ("Les Lilas", "des Lilas"),
        ("La Ferté-sous-Jouarre", "de La Ferté-sous-Jouarre"),
    ],
)
def test_commune_with_de(name: str, expected: str):
    assert commune_with_de(name) == expected


def test_clean_message_keeps_emoji_joiners_and_line_breaks():
    family = "👨\u200d👩\u200d👧"
    assert clean_message(f"\x00 {family}\r\nfin\x7f\x85 ") == f"{family}\nfin"


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("{}", 1),
        ('{"a": [1, {"b": []}], "c": {}}', 4),
        ('"[[[{{{"', 0),
        (r'["il a dit \"[[[\""]', 1),
        (r'["\\", [[1]]]', 3),  # an escaped backslash, then the string ends
        ('{"a": "pas fini [[[[', 1),  # an unclosed string runs to the end
        ("[" * 16_000, 21),  # the scan stops past the limit
        ('{"a":' * 3_000, 21),
        ('"\\"' * 5_000, 0),  # one long unclosed string, in one pass
    ],
)
def test_json_depth(text: str, depth: int):
    assert common.json_depth(text) == depth
