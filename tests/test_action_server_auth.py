"""The action server serves the Rasa server only: the real `python -m actions.server` process
on loopback, called with a forged tracker (a Telegram chat subscribing) without the shared
secret, with a wrong one, then with the right one. tests/test_assistant.py and
tests/test_telegram_assistant.py prove the real Rasa server sends it.

One hop up, the real Rasa server speaks for a Telegram chat only when its REST channel gets
Rasa's token (rasa_addons/arobase_channels.py): otherwise the same forgery would go through
Rasa, which calls the action server with the secret."""

from __future__ import annotations

import ast
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from actions.server import authorized, token_problem
from arobase.senders import open_prefixes
from arobase.settings import ROOT
from notifications.hub import Hub
from notifications.subscribers import find_subscriber
from tests.hub_support import make_test_hub, migrated_sqlite
from tests.servers import free_port
from tests.stack import RasaStack, actions_token_for_tests, stack_env, wait_until_ready

PYTHON = str(ROOT / ".venv" / "bin" / "python")
CHAT = "424242"


def action_server_env(database_url: str, port: int, token: str) -> dict[str, str]:
    env = stack_env(port, free_port(), "jeton-rasa-inutile-ici", database_url, token)
    env["AROBASE_ACTIONS_TOKEN"] = token  # even empty: stack_env would make one
    return env


@pytest.fixture(scope="module")
def token() -> str:
    return actions_token_for_tests()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    hub = make_test_hub(migrated_sqlite(tmp_path_factory.mktemp("actions") / "hub.db"))
    yield hub
    hub.close()


@pytest.fixture(scope="module")
def actions_url(hub: Hub, token: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("actions-logs") / "actions.log"
    env = action_server_env(hub.settings.database_url, port, token)
    with log.open("w") as out:
        process = subprocess.Popen(
            [PYTHON, "-m", "actions.server"], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_ready(f"{url}/health", process, log, timeout=60)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def subscribe_call(chat: str) -> dict[str, Any]:
    """What Rasa sends when a resident of Telegram chat CHAT asks for the road-works alerts."""
    message = {
        "text": "je veux être prévenu des travaux",
        "intent": {"name": "subscribe", "confidence": 0.99},
        "entities": [{"entity": "topic", "value": "travaux"}],
    }
    tracker = {
        "sender_id": f"telegram:{chat}", "slots": {}, "latest_message": message,
        "events": [], "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen",
    }  # fmt: skip
    return {"next_action": "action_alerts_info", "sender_id": f"telegram:{chat}",
            "tracker": tracker, "domain": {}, "version": "3.6.21"}  # fmt: skip


def post(url: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
    return httpx.post(
        f"{url}/webhook", json=subscribe_call(CHAT), headers=headers, trust_env=False, **kwargs
    )


@pytest.mark.parametrize(
    ("case", "headers", "params"),
    [
        ("no secret", {}, {}),
        ("a wrong secret", {"Authorization": "Bearer -pas-le-bon-jeton-0123456789"}, {}),
        ("the secret without its scheme", {"Authorization": "{token}"}, {}),
        ("the secret in the address", {}, {"token": "{token}"}),
        ("the secret cut short", {"Authorization": "Bearer {short}"}, {}),
    ],
)  # fmt: skip
def test_a_forged_call_is_refused_and_changes_nothing(
    actions_url: str, hub: Hub, token: str, case: str, headers: dict, params: dict
) -> None:
    fill = {"token": token, "short": token[:-1]}
    headers = {k: v.format(**fill) for k, v in headers.items()}
    params = {k: v.format(**fill) for k, v in params.items()}
    response = post(actions_url, headers, params=params)
    assert response.status_code == 401, case
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {
        "error": "appel refusé : seul le serveur Rasa (avec le jeton AROBASE_ACTIONS_TOKEN) "
        "est servi"
    }
    assert find_subscriber(hub, "telegram", CHAT) is None


def test_the_list_of_actions_is_refused_too_but_health_stays_open(actions_url: str) -> None:
    assert httpx.get(f"{actions_url}/actions", trust_env=False).status_code == 401
    health = httpx.get(f"{actions_url}/health", trust_env=False)
    assert (health.status_code, health.json()) == (200, {"status": "ok"})


def test_rasa_with_the_secret_is_served(actions_url: str, hub: Hub, token: str) -> None:
    # The same call as the forged ones, with the secret: proof that they were refused for it.
    chat = "434343"
    call = subscribe_call(chat)
    response = httpx.post(
        f"{actions_url}/webhook",
        json=call,
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
    )
    assert response.status_code == 200, response.text
    assert "Travaux" in response.json()["responses"][0]["text"]
    subscriber = find_subscriber(hub, "telegram", chat)
    assert subscriber is not None and subscriber.topics == ("travaux",)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "AROBASE_ACTIONS_TOKEN est vide"),
        ("court-0123", "AROBASE_ACTIONS_TOKEN est trop court : 16 caractères au moins."),
        ("un jeton avec des espaces", "signes ASCII visibles, sans espace"),
        ("$JETON_0123456789abcdef", "ne pas commencer par $"),
        ("jeton-accentué-0123456789", "signes ASCII visibles"),
    ],
)
def test_the_server_refuses_to_start_without_a_usable_secret(
    tmp_path: Path, token: str, reason: str
) -> None:
    env = action_server_env(migrated_sqlite(tmp_path / "hub.db"), free_port(), token)
    result = subprocess.run(
        [PYTHON, "-m", "actions.server"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("Erreur : ") and reason in result.stderr


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer -abc+/=&%#?0123456789", True),
        ("bearer -abc+/=&%#?0123456789", True),  # the scheme ignores case
        ("Bearer -abc+/=&%#?012345678", False),
        ("Bearer -abc+/=&%#?01234567890", False),
        ("Basic -abc+/=&%#?0123456789", False),
        ("-abc+/=&%#?0123456789", False),
        ("Bearer  -abc+/=&%#?0123456789", False),
        ("Bearer é", False),
        ("", False),
        (None, False),
    ],
)
def test_only_the_exact_bearer_secret_is_authorized(header: str | None, expected: bool) -> None:
    assert authorized(header, "-abc+/=&%#?0123456789") is expected


def test_a_url_safe_secret_starting_with_a_dash_is_usable() -> None:
    assert token_problem("-" + "A" * 42) is None
    assert token_problem(actions_token_for_tests()) is None


def test_the_rasa_channel_opens_the_conversations_the_senders_codec_opens() -> None:
    # rasa_addons runs in Rasa's own environment, where arobase cannot be imported: its list
    # is a literal, read here without importing Rasa.
    source = (ROOT / "rasa_addons" / "arobase_channels.py").read_text(encoding="utf-8")
    (literal,) = (
        node.value
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "OPEN_SENDERS" for t in node.targets)
    )
    assert ast.literal_eval(literal) == open_prefixes() == ("web:", "terminal:")


# --- Through the real Rasa server -----------------------------------------------------------

FORGED = '/subscribe{"topic":"travaux"}'  # Rasa's own syntax for an intent: no NLU guesswork


def to_rasa(
    stack: RasaStack, sender: str, headers: dict[str, str], **kwargs: Any
) -> httpx.Response:
    """FORGED posted to Rasa's REST channel for conversation SENDER."""
    body = json.dumps({"sender": sender, "message": FORGED})
    headers = {"content-type": "application/json", **headers}
    return httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", content=body, headers=headers,
                      timeout=60, trust_env=False, **kwargs)  # fmt: skip


@pytest.mark.rasa
@pytest.mark.parametrize(
    ("chat", "case", "headers", "params"),
    [
        ("515151", "no token", {}, {}),
        ("525252", "a web page's post (text/plain: no preflight)",
         {"content-type": "text/plain", "origin": "http://ailleurs.example"}, {}),
        ("535353", "the action server's secret", {"Authorization": "Bearer {actions_token}"}, {}),
        ("545454", "Rasa's token in the address", {}, {"token": "{token}"}),
        ("555555", "Rasa's token cut short", {"Authorization": "Bearer {short}"}, {}),
    ],
)  # fmt: skip
def test_rasa_speaks_for_a_telegram_chat_only_with_its_token(
    rasa_stack: RasaStack, chat: str, case: str, headers: dict, params: dict
) -> None:
    fill = {"token": rasa_stack.token, "short": rasa_stack.token[:-1],
            "actions_token": rasa_stack.actions_token}  # fmt: skip
    headers = {k: v.format(**fill) for k, v in headers.items()}
    params = {k: v.format(**fill) for k, v in params.items()}
    response = to_rasa(rasa_stack, f"telegram:{chat}", headers, params=params)
    assert response.status_code == 401, case
    assert "le jeton AROBASE_RASA_TOKEN est nécessaire" in response.json()["message"]
    hub = make_test_hub(rasa_stack.env["AROBASE_DATABASE_URL"])
    try:
        assert find_subscriber(hub, "telegram", chat) is None
    finally:
        hub.close()


@pytest.mark.rasa
def test_rasa_serves_the_telegram_bot_s_token_and_the_site_s_conversations(
    rasa_stack: RasaStack,
) -> None:
    # The same message with Rasa's token (what the Telegram bot sends): served, so the
    # refusals above were for the token.
    bearer = {"Authorization": f"Bearer {rasa_stack.token}"}
    served = to_rasa(rasa_stack, "telegram:565656", bearer)
    # The site's and the terminal's conversations need none, and change no one's alerts.
    web = to_rasa(rasa_stack, "web:forge-telegram:575757", {})
    terminal = to_rasa(rasa_stack, "terminal:0123456789abcdef", {})
    not_an_object = httpx.post(f"{rasa_stack.rasa_url}/webhooks/rest/webhook", json=[],
                               headers=bearer, timeout=60, trust_env=False)  # fmt: skip
    hub = make_test_hub(rasa_stack.env["AROBASE_DATABASE_URL"])
    try:
        subscriber = find_subscriber(hub, "telegram", "565656")
        forged = find_subscriber(hub, "telegram", "575757")
    finally:
        hub.close()
    assert served.status_code == 200 and "Travaux" in served.json()[0]["text"]
    assert subscriber is not None and subscriber.topics == ("travaux",)
    for response in (web, terminal):
        assert response.status_code == 200
        assert "/alertes" in response.json()[0]["text"]  # where to subscribe, on the site
    assert forged is None
    assert not_an_object.status_code == 400
