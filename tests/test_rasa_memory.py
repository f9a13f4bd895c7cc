"""Rasa's memory stays bounded: the tracker store (rasa_addons/arobase_tracker_store.py)
forgets conversations idle too long and the least recently active above a count.

Its logic runs in the Rasa environment with a fake clock (tests/rasa_store_driver.py, one
process for every case below); then a real Rasa server started with small limits shows the
eviction at work while it keeps answering, without a restart.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from arobase.settings import ROOT
from tests.stack import RasaStack, running_stack

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
DRIVER = Path(__file__).with_name("rasa_store_driver.py")


def says(sender: str, *texts: str) -> list[list[str]]:
    return [["say", sender, text] for text in texts]


# name: (limits from endpoints.yml, environment, steps, observations then {"stored": count}).
CASES: dict[str, tuple[dict[str, Any], dict[str, str], list[list[Any]], list[Any]]] = {
    "a conversation is kept": (
        {},
        {},
        [*says("a", "bonjour", "et samedi ?"), ["read", "a"], ["read", "absent"]],
        [["bonjour", "et samedi ?"], None, {"stored": 1}],
    ),
    "above the count, the least recently active goes": (
        {"conversation_max": 3},
        {},
        [
            *says("a", "1"),
            *says("b", "2"),
            *says("c", "3"),
            *says("a", "4"),  # a is active again: b is now the least recently active
            *says("d", "5"),
            ["keys"],
            ["read", "a"],
            ["read", "b"],
        ],
        [["a", "c", "d"], ["1", "4"], None, {"stored": 3}],
    ),
    "idle longer than the limit is forgotten, up to the limit is kept": (
        {"conversation_idle": 60},
        {},
        [
            *says("a", "1"),
            ["wait", 30],
            *says("b", "2"),
            ["wait", 30],
            ["read", "a"],  # idle exactly 60 s: kept
            ["wait", 1],
            ["read", "a"],  # 61 s
            ["read", "b"],  # 31 s
            ["keys"],
        ],
        [["1"], None, ["2"], ["b"], {"stored": 1}],
    ),
    "reading does not keep a conversation alive": (
        {"conversation_idle": 60},
        {},
        [*says("a", "1"), ["wait", 50], ["read", "a"], ["wait", 20], ["read", "a"]],
        [["1"], None, {"stored": 0}],
    ),
    "a new message after the idle time starts afresh": (
        {"conversation_idle": 60},
        {},
        [*says("a", "hier"), ["wait", 61], *says("a", "aujourd'hui"), ["read", "a"]],
        [["aujourd'hui"], {"stored": 1}],
    ),
    "each save sweeps idle conversations at the old end, 100 at most": (
        {"conversation_idle": 60},
        {},
        [
            *[step for n in range(250) for step in says(f"old{n}", "x")],
            ["wait", 61],
            ["stored"],  # nothing happened yet: nothing swept
            *says("x", "1"),
            ["stored"],
            *says("y", "2"),
            ["stored"],
            *says("z", "3"),
            ["keys"],
        ],
        [250, 151, 52, ["x", "y", "z"], {"stored": 3}],
    ),
    "the minute sweep forgets every idle conversation, with no message coming": (
        {"conversation_idle": 60},
        {},
        [
            *[step for n in range(250) for step in says(f"old{n}", "x")],
            ["wait", 30],
            *says("recent", "y"),
            ["wait", 31],
            ["sweep"],
            ["keys"],
        ],
        [250, ["recent"], {"stored": 1}],
    ),
    "an erased conversation is gone, not kept empty": (
        {"conversation_max": 2},
        {},
        [
            *says("a", "1"),
            *says("b", "2"),
            ["erase", "a"],
            ["read", "a"],
            *says("c", "3"),  # a took no place: b stays
            ["read", "b"],
            ["erase", "never-seen"],
        ],
        [None, ["2"], {"stored": 2}],
    ),
    "creating a tracker stores nothing until its first message": (
        {},
        {},
        [["create", "a"], ["keys"]],
        [[], {"stored": 0}],
    ),
    "each conversation keeps its latest events only": (
        {"max_events": 3},
        {},
        [*says("a", "1", "2", "3", "4", "5"), ["read", "a"]],
        [["3", "4", "5"], {"stored": 1}],
    ),
    "limits default": ({}, {}, [["limits"]], [[1800.0, 5000, 50], {"stored": 0}]),
    "limits from the environment": (
        {},
        {"AROBASE_CONVERSATION_IDLE": "120", "AROBASE_CONVERSATION_MAX": "7"},
        [["limits"]],
        [[120.0, 7, 50], {"stored": 0}],
    ),
    "limits in endpoints.yml win": (
        {"conversation_idle": 30, "conversation_max": 2},
        {"AROBASE_CONVERSATION_IDLE": "120", "AROBASE_CONVERSATION_MAX": "7"},
        [["limits"]],
        [[30.0, 2, 50], {"stored": 0}],
    ),
    "empty variables mean the defaults": (
        {},
        {"AROBASE_CONVERSATION_IDLE": "", "AROBASE_CONVERSATION_MAX": ""},
        [["limits"]],
        [[1800.0, 5000, 50], {"stored": 0}],
    ),
    "an idle time that is not a number is refused": (
        {},
        {"AROBASE_CONVERSATION_IDLE": "30 min"},
        [],
        {"error": "AROBASE_CONVERSATION_IDLE : « 30 min » n'est pas un nombre positif"},
    ),
    "a count of zero is refused": (
        {},
        {"AROBASE_CONVERSATION_MAX": "0"},
        [],
        {"error": "AROBASE_CONVERSATION_MAX : « 0 » n'est pas un nombre positif"},
    ),
    "a count that is not whole is refused": (
        {"conversation_max": 2.5},
        {},
        [],
        {"error": "AROBASE_CONVERSATION_MAX : « 2.5 » n'est pas un nombre positif"},
    ),
}


def environ_without_limits() -> dict[str, str]:
    """This environment less the conversation limits a developer may have set."""
    ours = ("AROBASE_CONVERSATION_IDLE", "AROBASE_CONVERSATION_MAX")
    return {k: v for k, v in os.environ.items() if k not in ours}


@pytest.fixture(scope="module")
def store_results() -> dict[str, Any]:
    """Every case's observations, from one run of the driver in the Rasa environment."""
    cases = {
        name: {"limits": limits, "env": env, "steps": steps}
        for name, (limits, env, steps, _) in CASES.items()
    }
    done = subprocess.run(
        [str(RASA_PYTHON), str(DRIVER)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environ_without_limits(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("case", list(CASES))
def test_tracker_store(store_results: dict[str, Any], case: str):
    assert store_results[case] == CASES[case][3]


# --- A real Rasa server with small limits ---------------------------------------------------

IDLE_SECONDS = 8  # long enough for the first steps below, even on a busy machine
MAX_CONVERSATIONS = 3


@pytest.fixture(scope="module")
def small_rasa(
    trained_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RasaStack]:
    """Rasa keeping at most 3 conversations, each for 8 idle seconds."""
    limits = {
        "AROBASE_CONVERSATION_IDLE": str(IDLE_SECONDS),
        "AROBASE_CONVERSATION_MAX": str(MAX_CONVERSATIONS),
    }
    with running_stack(trained_model, tmp_path_factory.mktemp("rasa-memory"), limits) as stack:
        yield stack


def said(rasa: httpx.Client, sender: str, token: str) -> list[str]:
    """What the person wrote in the conversation Rasa holds for SENDER (empty: a new one).
    Reading does not keep a conversation alive, nor store one Rasa does not hold."""
    response = rasa.get(f"/conversations/{sender}/tracker", params={"token": token})
    response.raise_for_status()
    return [e["text"] for e in response.json()["events"] if e["event"] == "user"]


def answer(rasa: httpx.Client, sender: str, text: str) -> str:
    """The bot's replies to TEXT in conversation SENDER, joined."""
    response = rasa.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    response.raise_for_status()
    return "\n".join(r.get("text", "") for r in response.json())


@pytest.mark.rasa
def test_real_rasa_forgets_without_a_restart(small_rasa: RasaStack):
    token = small_rasa.token
    # Conversations "test:…" are neither the site's nor the terminal's: Rasa wants its token.
    bearer = {"Authorization": f"Bearer {token}"}
    with httpx.Client(
        base_url=small_rasa.rasa_url, timeout=60, trust_env=False, headers=bearer
    ) as rasa:
        for sender in ("a", "b"):
            assert answer(rasa, f"test:{sender}", "bonjour")
        c_sent = time.monotonic()
        assert answer(rasa, "test:c", "bonjour")
        c_answered = time.monotonic()
        assert answer(rasa, "test:d", "bonjour")  # a fourth: "a" goes
        kept = {s: said(rasa, f"test:{s}", token) for s in "abcd"}

        # An erased conversation is gone: it no longer takes one of the 3 places.
        erased = rasa.put("/conversations/test:b/tracker/events", params={"token": token}, json=[])
        assert answer(rasa, "test:e", "merci")
        after_erase = {s: said(rasa, f"test:{s}", token) for s in "bcde"}

        # Idle: poll until Rasa has forgotten "c" (its last message was the oldest).
        while said(rasa, "test:c", token):
            assert time.monotonic() - c_answered < IDLE_SECONDS + 30, "c never forgotten"
            time.sleep(0.2)
        forgotten = time.monotonic()
        still = answer(rasa, "test:c", "la mairie est ouverte samedi ?")

    assert kept == {"a": [], "b": ["bonjour"], "c": ["bonjour"], "d": ["bonjour"]}
    assert erased.status_code == 200
    assert after_erase == {"b": [], "c": ["bonjour"], "d": ["bonjour"], "e": ["merci"]}
    # Forgotten once idle for 8 s (Rasa saved it between c_sent and c_answered), not before.
    assert forgotten - c_sent > IDLE_SECONDS
    assert forgotten - c_answered < IDLE_SECONDS + 5
    assert "Samedi 28 novembre" in still  # the same server answers on, from a new conversation
