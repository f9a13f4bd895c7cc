"""Chat with the assistant in a terminal, so staff can try the bot without a browser."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Sequence

from arobase.senders import Front, sender_id
from arobase.settings import Settings
from bot.rasa_client import Button, RasaClient, RasaUnavailable, Reply, rasa_client_from_settings

QUIT_WORDS = frozenset({"/quit", "quitter"})
WELCOME = (
    "Discussion avec l'assistant. Tapez votre question, ou le numéro d'un choix proposé. "
    "Pour sortir : /quit, « quitter » ou Ctrl-D."
)
PROMPT = "Vous : "


def format_replies(replies: Sequence[Reply]) -> tuple[list[str], tuple[Button, ...]]:
    """The lines to print for a turn, and its buttons in the order they are numbered."""
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        if reply.text:
            lines.append(f"Assistant : {reply.text}")
        for button in reply.buttons:
            buttons.append(button)
            lines.append(f"  {len(buttons)}. {button.title}")
    return lines or ["Assistant : (pas de réponse)"], tuple(buttons)


def choose(line: str, buttons: Sequence[Button]) -> str:
    """The message to send for a typed line: a button's payload when it is its number."""
    if line.isdigit() and 1 <= int(line) <= len(buttons):
        return buttons[int(line) - 1].payload
    return line


async def chat_loop(
    client: RasaClient,
    sender: str,
    read_line: Callable[[], str | None],
    write: Callable[[str], None],
) -> None:
    """Read lines until quit or end of input; print the bot's replies and numbered choices."""
    write(WELCOME)
    buttons: tuple[Button, ...] = ()
    while (line := read_line()) is not None:
        line = line.strip()
        if line.lower() in QUIT_WORDS:
            break
        if not line:
            continue
        try:
            replies = await client.send(sender, choose(line, buttons))
        except RasaUnavailable as exc:
            write(f"L'assistant ne répond pas : {exc} Vérifiez que Rasa est lancé, puis réessayez.")
            continue
        lines, buttons = format_replies(replies)
        for text in lines:
            write(text)
    write("Au revoir.")


def _read_input() -> str | None:
    """One line typed by the person; None on Ctrl-D or Ctrl-C."""
    try:
        return input(PROMPT)
    except (EOFError, KeyboardInterrupt):
        print()
        return None


async def _run(settings: Settings) -> int:
    """Check that Rasa answers, then chat until the person quits."""
    async with rasa_client_from_settings(settings) as client:
        if not await client.status():
            print(
                f"L'assistant (Rasa) ne répond pas à {settings.rasa_url}. "
                "Lancez-le d'abord, ou corrigez AROBASE_RASA_URL."
            )
            return 1
        sender = sender_id(Front.TERMINAL, secrets.token_hex(8))
        await chat_loop(client, sender, _read_input, print)
    return 0


def run_terminal_chat(settings: Settings) -> int:
    """Entry point for `arobase chat`: returns the process exit code."""
    return asyncio.run(_run(settings))
