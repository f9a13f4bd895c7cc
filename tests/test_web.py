"""The web chat over real HTTP: a uvicorn server of create_app in front of a fake Rasa."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from arobase.errors import TownContentError
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
    with serving(create_app(make_settings(town_file, fake_server.url))) as url:
        yield url


@pytest.fixture(scope="module")
def impatient_url(fake_server: FakeRasa, town_file: Path) -> Iterator[str]:
    """The web app, waiting at most 0.5 s for the fake Rasa."""
    settings = make_settings(town_file, fake_server.url, rasa_timeout=0.5)
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


async def test_other_errors_are_json_in_french(client: httpx.AsyncClient):
    missing = await client.get("/nulle-part")
    wrong_method = await client.get("/api/chat")

    assert missing.status_code == 404
    assert missing.json() == {"error": "Cette page n'existe pas."}
    assert wrong_method.status_code == 405
    assert "error" in wrong_method.json()


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
