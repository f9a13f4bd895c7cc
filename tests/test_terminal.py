"""The terminal chat, driven by scripted lines against a fake Rasa on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from arobase.settings import Settings
from bot.rasa_client import Button, RasaClient, Reply, rasa_client_from_settings
from bot.terminal import chat_loop, choose, format_replies, run_terminal_chat
from tests.fake_rasa import FakeRasa, make_settings, running_fake_rasa
from tests.servers import closed_port_url

SENDER = "terminal:test"


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeRasa]:
    with running_fake_rasa() as fake:
        yield fake


@pytest.fixture
def fake(fake_server: FakeRasa) -> FakeRasa:
    fake_server.reset()
    return fake_server


@pytest.fixture
def settings(fake: FakeRasa, tmp_path: Path) -> Settings:
    # The terminal chat does not read the town file.
    return make_settings(tmp_path / "unused.yml", fake.url, rasa_timeout=0.5)


@pytest.fixture
async def rasa(settings: Settings) -> AsyncIterator[RasaClient]:
    async with rasa_client_from_settings(settings) as client:
        yield client


def scripted(*lines: str) -> Callable[[], str | None]:
    """A read_line that types `lines` one by one, then reaches end of input."""
    remaining = iter(lines)
    return lambda: next(remaining, None)


async def run(client: RasaClient, *lines: str) -> list[str]:
    """Chat with `lines` as input; return what was written."""
    written: list[str] = []
    await chat_loop(client, SENDER, scripted(*lines), written.append)
    return written


async def test_prints_replies_and_quits(rasa: RasaClient, fake: FakeRasa):
    written = await run(rasa, "bonjour", "/quit", "jamais envoyé")

    assert "Assistant : Vous avez dit : bonjour" in written
    assert written[-1] == "Au revoir."
    assert fake.messages == ["bonjour"]
    assert fake.senders == [SENDER]


async def test_number_sends_the_button_payload(rasa: RasaClient, fake: FakeRasa):
    written = await run(rasa, "des choix ?", "2")

    assert written[1:4] == [
        "Assistant : Que souhaitez-vous savoir ?",
        "  1. Horaires de la mairie",
        "  2. Carte d'identité",
    ]
    assert "Assistant : Vous avez choisi /carte_identite" in written
    assert fake.messages == ["des choix ?", "/carte_identite"]


async def test_number_without_matching_button_is_sent_as_text(rasa: RasaClient, fake: FakeRasa):
    await run(rasa, "1", "des choix", "3", "des choix", "1", "1")

    # Only the latest turn's buttons count: out of range, none yet, or none any more.
    assert fake.messages == ["1", "des choix", "3", "des choix", "/horaires", "1"]


@pytest.mark.parametrize("word", ["/quit", "quitter", "QUITTER", "  /quit  "])
async def test_quit_words_end_the_chat(rasa: RasaClient, fake: FakeRasa, word: str):
    written = await run(rasa, word, "bonjour")

    assert fake.messages == []
    assert written[-1] == "Au revoir."


async def test_blank_lines_are_ignored(rasa: RasaClient, fake: FakeRasa):
    await run(rasa, "", "   ", "bonjour")

    assert fake.messages == ["bonjour"]


async def test_rasa_down_prints_french_message_and_goes_on(tmp_path: Path):
    settings = make_settings(tmp_path / "unused.yml", closed_port_url())
    async with rasa_client_from_settings(settings) as client:
        written = await run(client, "bonjour", "encore")

    failures = [line for line in written if line.startswith("L'assistant ne répond pas")]
    assert len(failures) == 2
    assert "Vérifiez que Rasa est lancé" in failures[0]
    assert written[-1] == "Au revoir."


async def test_rasa_error_keeps_the_chat_going(rasa: RasaClient, fake: FakeRasa):
    fake.mode = "error"
    written: list[str] = []
    lines = iter(["bonjour", "encore"])

    def read_line() -> str | None:
        line = next(lines, None)
        if line == "encore":
            fake.mode = "echo"
        return line

    await chat_loop(rasa, SENDER, read_line, written.append)

    assert any("erreur 500" in line for line in written)
    assert "Assistant : Vous avez dit : encore" in written


def test_format_replies_numbers_buttons_across_replies():
    replies = [
        Reply("Premier", (Button("A", "/a"),)),
        Reply("", (Button("B", "/b"),)),
    ]

    lines, buttons = format_replies(replies)

    assert lines == ["Assistant : Premier", "  1. A", "  2. B"]
    assert [b.payload for b in buttons] == ["/a", "/b"]
    assert choose("2", buttons) == "/b"
    assert choose("0", buttons) == "0"


def test_format_replies_says_when_there_is_nothing():
    assert format_replies([]) == (["Assistant : (pas de réponse)"], ())


def test_run_terminal_chat_uses_input_and_print(
    settings: Settings,
    fake: FakeRasa,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
):
    typed = iter(["bonjour"])

    def fake_input(prompt: str) -> str:
        line = next(typed, None)
        if line is None:
            raise EOFError
        return line

    monkeypatch.setattr("builtins.input", fake_input)

    code = run_terminal_chat(settings)

    assert code == 0
    assert "Assistant : Vous avez dit : bonjour" in capsys.readouterr().out
    (sender,) = fake.senders
    assert sender.startswith("terminal:") and len(sender) > len("terminal:")


def test_run_terminal_chat_stops_when_rasa_is_down(tmp_path: Path, capsys: pytest.CaptureFixture):
    code = run_terminal_chat(make_settings(tmp_path / "unused.yml", closed_port_url()))

    assert code == 1
    assert "ne répond pas" in capsys.readouterr().out
