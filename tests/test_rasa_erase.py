"""Erasing a Telegram subscriber with the real `arobase subscribers erase` also erases the
chat's conversation held by the real Rasa server (its answer about the hours came through the
real action server, which proves Rasa's calls carry the action server's secret)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from arobase.settings import ROOT
from notifications.subscribers import chat_subscribe, find_subscriber
from tests.hub_support import make_test_hub
from tests.stack import RasaStack
from tests.worker_processes import AROBASE

pytestmark = pytest.mark.rasa


def say(stack: RasaStack, sender: str, text: str) -> list[dict]:
    response = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers={"Authorization": f"Bearer {stack.token}"},  # a Telegram chat's conversation
        timeout=60,
        trust_env=False,
    )
    response.raise_for_status()
    return response.json()


def user_messages(stack: RasaStack, sender: str) -> list[str]:
    response = httpx.get(
        f"{stack.rasa_url}/conversations/{sender}/tracker",
        params={"token": stack.token},
        timeout=30,
        trust_env=False,
    )
    response.raise_for_status()
    return [e["text"] for e in response.json()["events"] if e["event"] == "user"]


def test_erase_removes_the_subscriber_and_the_chat_s_conversation(
    rasa_stack: RasaStack, tmp_path: Path
) -> None:
    chat = "-1009988776"  # a group chat: a negative id, as Telegram gives them
    sender = f"telegram:{chat}"
    question = "la mairie est ouverte samedi ?"
    assert "samedi" in say(rasa_stack, sender, question)[0]["text"].lower()
    hub = make_test_hub(rasa_stack.env["AROBASE_DATABASE_URL"])
    try:
        # In a group the assistant changes no alert: its administrators use /alertes.
        chat_subscribe(hub, "telegram", chat, ["travaux"])
        subscriber = find_subscriber(hub, "telegram", chat)
        assert subscriber is not None and subscriber.topics == ("travaux",)
        assert user_messages(rasa_stack, sender) == [question]

        env = {**rasa_stack.env, "AROBASE_DATA_DIR": str(tmp_path / "data")}
        result = subprocess.run(
            [str(AROBASE), "subscribers", "erase", str(subscriber.id), "--yes"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [
            f"Abonné n° {subscriber.id} effacé (2 enregistrements supprimés).",
            f"Sa conversation avec l'assistant ({sender}) est effacée aussi.",
        ]
        assert find_subscriber(hub, "telegram", chat) is None
    finally:
        hub.close()
    assert user_messages(rasa_stack, sender) == []
