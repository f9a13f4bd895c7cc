"""The channel registry: what each channel declares, found by name, and the facade over it.
Pure, except one child process that shows which libraries checking and rendering load."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from arobase.settings import ROOT, Settings
from notifications.channels import (
    CHANNEL_NAMES,
    channel_concurrency,
    channel_phrase,
    enrolment_address,
    get_plugin,
    needs_confirmation,
    plugins,
    preview,
    sends_unsubscribe_link,
)
from notifications.destinations import CAPPED_CHANNELS
from notifications.errors import UnknownChannel
from notifications.subscribers import enrolment_channels
from tests.fakes.envelopes import envelope

SENDER_LIBRARIES = ("aiohttp", "aiosmtplib", "pywebpush", "telegram")


def test_the_channels_in_their_order() -> None:
    assert CHANNEL_NAMES == ("telegram", "email", "webpush", "sms", "apprise")
    assert [plugin.name for plugin in plugins()] == list(CHANNEL_NAMES)


@pytest.mark.parametrize("name", ["telegram", "email", "webpush", "sms", "apprise"])
def test_each_channel_module_declares_its_plugin(name: str) -> None:
    module = importlib.import_module(f"notifications.channels.{name}")
    assert module.PLUGIN is get_plugin(name)
    assert module.PLUGIN.name == name


@pytest.mark.parametrize(
    ("name", "phrase", "confirms", "unsubscribe_link", "capped"),
    [
        ("telegram", "sur Telegram", False, False, False),
        ("email", "par e-mail", True, True, False),
        ("webpush", "sur votre appareil (téléphone, tablette ou ordinateur)", False, True, True),
        ("sms", "par SMS", False, True, False),
        ("apprise", "par le service que vous avez choisi", False, True, True),
    ],
)
def test_what_each_channel_declares(
    name: str, phrase: str, confirms: bool, unsubscribe_link: bool, capped: bool
) -> None:
    assert channel_phrase(name) == phrase
    assert needs_confirmation(name) is confirms
    assert sends_unsubscribe_link(name) is unsubscribe_link
    assert (name in CAPPED_CHANNELS) is capped


@pytest.mark.parametrize(
    ("name", "counter", "address"),
    [
        ("telegram", False, ("adresse", "text")),
        ("email", True, ("adresse e-mail", "email")),
        ("webpush", False, ("adresse", "text")),
        ("sms", True, ("numéro de portable", "tel")),
        ("apprise", False, ("adresse", "text")),
    ],
)
def test_which_channels_staff_may_enrol_a_person_on(
    name: str, counter: bool, address: tuple[str, str]
) -> None:
    assert (name in enrolment_channels()) is counter
    assert enrolment_address(name) == address


def test_the_counter_enrols_only_on_channels_the_person_confirms_or_on_sms() -> None:
    # Anyone can type another's address: the person must confirm from it. SMS is the
    # exception: it is for residents without internet, who cannot follow a link, so the agent
    # who meets them records their consent instead (the audit log keeps who did).
    unconfirmed = {name for name in enrolment_channels() if not needs_confirmation(name)}
    assert unconfirmed == {"sms"}


@pytest.mark.parametrize(
    ("name", "concurrency"),
    [("telegram", 5), ("email", 8), ("webpush", 8), ("sms", 8), ("apprise", 8)],
)
def test_sends_in_flight_per_channel(name: str, concurrency: int) -> None:
    settings = Settings(_env_file=None, telegram_concurrency=5)  # type: ignore[call-arg]
    assert channel_concurrency(settings, name) == concurrency


@pytest.mark.parametrize("call", [get_plugin, channel_phrase, needs_confirmation])
def test_an_unknown_channel_is_named_with_the_known_ones(call: Callable[[str], object]) -> None:
    with pytest.raises(UnknownChannel) as refused:
        call("fax")
    assert str(refused.value) == "canal inconnu « fax » : telegram, email, webpush, sms, apprise"


def test_telegram_is_not_built_without_a_token() -> None:
    assert get_plugin("telegram").build(Settings(_env_file=None)) is None  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("name", "first_line"),
    [
        ("telegram", "<b>Travaux rue Pasteur</b>"),
        ("email", "Objet : [Trilport] Travaux rue Pasteur"),
        ("webpush", "{"),
        ("apprise", "Travaux rue Pasteur"),
    ],
)
def test_the_preview_is_each_channel_s_rendering(name: str, first_line: str) -> None:
    alert = envelope("email", "camille@trilport.example")
    shown = preview(alert)

    assert list(shown) == list(CHANNEL_NAMES)
    assert shown[name] == get_plugin(name).render(alert)
    assert shown[name].splitlines()[0] == first_line


# Checks an address on every channel and renders a preview, then builds the senders: the
# libraries loaded after each step, one line each.
LOADED_LIBRARIES = """
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from arobase.settings import Settings
from notifications.channels import build_channels, validate_address
from notifications.channels import preview
from notifications.vapid import b64url
from tests.fakes.envelopes import envelope

def loaded():
    print(" ".join(sorted(name for name in sys.argv[2:] if name in sys.modules)))

point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
)
keys = {"p256dh": b64url(point), "auth": b64url(bytes(16))}
validate_address("telegram", "42")
validate_address("email", "camille@trilport.example")
validate_address("webpush", "https://fcm.googleapis.com/fcm/send/x", keys)
validate_address("apprise", "json://127.0.0.1/hook")
preview(envelope("email", "camille@trilport.example"))
loaded()
build_channels(Settings(_env_file=None, data_dir=Path(sys.argv[1]), telegram_token="1:a"))
loaded()
"""


def test_checking_and_rendering_load_no_sender_library(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", LOADED_LIBRARIES, str(tmp_path), *SENDER_LIBRARIES],
        cwd=ROOT,
        env={name: value for name, value in os.environ.items() if not name.startswith("AROBASE_")},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["", " ".join(SENDER_LIBRARIES)]
